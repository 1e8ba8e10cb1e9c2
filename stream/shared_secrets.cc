#include "stream/shared_secrets.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <string>
#include <utility>

namespace evbus {
namespace {

constexpr std::string_view kDir = "/dev/shm/";

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
  Env* env = Env::Default();
  const std::string path = PathFor(session_id, user_id);
  (void)env->RemoveFile(path + ".tmp");  // left by a writer that died, if any
  const Status lock_removed = env->RemoveFile(path + ".lock");
  const Status removed = env->RemoveFile(path);
  if (removed.IsNotFound())
    return Status::NotFound("no secrets file to remove: " + removed.message());
  if (!removed.ok()) return removed;
  return lock_removed.IsNotFound() ? Status::OK() : lock_removed;
}

Result<Redactor::SecretMap> ReadSecretsFile(const std::string& path, Env* env) {
  Redactor::SecretMap secrets;
  std::string text;
  const Status read = (env != nullptr ? env : Env::Default())->ReadFile(path, &text);
  if (read.IsNotFound()) return secrets;
  if (!read.ok()) return AddContext(read, "cannot read the secrets file: ", "");
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

SharedSecrets::SharedSecrets(shm::Segment* segment, std::string path, Env* env)
    :  // The header is mapped read-write; secrets_generation is the one field
       // of it that changes after creation.
      generation_word_(
          const_cast<std::atomic<std::uint64_t>*>(&segment->header().secrets_generation)),
      path_(std::move(path)),
      env_(env != nullptr ? env : Env::Default()) {}

std::uint64_t SharedSecrets::generation() const noexcept {
  // SYNC POINT READ: secrets.generation -- the file renamed before the bump is visible.
  return generation_word_->load(std::memory_order_acquire);
}

Status SharedSecrets::Set(const Redactor::SecretMap& secrets) { return Write(secrets, false); }
Status SharedSecrets::Update(const Redactor::SecretMap& secrets) { return Write(secrets, true); }

Status SharedSecrets::Write(const Redactor::SecretMap& secrets, bool merge) {
  auto lock = env_->LockFile(path_ + ".lock", LockWait::kWait, kOwnerOnlyFileMode);
  if (!lock.ok()) return WriteFailed(lock.status(), /*in_force=*/false);
  Redactor::SecretMap next;
  if (merge) {
    auto current = ReadSecretsFile(path_, env_);
    if (!current.ok()) return current.status();
    next = std::move(*current);
  }
  for (const auto& [name, value] : secrets) next[name] = value;
  Redactor check;  // refuse a set the redactor cannot hold before it is shared
  EVBUS_RETURN_IF_ERROR(check.SetSecrets(next));
  const Status written = env_->WriteFileAtomic(path_, ToJson(next), kOwnerOnlyFileMode);
  bool in_force = written.ok();
  if (!written.ok()) {
    // A step after the rename (the directory sync) may have failed: then the
    // file holds the new set. Producers reload whatever it holds (below).
    auto on_file = ReadSecretsFile(path_, env_);
    in_force = on_file.ok() && *on_file == next;
  }
  // SYNC POINT WRITE: secrets.generation -- the renamed file holds the new set
  // (or, after a failure, still the old one: a reload is harmless).
  generation_word_->fetch_add(1, std::memory_order_release);
  const Status unlocked = (*lock)->Unlock();
  if (!written.ok()) return WriteFailed(written, in_force);
  if (!unlocked.ok()) return WriteFailed(unlocked, /*in_force=*/true);
  return Status::OK();
}

Status SharedSecrets::WriteFailed(const Status& cause, bool in_force) const {
  return AddContext(cause, "cannot write the secrets file '" + path_ + "': ",
                    in_force ? "; the new secrets are in force all the same"
                             : "; the secrets are unchanged (the set in force stays): fix the "
                               "cause and set them again");
}

Result<std::shared_ptr<const Redactor>> SharedSecrets::Current(std::uint64_t* generation) {
  const std::uint64_t now = this->generation();
  std::lock_guard<std::mutex> lock(mu_);
  if (current_ == nullptr || loaded_generation_ != now) {
    auto secrets = ReadSecretsFile(path_, env_);
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
