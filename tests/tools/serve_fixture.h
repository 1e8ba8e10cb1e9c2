// The fixture of the `evbus serve` tests: a stream of the test's own (an
// EventStream publishing into it, its store under a temporary root) and the
// real server over loopback.
#ifndef EVBUS_TESTS_TOOLS_SERVE_FIXTURE_H_
#define EVBUS_TESTS_TOOLS_SERVE_FIXTURE_H_

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <vector>

#include "stream/metrics_reader.h"
#include "tests/stream/stream_test_util.h"
#include "tests/tools/serve_test_util.h"

namespace evbus::testutil {

class ServeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    sid_ = evbus::testing::UniqueSession("serve");
    EventStreamOptions options;
    options.store_root = dir_.path();
    auto stream = EventStream::Open(sid_, options);
    ASSERT_TRUE(stream.ok()) << stream.status().ToString();
    stream_ = std::move(*stream);
  }
  // The server is stopped before the stream is destroyed: a server killed by
  // its ChildProcess's destructor would leave its metrics file behind. A test
  // that killed it on purpose leaves one too; the sweep removes those.
  void TearDown() override {
    if (server_.child().running()) (void)server_.Stop();
    if (stream_) (void)stream_->Close();
    evbus::testing::DestroyStream(sid_);
    (void)RemoveStaleStreamMetrics(sid_);
  }

  // Publishes `n` observations "content <i>" (sources alternate agent/user).
  void Publish(int n) {
    for (int i = 0; i < n; ++i) {
      Event e = evbus::testing::NullObservation("content " + std::to_string(published_));
      const Source source = published_ % 2 == 0 ? Source::kAgent : Source::kUser;
      ASSERT_TRUE(stream_->AddEvent(&e, source).ok());
      ++published_;
    }
  }

  void StartServer(std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"--root", dir_.path()});
    ASSERT_TRUE(server_.Start(args)) << "evbus serve did not start";
  }

  HttpResponse Get(const std::string& target, const std::string& headers = "") {
    return Http(server_.port(), "GET", target, "", headers);
  }
  std::string Path(const std::string& rest) const { return "/streams/" + sid_ + rest; }

  // The ids of a {"events": [...]} body, and its has_more.
  static std::vector<std::int64_t> Ids(const std::string& body, bool* has_more = nullptr) {
    rapidjson::Document doc;
    doc.Parse(body.c_str());
    std::vector<std::int64_t> ids;
    if (!doc.IsObject() || !doc.HasMember("events")) return ids;
    for (const auto& e : doc["events"].GetArray()) ids.push_back(e["id"].GetInt64());
    if (has_more != nullptr) *has_more = doc["has_more"].GetBool();
    return ids;
  }

  evbus::testing::TempDir dir_;
  std::string sid_;
  std::unique_ptr<EventStream> stream_;
  ServeProcess server_;
  int published_ = 0;
};

}  // namespace evbus::testutil

#endif  // EVBUS_TESTS_TOOLS_SERVE_FIXTURE_H_
