#include "persist/store_paths.h"

#include <algorithm>

#include "base/file_env.h"
#include "persist/page_codec.h"
#include "persist/page_format.h"

namespace evbus::persist {

Status ValidateStreamName(std::string_view what, std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64 && name != "." && name != "..";
  for (const char c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    ok = ok && allowed;
  }
  if (ok) return Status::OK();
  return Status::InvalidArgument(std::string(what) + " '" + std::string(name) +
                                 "' is not valid: use 1 to 64 characters from [A-Za-z0-9._-]");
}

Result<std::string> ConversationDir(std::string_view root, std::string_view session_id,
                                    std::string_view user_id) {
  if (root.empty()) return Status::InvalidArgument("the store root is empty: give a directory");
  EVBUS_RETURN_IF_ERROR(ValidateStreamName("session id", session_id));
  if (user_id.empty()) return JoinPath(JoinPath(root, "sessions"), session_id);
  EVBUS_RETURN_IF_ERROR(ValidateStreamName("user id", user_id));
  return JoinPath(JoinPath(JoinPath(JoinPath(root, "users"), user_id), "conversations"),
                  session_id);
}

Result<std::string> EvbusDir(std::string_view root, std::string_view session_id,
                             std::string_view user_id) {
  auto dir = ConversationDir(root, session_id, user_id);
  if (!dir.ok()) return dir.status();
  return JoinPath(*dir, kEvbusDirName);
}

std::string PagesDir(std::string_view evbus_dir) { return JoinPath(evbus_dir, kPagesDirName); }
std::string CheckpointPath(std::string_view evbus_dir) {
  return JoinPath(evbus_dir, kCheckpointFileName);
}
std::string LockPath(std::string_view evbus_dir) { return JoinPath(evbus_dir, kLockFileName); }
std::string SparePagePath(std::string_view evbus_dir) {
  return JoinPath(PagesDir(evbus_dir), kSpareFileName);
}

Result<std::vector<PageFile>> ListPages(Env* env, const std::string& pages_dir) {
  auto names = env->ListDir(pages_dir);
  if (!names.ok()) {
    if (names.status().IsNotFound()) return std::vector<PageFile>{};
    return names.status();
  }
  std::vector<PageFile> pages;
  for (const std::string& name : *names) {
    std::uint64_t first_id = 0;
    if (ParsePageFileName(name, &first_id)) pages.push_back({first_id, JoinPath(pages_dir, name)});
  }
  std::sort(pages.begin(), pages.end(),
            [](const PageFile& a, const PageFile& b) { return a.first_id < b.first_id; });
  return pages;
}

}  // namespace evbus::persist
