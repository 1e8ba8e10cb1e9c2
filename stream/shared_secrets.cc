#include "stream/shared_secrets.h"

#include <unistd.h>

#include <string>
#include <utility>

namespace evbus {
namespace {

constexpr std::string_view kDir = "/dev/shm/";

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
  EVBUS_ASSIGN_OR_RETURN(StreamSecrets all, ReadStreamSecretsFile(path, env));
  return std::move(all.secrets);
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

Status SharedSecrets::Set(const Redactor::SecretMap& secrets) {
  return Write(/*replaces=*/true, [&](StreamSecrets* s) { s->secrets = secrets; });
}

Status SharedSecrets::Update(const Redactor::SecretMap& secrets) {
  return Write(/*replaces=*/false, [&](StreamSecrets* s) {
    for (const auto& [name, value] : secrets) s->secrets[name] = value;
  });
}

Status SharedSecrets::SetPatterns(const SecretPatterns& patterns) {
  return Write(/*replaces=*/true, [&](StreamSecrets* s) { s->patterns = patterns; });
}

Status SharedSecrets::UpdatePatterns(const SecretPatterns& patterns) {
  return Write(/*replaces=*/false, [&](StreamSecrets* s) { s->patterns.Merge(patterns); });
}

template <typename Change>
Status SharedSecrets::Write(bool replaces, Change change) {
  auto lock = env_->LockFile(path_ + ".lock", LockWait::kWait, kOwnerOnlyFileMode);
  if (!lock.ok()) return WriteFailed(lock.status(), /*in_force=*/false);
  auto on_file = ReadStreamSecretsFile(path_, env_);
  // A damaged file is rewritten by a replacing call (its messages say so);
  // a merge needs what it holds.
  if (!on_file.ok() && !(replaces && on_file.status().IsCorruption())) return on_file.status();
  StreamSecrets next = on_file.ok() ? std::move(*on_file) : StreamSecrets{};
  change(&next);
  Redactor check;  // refuse a set the redactor cannot hold before it is shared
  EVBUS_RETURN_IF_ERROR(check.Set(next.secrets, next.patterns));
  const Status written =
      env_->WriteFileAtomic(path_, StreamSecretsToJson(next), kOwnerOnlyFileMode);
  bool in_force = written.ok();
  if (!written.ok()) {
    // A step after the rename (the directory sync) may have failed: then the
    // file holds the new set. Producers reload whatever it holds (below).
    auto now_on_file = ReadStreamSecretsFile(path_, env_);
    in_force = now_on_file.ok() && *now_on_file == next;
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
    auto on_file = ReadStreamSecretsFile(path_, env_);
    if (!on_file.ok()) return on_file.status();
    auto redactor = std::make_shared<Redactor>();
    if (Status st = redactor->Set(on_file->secrets, on_file->patterns); !st.ok()) return st;
    current_ = std::move(redactor);
    loaded_generation_ = now;
  }
  *generation = loaded_generation_;
  return current_;
}

}  // namespace evbus
