// CallGate: how EventStream::Close waits for the calls already inside the
// stream before it tears down what they use, while any number of threads
// enter and leave without a lock.
//
// A call takes a Pass (one atomic increment of the in-flight count, then a
// check that closing has not begun) and gives it back when it returns (one
// decrement). Close sets `closing` and waits until the count is zero: from
// then on no call is inside, and every new Pass is refused, so Close may
// reset any member. A Pass costs two uncontended atomic read-modify-writes.
//
// Thread safety: Pass, closing: any thread. CloseAndWait: one thread at a
// time (EventStream::Close holds its close mutex), never from inside a Pass.
// Invariants:
//   1. Once CloseAndWait has returned, no Pass is held and none is granted.
//   2. Whatever a holder did before giving its Pass back happens before
//      CloseAndWait returns.
#ifndef EVBUS_STREAM_CALL_GATE_H_
#define EVBUS_STREAM_CALL_GATE_H_

#include <atomic>
#include <cstdint>

namespace evbus {

class CallGate {
 public:
  CallGate() = default;
  CallGate(const CallGate&) = delete;
  CallGate& operator=(const CallGate&) = delete;

  // A call's right to use the stream's members, while it lives. Converts to
  // false when closing has begun: the call must then touch nothing.
  class [[nodiscard]] Pass {
   public:
    explicit Pass(CallGate* gate) noexcept : gate_(gate->Enter() ? gate : nullptr) {}
    ~Pass() {
      if (gate_ != nullptr) gate_->Leave();
    }
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;
    explicit operator bool() const noexcept { return gate_ != nullptr; }

   private:
    CallGate* const gate_;
  };

  // Whether closing has begun (a hint: only a Pass guarantees anything).
  bool closing() const noexcept { return closing_.load(std::memory_order_acquire); }

  // Refuses every later Pass and waits until every Pass held is given back.
  void CloseAndWait() noexcept {
    // The four seq_cst accesses (this store and the load below; Enter's
    // increment and its load of closing_) are a Dekker pair: in their single
    // total order either Enter's increment comes first, and this load sees
    // it, or the store does, and Enter sees closing_. Acquire/release alone
    // would let both miss each other.
    // SYNC POINT WRITE: gate.closing -- a later Enter is refused.
    closing_.store(true, std::memory_order_seq_cst);
    // SYNC POINT READ: gate.leave -- reading 0 means every holder's work is visible.
    std::int64_t inside = in_flight_.load(std::memory_order_seq_cst);
    while (inside != 0) {
      in_flight_.wait(inside, std::memory_order_seq_cst);  // woken by the last Leave
      inside = in_flight_.load(std::memory_order_seq_cst);
    }
  }

 private:
  bool Enter() noexcept {
    // SYNC POINT WRITE: gate.enter -- seen by CloseAndWait's load (Dekker, above).
    in_flight_.fetch_add(1, std::memory_order_seq_cst);
    // SYNC POINT READ: gate.closing
    if (!closing_.load(std::memory_order_seq_cst)) return true;
    Leave();
    return false;
  }
  void Leave() noexcept {
    // SYNC POINT WRITE: gate.leave -- the holder's work happens before a
    // CloseAndWait that reads the count this makes. seq_cst with the load of
    // closing_ after it: either that load sees closing_ (and this call wakes
    // the closer) or the closer's load of the count sees this decrement.
    if (in_flight_.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
        closing_.load(std::memory_order_seq_cst)) {
      in_flight_.notify_all();
    }
  }

  alignas(64) std::atomic<std::int64_t> in_flight_{0};
  std::atomic<bool> closing_{false};
};

}  // namespace evbus

#endif  // EVBUS_STREAM_CALL_GATE_H_
