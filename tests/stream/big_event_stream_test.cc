// Big events through the EventStream (docs/shm_layout.md, section 13): 8 MiB
// and 64 MiB events on a stream opened with the default options reach a
// callback, the store, GetEvent and SearchEvents intact; a registered secret
// inside an 8 MiB event never reaches shared memory (the segment or the body
// file) or the store.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include "persist/store.h"
#include "tests/stream/stream_test_util.h"

namespace evbus {
namespace {

constexpr std::size_t kMiB = 1u << 20;

std::string Filler(char tag, std::size_t size) {
  std::string s(size, tag);
  for (std::size_t i = 0; i < size; i += 4096) s[i] = static_cast<char>('a' + (i / 4096) % 26);
  return s;
}

std::size_t CountIn(const std::string& path, const std::string& needle) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t n = 0;
  for (std::size_t at = bytes.find(needle); at != std::string::npos;
       at = bytes.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class BigEventStreamTest : public ::testing::Test {
 protected:
  void SetUp() override { sid_ = testing::UniqueSession("big"); }
  void TearDown() override {
    persister_.reset();
    if (stream_) (void)stream_->Close();
    stream_.reset();
    testing::DestroyStream(sid_);
  }
  void OpenWithDefaults() {
    EventStreamOptions options;
    options.store_root = root_.path();
    auto s = EventStream::Open(sid_, options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    stream_ = std::move(*s);
    persister_ = testing::PersisterThread::Start(root_.path(), sid_);
    ASSERT_NE(persister_, nullptr);
  }
  std::int64_t Add(const std::string& content) {
    Event e = testing::NullObservation(content);
    auto id = stream_->AddEvent(&e, Source::kEnvironment);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : -1;
  }
  bool StoredUpTo(std::int64_t id) {
    return testing::WaitFor(
        [&] {
          auto st = persist::Store::Open(root_.path(), sid_);
          return st.ok() && (*st)->GetLatestEventId() == id;
        },
        std::chrono::seconds(60));
  }

  testing::TempDir root_;
  std::string sid_;
  std::unique_ptr<EventStream> stream_;
  std::unique_ptr<testing::PersisterThread> persister_;
};

TEST_F(BigEventStreamTest, AddEventTakes8And64MiBEventsWithDefaultOptions) {
  ASSERT_NO_FATAL_FAILURE(OpenWithDefaults());
  std::mutex mu;
  std::vector<std::string> seen;
  ASSERT_TRUE(stream_
                  ->Subscribe(
                      SubscriberId::kServer,
                      [&](const Event& e) {
                        std::lock_guard<std::mutex> lock(mu);
                        seen.push_back(e.content);
                      },
                      "big")
                  .ok());
  const std::string e8 = Filler('x', 8 * kMiB), e64 = Filler('y', 64 * kMiB);
  EXPECT_EQ(0, Add(e8));
  EXPECT_EQ(1, Add("small"));
  EXPECT_EQ(2, Add(e64));
  ASSERT_TRUE(testing::WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    return seen.size() == 3;
  }));
  EXPECT_TRUE(seen[0] == e8);
  EXPECT_EQ(seen[1], "small");
  EXPECT_TRUE(seen[2] == e64);
  ASSERT_TRUE(StoredUpTo(2));
  auto back = stream_->GetEvent(2);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->content == e64);
  auto all = stream_->SearchEvents({});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(3u, all->size());
  EXPECT_TRUE((*all)[0].content == e8);
}

TEST_F(BigEventStreamTest, SecretInsideAn8MiBEventNeverReachesSharedMemoryOrDisk) {
  ASSERT_NO_FATAL_FAILURE(OpenWithDefaults());
  const std::string secret = "sk-big-event-secret-4242";
  ASSERT_TRUE(stream_->SetSecrets({{"token", secret}}).ok());
  std::string content = Filler('z', 8 * kMiB);
  content.replace(4 * kMiB, secret.size(), secret);
  content.replace(8 * kMiB - 100, secret.size(), secret);
  const std::int64_t id = Add(content);
  ASSERT_TRUE(StoredUpTo(id));
  auto back = stream_->GetEvent(id);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(std::string::npos, back->content.find(secret));
  EXPECT_NE(std::string::npos, back->content.find("<secret_hidden>"));
  // The byte scan: the segment, its body files and every store file.
  const std::string shm_name = stream_->segment().shm_name();
  std::size_t found = CountIn("/dev/shm/" + shm_name, secret), bodies = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/dev/shm")) {
    if (entry.path().filename().string().rfind("evbus-body." + sid_ + "+", 0) != 0) continue;
    found += CountIn(entry.path().string(), secret);
    ++bodies;
  }
  EXPECT_EQ(1u, bodies) << "the 8 MiB event's body file was not scanned";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root_.path())) {
    if (entry.is_regular_file()) found += CountIn(entry.path().string(), secret);
  }
  EXPECT_EQ(0u, found) << "the secret reached shared memory or disk";
  EXPECT_GT(CountIn(SharedSecrets::PathFor(sid_, ""), secret), 0u) << "control: the scan works";
}

}  // namespace
}  // namespace evbus
