// Uses an installed evbus as a program outside the tree would: opens a
// stream under a store root, adds one event, reads it back by id, closes.
// Built by tests/install/install_test.py with find_package(evbus) and with
// pkg-config. Usage: evbus_consumer <store root> <session id>
#include <cstdio>
#include <string>

#include "stream/event_stream.h"

namespace {

int Fail(const char* step, const evbus::Status& status) {
  std::fprintf(stderr, "evbus_consumer: %s: %s\n", step, status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: evbus_consumer <store root> <session id>\n");
    return 2;
  }
  evbus::EventStreamOptions options;
  options.store_root = argv[1];
  options.capacity = 1u << 22;  // a small ring: four times max_event_size
  options.index_slots = 1u << 10;
  auto stream = evbus::EventStream::Open(argv[2], options);
  if (!stream.ok()) return Fail("open", stream.status());

  const std::string text = "hello from outside the tree";
  auto event = evbus::ParseEvent(R"({"action":"message","args":{"content":")" + text +
                                 R"(","wait_for_response":false},"message":")" + text + R"("})");
  if (!event.ok()) return Fail("parse", event.status());
  auto id = (*stream)->AddEvent(&*event, evbus::Source::kUser);
  if (!id.ok()) return Fail("add", id.status());

  auto back = (*stream)->GetEvent(*id);
  if (!back.ok()) return Fail("get", back.status());
  if (back->message != text || back->source != evbus::Source::kUser || back->id != *id) {
    std::fprintf(stderr, "evbus_consumer: event %lld came back as '%s' from '%s'\n",
                 static_cast<long long>(*id), back->message.c_str(),
                 std::string(evbus::SourceName(back->source)).c_str());
    return 1;
  }
  if (evbus::Status s = (*stream)->Close(); !s.ok()) return Fail("close", s);
  std::printf("evbus_consumer: event %lld read back: %s\n", static_cast<long long>(*id),
              back->message.c_str());
  return 0;
}
