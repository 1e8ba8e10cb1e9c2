// OpenHands' own files written beside the store (the persister's
// --openhands-layout): Python's json.dumps text, file names, cache page
// boundaries, holes, and a writer restarted inside a page or over an
// existing store (CatchUp).
#include "persist/openhands_event_files.h"

#include <gtest/gtest.h>

#include <string>

#include "persist/python_json.h"
#include "persist/store.h"
#include "persist/store_paths.h"
#include "persist/store_writer.h"
#include "tests/persist/persist_test_util.h"

namespace evbus::persist {
namespace {

using testing::SampleMeta;
using testing::TempDir;

std::string Python(std::string_view json) {
  std::string out;
  const Status s = AppendPythonJson(json, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::string Read(const std::string& path) {
  std::string text;
  EXPECT_TRUE(Env::Default()->ReadFile(path, &text).ok()) << path;
  return text;
}

// An event as evbus stores it (compact, id first), with non-ASCII text.
std::string StoredJson(std::uint64_t id) {
  return "{\"id\":" + std::to_string(id) +
         ",\"timestamp\":\"2025-07-18T17:01:36.799608\",\"source\":\"agent\",\"message\":"
         "\"caf\xc3\xa9"
         " #" +
         std::to_string(id) +
         "\",\"action\":\"message\",\"args\":{\"content\":\"a:b,c\","
         "\"n\":[1,2.5,null,true]}}";
}

TEST(PythonJsonTest, WritesWhatJsonDumpsWrites) {
  // The expected text is what Python 3's json.dumps gives for the same value.
  EXPECT_EQ(Python(R"({"a":1,"b":[1,2.5,-0.0,1e-05],"c":{"d":null,"e":true}})"),
            R"({"a": 1, "b": [1, 2.5, -0.0, 1e-05], "c": {"d": null, "e": true}})");
  EXPECT_EQ(Python("{\"s\":\"caf\xc3\xa9 \xf0\x9f\x98\x80 /\\/ \\u00e9 \x7f\"}"),
            R"({"s": "caf\u00e9 \ud83d\ude00 // \u00e9 \u007f"})");
  EXPECT_EQ(Python(R"({"s":"q\"b\\n\nr\rt\tb\bf\f\u0001\u001F:,"})"),
            R"({"s": "q\"b\\n\nr\rt\tb\bf\f\u0001\u001f:,"})");
  EXPECT_EQ(Python(R"(["a", "b"])"), R"(["a", "b"])");
  EXPECT_EQ(Python("{}"), "{}");
}

TEST(PythonJsonTest, RefusesTextThatIsNotUtf8Json) {
  std::string out = "kept";
  EXPECT_EQ(AppendPythonJson("{\"s\":\"\xff\"}", &out).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(AppendPythonJson(R"({"s":"\ud800"})", &out).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(AppendPythonJson(R"({"s":"open)", &out).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(out, "kept");
}

class OpenHandsEventFilesTest : public ::testing::Test {
 protected:
  std::unique_ptr<OpenHandsEventFiles> OpenFiles() {
    auto files = OpenHandsEventFiles::Open(dir_);
    EXPECT_TRUE(files.ok()) << files.status().ToString();
    return files.ok() ? std::move(*files) : nullptr;
  }
  // "[" + the event files of [start, start+25) joined by ", " + "]".
  std::string ExpectedPage(std::uint64_t start) {
    std::string page = "[";
    for (std::uint64_t id = start; id < start + 25; ++id) {
      page += (id == start ? "" : ", ") + Python(StoredJson(id));
    }
    return page + "]";
  }
  bool Exists(const std::string& relative) {
    return Env::Default()->FileExists(dir_ + "/" + relative);
  }

  TempDir tmp_;
  std::string dir_ = tmp_.path() + "/sessions/s1";
};

TEST_F(OpenHandsEventFilesTest, WritesEventFilesAndAlignedPagesOf25) {
  auto files = OpenFiles();
  for (std::uint64_t id = 0; id < 52; ++id) ASSERT_TRUE(files->Add(id, StoredJson(id)).ok());
  EXPECT_EQ(Read(dir_ + "/events/7.json"), Python(StoredJson(7)));
  EXPECT_EQ(Read(dir_ + "/events/51.json"), Python(StoredJson(51)));
  EXPECT_EQ(Read(dir_ + "/event_cache/0-25.json"), ExpectedPage(0));
  EXPECT_EQ(Read(dir_ + "/event_cache/25-50.json"), ExpectedPage(25));
  EXPECT_FALSE(Exists("event_cache/50-75.json"));  // not complete yet
  EXPECT_FALSE(Exists(".evbus-layout.tmp"));
}

TEST_F(OpenHandsEventFilesTest, BlockWithAMissingIdGetsNoPage) {
  auto files = OpenFiles();
  for (std::uint64_t id = 0; id < 25; ++id) {
    if (id != 13) {
      ASSERT_TRUE(files->Add(id, StoredJson(id)).ok());
    }
  }
  EXPECT_FALSE(Exists("events/13.json"));
  EXPECT_FALSE(Exists("event_cache/0-25.json"));
}

TEST_F(OpenHandsEventFilesTest, RestartInsideAPageWritesTheSameFiles) {
  {
    auto files = OpenFiles();
    for (std::uint64_t id = 0; id < 30; ++id) ASSERT_TRUE(files->Add(id, StoredJson(id)).ok());
  }
  // A new writer (a restarted persister) gets 28.. again, then goes on.
  auto files = OpenFiles();
  for (std::uint64_t id = 28; id < 50; ++id) ASSERT_TRUE(files->Add(id, StoredJson(id)).ok());
  EXPECT_EQ(Read(dir_ + "/events/28.json"), Python(StoredJson(28)));
  EXPECT_EQ(Read(dir_ + "/event_cache/0-25.json"), ExpectedPage(0));
  EXPECT_EQ(Read(dir_ + "/event_cache/25-50.json"), ExpectedPage(25));
}

TEST_F(OpenHandsEventFilesTest, CatchUpWritesWhatTheStoreHoldsAndTheDirectoryLacks) {
  const std::string evbus_dir = dir_ + "/evbus";
  {
    auto writer = StoreWriter::Open(evbus_dir, StoreWriterOptions());
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    for (std::uint64_t id = 0; id < 30; ++id) {
      ASSERT_TRUE((*writer)->Append(SampleMeta(id), StoredJson(id)).ok());
    }
    ASSERT_TRUE((*writer)->Close().ok());
  }
  auto store = Store::OpenDir(evbus_dir);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto files = OpenFiles();
  ASSERT_TRUE(files->Add(0, StoredJson(0)).ok());  // one file is there already
  auto written = files->CatchUp(**store);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(*written, 29u + 1u);  // 29 event files and the page 0-25
  EXPECT_EQ(Read(dir_ + "/events/29.json"), Python(StoredJson(29)));
  EXPECT_EQ(Read(dir_ + "/event_cache/0-25.json"), ExpectedPage(0));
  auto again = OpenFiles()->CatchUp(**store);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0u);
  // After a catch-up inside a page, the page completes from memory and files.
  for (std::uint64_t id = 30; id < 50; ++id) ASSERT_TRUE(files->Add(id, StoredJson(id)).ok());
  EXPECT_EQ(Read(dir_ + "/event_cache/25-50.json"), ExpectedPage(25));
}

}  // namespace
}  // namespace evbus::persist
