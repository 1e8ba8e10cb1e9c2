#include "tools/evbus/store_args.h"

#include <string>

namespace evbus::cli {

Result<std::unique_ptr<persist::Store>> OpenStoreFromArgs(const Args& args,
                                                          const StreamTarget& target) {
  auto root = args.Get("--root");
  if (!root || root->empty()) {
    return Status::InvalidArgument("--root DIR is required: the directory the persister writes");
  }
  auto store = persist::Store::Open(*root, target.stream, target.user);
  if (store.status().IsNotFound()) {
    std::string persist = "evbus persist " + target.stream + " --root " + *root +
                          (target.user.empty() ? "" : " --user " + target.user);
    return Status::NotFound("stream \"" + target.stream + "\"" + target.user_note() +
                            " has no persisted store under " + *root +
                            "; start persisting it with: " + persist);
  }
  return store;
}

}  // namespace evbus::cli
