// PublishWindow without a server: acknowledgements matched by the message's
// address (the messages here carry no header at all), the acknowledged
// prefix with acknowledgements out of order, a failed message acknowledged
// through its resent copy, overdue detection, and the window bounded in span.
#include "bridge/publish_window.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>

namespace evbus::bridge {
namespace {

natsMsg* NewMessage() {
  natsMsg* m = nullptr;
  EXPECT_EQ(natsMsg_Create(&m, "t.x", nullptr, "body", 4), NATS_OK);
  return m;
}

void Ack(PublishWindow* w, natsMsg* m) {
  jsPubAck pa{};
  PublishWindow::OnAck(nullptr, m, &pa, nullptr, w);  // destroys m
}

void Fail(PublishWindow* w, natsMsg* m, const char* why) {
  jsPubAckErr pae{};
  pae.Err = NATS_TIMEOUT;
  pae.ErrText = why;
  PublishWindow::OnAck(nullptr, m, nullptr, &pae, w);  // keeps m for TakeFailed
}

class PublishWindowTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_EQ(nats_Open(-1), NATS_OK); }
};

TEST_F(PublishWindowTest, AcknowledgementsAreMatchedByTheMessageNotByAHeader) {
  PublishWindow w(8);
  natsMsg* a = NewMessage();
  natsMsg* b = NewMessage();
  natsMsg* c = NewMessage();
  w.Add(5, a, 0);
  w.Add(6, b, 0);
  w.Add(9, c, 0);  // ids may skip (catch-up publishes only what the server lacks)
  EXPECT_EQ(w.AckedThrough(), 4);
  Ack(&w, b);  // out of order: 5 is still unacknowledged
  EXPECT_EQ(w.AckedThrough(), 4);
  EXPECT_EQ(w.in_flight(), 2u);
  Ack(&w, a);
  EXPECT_EQ(w.AckedThrough(), 8);  // every added id up to 8 is acknowledged
  Ack(&w, c);
  EXPECT_EQ(w.AckedThrough(), 9);
  EXPECT_EQ(w.in_flight(), 0u);
  EXPECT_EQ(w.acked(), 3u);
  EXPECT_EQ(w.failures(), 0u);
}

TEST_F(PublishWindowTest, FailedMessageIsAcknowledgedThroughItsResentCopy) {
  PublishWindow w(8);
  natsMsg* a = NewMessage();
  natsMsg* b = NewMessage();
  w.Add(0, a, 0);
  w.Add(1, b, 0);
  Fail(&w, a, "stream not found");
  EXPECT_EQ(w.failures(), 1u);
  EXPECT_EQ(w.last_error(), "stream not found");
  Ack(&w, b);
  EXPECT_EQ(w.AckedThrough(), -1);  // 0 failed: nothing is acknowledged yet
  std::vector<natsMsg*> failed = w.TakeFailed();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0], a);
  EXPECT_TRUE(w.TakeFailed().empty());
  natsMsg* copy = NewMessage();
  w.Rebind(a, copy, 0);
  natsMsg_Destroy(a);
  Ack(&w, copy);
  EXPECT_EQ(w.AckedThrough(), 1);
  EXPECT_EQ(w.in_flight(), 0u);
}

TEST_F(PublishWindowTest, AnAcknowledgementOfAnUnknownMessageChangesNothing) {
  PublishWindow w(4);
  natsMsg* a = NewMessage();
  w.Add(3, a, 0);
  Ack(&w, NewMessage());
  EXPECT_EQ(w.AckedThrough(), 2);
  EXPECT_EQ(w.in_flight(), 1u);
  Ack(&w, a);
  EXPECT_EQ(w.AckedThrough(), 3);
}

TEST_F(PublishWindowTest, OverdueCountsOnlyMessagesInFlight) {
  PublishWindow w(8);
  natsMsg* a = NewMessage();
  natsMsg* b = NewMessage();
  w.Add(0, a, 100);
  w.Add(1, b, 200);
  EXPECT_FALSE(w.OverdueBefore(100));
  EXPECT_TRUE(w.OverdueBefore(101));
  Ack(&w, a);
  EXPECT_FALSE(w.OverdueBefore(200));
  EXPECT_TRUE(w.OverdueBefore(201));
  w.Failed(b, "no acknowledgement within 5 ms");  // waits for its resend: not overdue
  EXPECT_FALSE(w.OverdueBefore(1000));
  ASSERT_EQ(w.TakeFailed().size(), 1u);
  natsMsg* copy = NewMessage();
  w.Rebind(b, copy, 900);  // resent at 900
  natsMsg_Destroy(b);
  EXPECT_FALSE(w.OverdueBefore(900));
  EXPECT_TRUE(w.OverdueBefore(901));
  w.Rebind(copy, nullptr, 0);  // not sent after all: no acknowledgement to wait for
  natsMsg_Destroy(copy);
  EXPECT_FALSE(w.OverdueBefore(1'000'000));
  EXPECT_EQ(w.in_flight(), 1u);
}

TEST_F(PublishWindowTest, WindowIsBoundedAndAWaiterGoesOnAtTheLowWaterMark) {
  PublishWindow w(4);  // low-water mark 3
  natsMsg* m[4];
  for (int i = 0; i < 4; ++i) {
    m[i] = NewMessage();
    w.Add(static_cast<std::uint64_t>(i), m[i], 0);
  }
  EXPECT_FALSE(w.WaitForRoom(1));  // full: no room within 1 ms
  auto waiter = std::async(std::launch::async, [&w] { return w.WaitForRoom(20'000); });
  Ack(&w, m[0]);
  ASSERT_EQ(waiter.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_TRUE(waiter.get());
  EXPECT_TRUE(w.WaitForRoom(0));  // 3 in flight: room at once
  for (int i = 1; i < 4; ++i) Ack(&w, m[i]);
  EXPECT_TRUE(w.WaitDrained(0));
}

TEST_F(PublishWindowTest, OneUnacknowledgedMessageHoldsTheWindowWhateverComesAfterIt) {
  PublishWindow w(4);
  natsMsg* m[4];
  for (int i = 0; i < 4; ++i) {
    m[i] = NewMessage();
    w.Add(static_cast<std::uint64_t>(10 + i), m[i], 0);
  }
  for (int i = 1; i < 4; ++i) Ack(&w, m[i]);
  EXPECT_EQ(w.in_flight(), 1u);
  // One in flight, but id 14 would lie a whole window past unacknowledged 10:
  // a kill then could leave a hole below the last window, where the resume
  // scan does not look.
  EXPECT_FALSE(w.WaitForRoom(1));
  auto waiter = std::async(std::launch::async, [&w] { return w.WaitForRoom(20'000); });
  Ack(&w, m[0]);
  ASSERT_EQ(waiter.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_TRUE(waiter.get());
  EXPECT_EQ(w.AckedThrough(), 13);
}

TEST_F(PublishWindowTest, AFailedPublishWakesAWaiterOfAFullWindow) {
  PublishWindow w(1);
  natsMsg* a = NewMessage();
  w.Add(0, a, 0);
  auto waiter = std::async(std::launch::async, [&w] { return w.WaitForRoom(20'000); });
  Fail(&w, a, "timeout");
  ASSERT_EQ(waiter.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_FALSE(waiter.get());  // still full, but there is a resend to do
  std::vector<natsMsg*> failed = w.TakeFailed();
  ASSERT_EQ(failed.size(), 1u);
  natsMsg_Destroy(failed[0]);
}

}  // namespace
}  // namespace evbus::bridge
