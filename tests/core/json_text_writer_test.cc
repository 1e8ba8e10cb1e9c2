#include "core/json_text_writer.h"

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace evbus {
namespace {

std::string PythonFloat(double value) {
  std::string out;
  AppendPythonFloat(value, &out);
  return out;
}

// Expected texts are Python 3's repr() of the same doubles.
TEST(JsonTextWriterTest, WritesFloatsAsPythonReprDoes) {
  EXPECT_EQ(PythonFloat(0.0), "0.0");
  EXPECT_EQ(PythonFloat(-0.0), "-0.0");
  EXPECT_EQ(PythonFloat(120.0), "120.0");
  EXPECT_EQ(PythonFloat(1.5), "1.5");
  EXPECT_EQ(PythonFloat(-42.125), "-42.125");
  EXPECT_EQ(PythonFloat(0.1), "0.1");
  EXPECT_EQ(PythonFloat(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(PythonFloat(1234.5678), "1234.5678");
  EXPECT_EQ(PythonFloat(0.0001), "0.0001");
  EXPECT_EQ(PythonFloat(1e-05), "1e-05");
  EXPECT_EQ(PythonFloat(2.5e-7), "2.5e-07");
  EXPECT_EQ(PythonFloat(1e15), "1000000000000000.0");
  EXPECT_EQ(PythonFloat(9007199254740992.0), "9007199254740992.0");
  EXPECT_EQ(PythonFloat(1e16), "1e+16");
  EXPECT_EQ(PythonFloat(1e22), "1e+22");
  EXPECT_EQ(PythonFloat(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(PythonFloat(5e-324), "5e-324");
  EXPECT_EQ(PythonFloat(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(PythonFloat(std::numeric_limits<double>::lowest()), "-1.7976931348623157e+308");
}

TEST(JsonTextWriterTest, WritesNonFiniteFloatsAsPythonJsonDoes) {
  EXPECT_EQ(PythonFloat(std::nan("")), "NaN");
  EXPECT_EQ(PythonFloat(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(PythonFloat(-std::numeric_limits<double>::infinity()), "-Infinity");
}

TEST(JsonTextWriterTest, ReadsBackEveryWrittenFloatExactly) {
  for (double v : {0.1, 2.0 / 3.0, 1e-300, 6.02214076e23, 299792458.0, -1e-4, 4.9e-5}) {
    EXPECT_EQ(std::stod(PythonFloat(v)), v) << PythonFloat(v);
  }
}

TEST(JsonTextWriterTest, WritesCompactUtf8JsonIntoTheGivenString) {
  std::string out = "x";
  StringAppendStream stream(&out);
  WriterStackBuffer stack;
  JsonTextWriter writer(stream, &stack.allocator);
  writer.StartObject();
  writer.Key("k\xC3\xA9");
  writer.StartArray();
  writer.Int(1);
  WritePythonFloat(writer, 2.0);
  writer.String("\xE6\x97\xA5\"");
  writer.EndArray();
  writer.EndObject();
  EXPECT_TRUE(writer.IsComplete());
  EXPECT_EQ(out, "x{\"k\xC3\xA9\":[1,2.0,\"\xE6\x97\xA5\\\"\"]}");
}

// String and Key are written by JsonTextWriter itself (runs of bytes between
// escapes): the bytes must stay rapidjson's Writer's, numbers beside them.
TEST(JsonTextWriterTest, WritesStringsAndIntegersAsRapidjsonsWriterDoes) {
  std::string every_byte;
  for (int c = 1; c < 256; ++c) every_byte.push_back(static_cast<char>(c));
  const std::string texts[] = {"", "plain", every_byte, "a\"b\\c\n\t\x01\x1f\x7f\xC3\xA9 /",
                               std::string(100, 'x') + "\n" + std::string(33, 'y')};
  std::string got;
  StringAppendStream stream(&got);
  WriterStackBuffer stack;
  JsonTextWriter writer(stream, &stack.allocator);
  rapidjson::StringBuffer want;
  rapidjson::Writer<rapidjson::StringBuffer> reference(want);
  writer.StartObject();
  reference.StartObject();
  for (const std::string& t : texts) {
    writer.Key(t.data(), static_cast<rapidjson::SizeType>(t.size()));
    reference.Key(t.data(), static_cast<rapidjson::SizeType>(t.size()));
    writer.StartArray();
    reference.StartArray();
    writer.String(t.data(), static_cast<rapidjson::SizeType>(t.size()));
    reference.String(t.data(), static_cast<rapidjson::SizeType>(t.size()));
    for (std::int64_t i : {INT64_MIN, std::int64_t{-1}, std::int64_t{0}, INT64_MAX}) {
      writer.Int64(i);
      reference.Int64(i);
    }
    writer.Uint64(UINT64_MAX);
    reference.Uint64(UINT64_MAX);
    writer.Int(-7);
    reference.Int(-7);
    writer.Uint(7u);
    reference.Uint(7u);
    writer.EndArray();
    reference.EndArray();
  }
  writer.EndObject();
  reference.EndObject();
  EXPECT_TRUE(writer.IsComplete());
  EXPECT_EQ(got, std::string(want.GetString(), want.GetSize()));
}

}  // namespace
}  // namespace evbus
