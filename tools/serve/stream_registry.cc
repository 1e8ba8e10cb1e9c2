#include "tools/serve/stream_registry.h"

#include <sys/stat.h>

#include "shm/segment.h"

namespace evbus::serve {
namespace {

bool Unlinked(const shm::Segment& segment) {
  struct stat st {};
  return ::fstat(segment.fd(), &st) != 0 || st.st_nlink == 0;
}

Status NoSuchStream(const StreamKey& key) {
  std::string who = key.user.empty() ? "" : " of user \"" + key.user + "\"";
  return Status::NotFound("stream \"" + key.stream + "\"" + who +
                          " does not exist on this host or in the store; GET /streams lists "
                          "the streams there are (create one with: evbus create " +
                          key.stream + ")");
}

}  // namespace

StreamRegistry::~StreamRegistry() {
  hubs_.clear();  // their threads read the views
  for (auto& [key, producer] : producers_) (void)producer.stream->Close();
}

Result<std::shared_ptr<persist::UnifiedView>> StreamRegistry::View(const StreamKey& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = views_.find(key);
  // A view opened before the stream had a segment, or over a segment since
  // destroyed (evbus destroy; perhaps created again), is opened again.
  if (it != views_.end() && it->second->segment() != nullptr && !Unlinked(*it->second->segment())) {
    return it->second;
  }
  persist::UnifiedViewOptions view_options;
  view_options.store_root = options_.root;
  view_options.session_id = key.stream;
  view_options.user_id = key.user;
  auto view = persist::UnifiedView::Open(view_options);
  if (view.status().IsNotFound()) return NoSuchStream(key);
  if (!view.ok()) return view.status();
  std::shared_ptr<persist::UnifiedView> shared = std::move(*view);
  views_[key] = shared;
  return shared;
}

Result<std::shared_ptr<LiveHub>> StreamRegistry::Hub(const StreamKey& key) {
  EVBUS_ASSIGN_OR_RETURN(std::shared_ptr<persist::UnifiedView> view, View(key));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = hubs_.find(key);
  if (it != hubs_.end() && it->second->view() == view.get()) return it->second;
  auto hub = std::make_shared<LiveHub>(view);
  hubs_[key] = hub;
  return hub;
}

Result<std::shared_ptr<EventStream>> StreamRegistry::Producer(const StreamKey& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = producers_.find(key);
  if (it != producers_.end() && !Unlinked(*it->second.segment)) return it->second.stream;
  if (it != producers_.end()) {  // destroyed since: its events would go nowhere
    (void)it->second.stream->Close();
    producers_.erase(it);
  }
  auto probe = shm::Segment::OpenReadOnly(key.stream, key.user);
  if (probe.status().IsNotFound()) return NoSuchStream(key);
  if (!probe.ok()) return probe.status();
  EventStreamOptions stream_options;
  stream_options.user_id = key.user;
  stream_options.store_root = options_.root;
  stream_options.create_if_missing = false;
  auto stream = EventStream::Open(key.stream, stream_options);
  if (!stream.ok()) return stream.status();
  std::shared_ptr<EventStream> shared = std::move(*stream);
  producers_[key] = ProducerEntry{shared, std::move(*probe)};
  return shared;
}

}  // namespace evbus::serve
