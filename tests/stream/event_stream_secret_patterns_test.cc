// EventStream::SetSecretPatterns / UpdateSecretPatterns: the stream's secret
// patterns, set through one EventStream object, redact what another object of
// the same stream publishes (each reloads the stream's secrets file when the
// segment's generation moves); a bad pattern is refused and the old ones stay.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/stream/stream_test_util.h"

namespace evbus {
namespace {

class EventStreamSecretPatternsTest : public ::testing::Test {
 protected:
  void SetUp() override { sid_ = testing::UniqueSession("pat"); }
  void TearDown() override {
    for (auto& s : streams_) (void)s->Close();
    streams_.clear();
    testing::DestroyStream(sid_);
  }
  EventStream* Open() {
    EventStreamOptions options;
    options.store_root = root_.path();
    options.log = [](const std::string&) {};
    auto s = EventStream::Open(sid_, options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) return nullptr;
    streams_.push_back(std::move(*s));
    return streams_.back().get();
  }
  // Publishes `content` through `by`; returns it as the stream stored it.
  static std::string Roundtrip(EventStream* by, const std::string& content) {
    Event e = testing::NullObservation(content);
    auto id = by->AddEvent(&e, Source::kAgent);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    auto stored = by->GetEvent(*id);
    return stored.ok() ? stored->content : "";
  }

  testing::TempDir root_;
  std::string sid_;
  std::vector<std::unique_ptr<EventStream>> streams_;
};

constexpr char kAws[] = "AKIA0123456789ABCDEF";

TEST_F(EventStreamSecretPatternsTest, PatternsSetThroughOneObjectRedactAnothersEvents) {
  EventStream* setter = Open();
  EventStream* publisher = Open();
  ASSERT_NE(publisher, nullptr);
  EXPECT_EQ(Roundtrip(publisher, std::string("k=") + kAws), "k=<secret_hidden:aws_access_key_id>");

  SecretPatterns none = SecretPatterns::None();
  none.custom["ticket"] = "TCK-[0-9]{6}";
  ASSERT_TRUE(setter->SetSecretPatterns(none).ok());
  EXPECT_EQ(Roundtrip(publisher, std::string("k=") + kAws + " TCK-123456"),
            std::string("k=") + kAws + " <secret_hidden:ticket>");

  SecretPatterns update;
  update.builtins["aws_access_key_id"] = true;
  update.placeholder = "[{rule}]";
  ASSERT_TRUE(setter->UpdateSecretPatterns(update).ok());
  EXPECT_EQ(Roundtrip(publisher, std::string("k=") + kAws + " TCK-123456"),
            "k=[aws_access_key_id] [ticket]");
}

TEST_F(EventStreamSecretPatternsTest, BadPatternIsRefusedAndTheOldOnesStay) {
  EventStream* s = Open();
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->UpdateSecretPatterns(SecretPatterns{{}, {{"ticket", "TCK-[0-9]{6}"}}, {}}).ok());
  const Status bad = s->UpdateSecretPatterns(SecretPatterns{{}, {{"loop", "(a|b)*"}}, {}});
  EXPECT_TRUE(bad.IsInvalidArgument()) << bad.ToString();
  EXPECT_NE(bad.message().find("'loop'"), std::string::npos) << bad.message();
  EXPECT_EQ(Roundtrip(s, "TCK-123456"), "<secret_hidden:ticket>");
  // Secrets and patterns are kept apart: setting secrets keeps the patterns.
  ASSERT_TRUE(s->SetSecrets({{"pw", "hunter2hunter2"}}).ok());
  EXPECT_EQ(Roundtrip(s, "TCK-123456 hunter2hunter2"), "<secret_hidden:ticket> <secret_hidden>");
}

}  // namespace
}  // namespace evbus
