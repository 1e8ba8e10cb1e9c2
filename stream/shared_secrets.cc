#include "stream/shared_secrets.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace evbus {
namespace {

constexpr std::string_view kDir = "/dev/shm/";

std::string Errno(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

// An flock held for the life of the object.
class FileLock {
 public:
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
  }
  Status Lock(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return Status::IOError(Errno("cannot open the secrets lock", path));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) return Status::IOError(Errno("cannot lock", path));
    }
    return Status::OK();
  }

 private:
  int fd_ = -1;
};

Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(Errno("cannot write", path));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::OK();
}

std::string ToJson(const Redactor::SecretMap& secrets) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  for (const auto& [name, value] : secrets) {
    writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

std::string SharedSecrets::PathFor(std::string_view session_id, std::string_view user_id) {
  std::string path(kDir);
  path += "evbus-secrets.";
  if (!user_id.empty()) {
    path += user_id;
    path += ':';  // not allowed in a name: ("a", "b.c") and ("a.b", "c") stay distinct
  }
  path += session_id;
  return path;
}

Status SharedSecrets::Remove(std::string_view session_id, std::string_view user_id) {
  const std::string path = PathFor(session_id, user_id);
  (void)::unlink((path + ".lock").c_str());
  if (::unlink(path.c_str()) != 0) {
    return Status::NotFound(Errno("no secrets file to remove", path));
  }
  return Status::OK();
}

Result<Redactor::SecretMap> ReadSecretsFile(const std::string& path) {
  Redactor::SecretMap secrets;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return secrets;
  if (fd < 0) return Status::IOError(Errno("cannot open the secrets file", path));
  std::string text;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof(buf))) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status st = Status::IOError(Errno("cannot read", path));
      ::close(fd);
      return st;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::Corruption("secrets file '" + path +
                              "' is not a JSON object of strings; set the secrets again "
                              "(set_secrets) to rewrite it");
  }
  for (const auto& member : doc.GetObject()) {
    if (!member.value.IsString()) {
      return Status::Corruption("secrets file '" + path + "': the value of '" +
                                member.name.GetString() + "' is not a string");
    }
    secrets[std::string(member.name.GetString(), member.name.GetStringLength())] =
        std::string(member.value.GetString(), member.value.GetStringLength());
  }
  return secrets;
}

SharedSecrets::SharedSecrets(shm::Segment* segment, std::string path)
    :  // The header is mapped read-write; secrets_generation is the one field
       // of it that changes after creation.
      generation_word_(
          const_cast<std::atomic<std::uint64_t>*>(&segment->header().secrets_generation)),
      path_(std::move(path)) {}

std::uint64_t SharedSecrets::generation() const noexcept {
  // SYNC POINT READ: secrets.generation -- the file renamed before the bump is visible.
  return generation_word_->load(std::memory_order_acquire);
}

Status SharedSecrets::Set(const Redactor::SecretMap& secrets) { return Write(secrets, false); }
Status SharedSecrets::Update(const Redactor::SecretMap& secrets) { return Write(secrets, true); }

Status SharedSecrets::Write(const Redactor::SecretMap& secrets, bool merge) {
  FileLock lock;
  if (Status st = lock.Lock(path_ + ".lock"); !st.ok()) return st;
  Redactor::SecretMap next;
  if (merge) {
    auto current = ReadSecretsFile(path_);
    if (!current.ok()) return current.status();
    next = std::move(*current);
  }
  for (const auto& [name, value] : secrets) next[name] = value;
  Redactor check;  // refuse a set the redactor cannot hold before it is shared
  if (Status st = check.SetSecrets(next); !st.ok()) return st;
  const std::string tmp = path_ + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::IOError(Errno("cannot create", tmp));
  (void)::fchmod(fd, 0600);  // exact mode, whatever the umask
  Status st = WriteAll(fd, ToJson(next), tmp);
  ::close(fd);
  if (st.ok() && ::rename(tmp.c_str(), path_.c_str()) != 0) {
    st = Status::IOError(Errno("cannot rename the secrets file into", path_));
  }
  if (!st.ok()) {
    (void)::unlink(tmp.c_str());
    return st;
  }
  // SYNC POINT WRITE: secrets.generation -- the renamed file holds the new set.
  generation_word_->fetch_add(1, std::memory_order_release);
  return Status::OK();
}

Result<std::shared_ptr<const Redactor>> SharedSecrets::Current(std::uint64_t* generation) {
  const std::uint64_t now = this->generation();
  std::lock_guard<std::mutex> lock(mu_);
  if (current_ == nullptr || loaded_generation_ != now) {
    auto secrets = ReadSecretsFile(path_);
    if (!secrets.ok()) return secrets.status();
    auto redactor = std::make_shared<Redactor>();
    if (Status st = redactor->SetSecrets(*secrets); !st.ok()) return st;
    current_ = std::move(redactor);
    loaded_generation_ = now;
  }
  *generation = loaded_generation_;
  return current_;
}

}  // namespace evbus
