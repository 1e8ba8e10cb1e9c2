#include "bridge/bridge_status.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "shm/segment.h"

namespace evbus::bridge {
namespace {

std::string StatusDir() {
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/evbus-bridge";
}

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

// The value of "key": in a flat JSON object written by BridgeStatusJson.
std::string Field(const std::string& json, const std::string& key) {
  const std::string tag = "\"" + key + "\":";
  std::size_t at = json.find(tag);
  if (at == std::string::npos) return "";
  at += tag.size();
  if (json[at] != '"') return json.substr(at, json.find_first_of(",}", at) - at);
  std::string out;
  for (std::size_t i = at + 1; i < json.size() && json[i] != '"'; ++i) {
    if (json[i] == '\\' && i + 1 < json.size()) ++i;
    out += json[i];
  }
  return out;
}

std::int64_t Int(const std::string& json, const std::string& key) {
  return std::strtoll(Field(json, key).c_str(), nullptr, 10);
}

}  // namespace

std::string BridgeStatusPath(const std::string& stream, const std::string& user,
                             const std::string& role) {
  return StatusDir() + "/" + shm::SegmentName(stream, user) + "." + role + ".json";
}

std::string BridgeStatusJson(const BridgeStatus& s) {
  std::ostringstream o;
  o << "{\"role\":" << Quoted(s.role) << ",\"stream\":" << Quoted(s.stream)
    << ",\"user\":" << Quoted(s.user) << ",\"server\":" << Quoted(s.server)
    << ",\"subject\":" << Quoted(s.subject) << ",\"state\":" << Quoted(s.state)
    << ",\"pid\":" << s.pid << ",\"acknowledged_id\":" << s.acknowledged_id
    << ",\"head\":" << s.head << ",\"lag\":" << s.lag() << ",\"in_flight\":" << s.in_flight
    << ",\"window\":" << s.window << ",\"reconnects\":" << s.reconnects
    << ",\"forwarded\":" << s.forwarded << ",\"lost\":" << s.lost << "}";
  return o.str();
}

Status WriteBridgeStatus(const BridgeStatus& status) {
  const std::string dir = StatusDir();
  ::mkdir(dir.c_str(), 0700);
  const std::string path = BridgeStatusPath(status.stream, status.user, status.role);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot write bridge status " + tmp);
  const std::string text = BridgeStatusJson(status) + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError("cannot write bridge status " + path + ": check " + dir);
  }
  return Status::OK();
}

Result<BridgeStatus> ReadBridgeStatus(const std::string& path) {
  std::ifstream in(path);
  std::string json;
  if (!in || !std::getline(in, json)) return Status::NotFound("no bridge status at " + path);
  BridgeStatus s;
  s.role = Field(json, "role");
  s.stream = Field(json, "stream");
  s.user = Field(json, "user");
  s.server = Field(json, "server");
  s.subject = Field(json, "subject");
  s.state = Field(json, "state");
  s.pid = static_cast<pid_t>(Int(json, "pid"));
  s.acknowledged_id = Int(json, "acknowledged_id");
  s.head = static_cast<std::uint64_t>(Int(json, "head"));
  s.in_flight = static_cast<std::uint64_t>(Int(json, "in_flight"));
  s.window = static_cast<std::uint64_t>(Int(json, "window"));
  s.reconnects = static_cast<std::uint64_t>(Int(json, "reconnects"));
  s.forwarded = static_cast<std::uint64_t>(Int(json, "forwarded"));
  s.lost = static_cast<std::uint64_t>(Int(json, "lost"));
  return s;
}

std::vector<BridgeStatus> ReadBridgeStatuses(const std::string& stream, const std::string& user) {
  std::vector<BridgeStatus> out;
  for (const char* role : {"out", "in"}) {
    auto s = ReadBridgeStatus(BridgeStatusPath(stream, user, role));
    if (!s.ok()) continue;
    // A bridge killed without a last word still says "running" in its file.
    if (s->state != "stopped" && s->pid > 0 && ::kill(s->pid, 0) != 0 && errno == ESRCH) {
      s->state = "not running (last: " + s->state + ")";
    }
    out.push_back(*s);
  }
  return out;
}

}  // namespace evbus::bridge
