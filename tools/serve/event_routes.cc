// The event routes of `evbus serve`, with the query semantics of OpenHands'
// GET /api/conversations/{id}/events: start_id and end_id inclusive, reverse
// keeps start_id the lower bound, limit 1..100 (default 20; 0 gives no
// events and has_more), has_more when more events match past the limit.
#include "tools/serve/event_routes.h"

#include <sstream>

#include "core/event.h"
#include "core/event_filter.h"

namespace evbus::serve {
namespace {

constexpr std::int64_t kDefaultLimit = 20;
constexpr std::int64_t kMaxLimit = 100;

std::vector<std::string> ListParam(const RequestTarget& target, std::string_view name) {
  std::vector<std::string> values;
  for (const std::string& value : target.GetAll(name)) {
    std::stringstream in(value);
    for (std::string item; std::getline(in, item, ',');) {
      if (!item.empty()) values.push_back(item);
    }
  }
  return values;
}

Result<EventFilter> FilterFromTarget(const RequestTarget& target) {
  EventFilterSpec spec;
  spec.include_types = ListParam(target, "include_types");
  spec.exclude_types = ListParam(target, "exclude_types");
  spec.source = target.Get("source").value_or("");
  spec.query = target.Get("query").value_or("");
  spec.start_date = target.Get("start_date").value_or("");
  spec.end_date = target.Get("end_date").value_or("");
  EVBUS_ASSIGN_OR_RETURN(spec.exclude_hidden, BoolParam(target, "exclude_hidden", false));
  return EventFilter::Make(spec);
}

Response StatusReply(const Request& req, const Status& s) {
  switch (s.code()) {
    case Status::Code::kNotFound:
      return ErrorReply(req, http::status::not_found, s.message());
    case Status::Code::kInvalidArgument:
    case Status::Code::kTooLarge:
      return ErrorReply(req, http::status::bad_request, s.message());
    case Status::Code::kBackPressured:
    case Status::Code::kBusy:
    case Status::Code::kUnavailable:
    case Status::Code::kTimedOut:
      return ErrorReply(req, http::status::service_unavailable, s.message());
    default:
      return ErrorReply(req, http::status::internal_server_error, s.message());
  }
}

}  // namespace

Response ErrorFromStatus(const Request& req, const Status& s) { return StatusReply(req, s); }

Response SearchEventsRoute(ServerState* state, const Request& req, const RequestTarget& target,
                           const StreamKey& key) {
  auto start = IntParam(target, "start_id", 0);
  auto end = IntParam(target, "end_id", 0);
  auto reverse = BoolParam(target, "reverse", false);
  auto limit = IntParam(target, "limit", 0);
  auto filter = FilterFromTarget(target);
  for (const Status* s :
       {&start.status(), &end.status(), &reverse.status(), &limit.status(), &filter.status()}) {
    if (!s->ok()) return StatusReply(req, *s);
  }
  const std::int64_t wanted = limit->value_or(kDefaultLimit);
  if (wanted > kMaxLimit) {
    return ErrorReply(req, http::status::bad_request,
                      "limit must be between 0 and 100; page with start_id (or end_id with "
                      "reverse=true) for more");
  }
  auto view = state->registry.View(key);
  if (!view.ok()) return StatusReply(req, view.status());
  persist::SearchQuery query;
  query.start_id = start->value_or(0);
  query.end_id = *end;
  query.reverse = *reverse;
  query.filter = &filter.value();
  query.limit = wanted + 1;  // one more says whether there is more
  auto events = (*view)->SearchEventsJson(query);
  if (!events.ok()) return StatusReply(req, events.status());
  const bool has_more = static_cast<std::int64_t>(events->size()) > wanted;
  std::string json = "{\"events\":[";
  for (std::int64_t i = 0; i < wanted && i < static_cast<std::int64_t>(events->size()); ++i) {
    if (i > 0) json.push_back(',');
    json += (*events)[static_cast<std::size_t>(i)].json;
  }
  json += std::string("],\"has_more\":") + (has_more ? "true" : "false") + "}";
  return JsonReply(req, http::status::ok, std::move(json));
}

Response GetEventRoute(ServerState* state, const Request& req, const StreamKey& key,
                       std::string_view id_text) {
  RequestTarget id_target;
  id_target.query.emplace("id", std::string(id_text));
  auto id = IntParam(id_target, "id", 0);
  if (!id.ok()) return StatusReply(req, id.status());
  auto view = state->registry.View(key);
  if (!view.ok()) return StatusReply(req, view.status());
  auto event = (*view)->GetEventJson(**id);
  if (!event.ok()) return StatusReply(req, event.status());
  return JsonReply(req, http::status::ok, std::move(event->json));
}

Response PostEventRoute(ServerState* state, const Request& req, const StreamKey& key) {
  if (state->options.read_only) {
    return ErrorReply(req, http::status::forbidden,
                      "this server is read-only (evbus serve --read-only); publish with "
                      "evbus publish or a server started without --read-only");
  }
  auto event = ParseEvent(req.body());
  if (!event.ok()) {
    return ErrorReply(req, http::status::bad_request,
                      "the body is not an OpenHands event: " + event.status().message());
  }
  if (event->id != Event::kInvalidId) {
    return ErrorReply(req, http::status::bad_request,
                      "the event already has an id; remove \"id\" to publish it as a new event");
  }
  if (event->source == Source::kNone) {
    return ErrorReply(req, http::status::bad_request,
                      "the event has no \"source\"; add one (agent, user or environment)");
  }
  auto stream = state->registry.Producer(key);
  if (!stream.ok()) return StatusReply(req, stream.status());
  const Source source = event->source;
  auto id = (*stream)->AddEvent(&event.value(), source);
  if (!id.ok()) return StatusReply(req, id.status());
  return JsonReply(req, http::status::created, "{\"id\":" + std::to_string(*id) + "}");
}

}  // namespace evbus::serve
