#include "hub/http/sse.h"

#include "hub/common/strings.h"

namespace hub::http {

void AppendSseEvent(std::string& out, const SseEvent& event) {
  if (!event.id.empty()) {
    out += "id: " + event.id + "\n";
  }
  if (!event.event.empty()) {
    out += "event: " + event.event + "\n";
  }
  for (std::string_view line : common::Split(event.data, '\n')) {
    out += "data: ";
    out.append(line);
    out += "\n";
  }
  out += "\n";
}

PollingSseStream::PollingSseStream(Poll poll,
                                   std::chrono::milliseconds interval,
                                   std::chrono::milliseconds heartbeat)
    : poll_(std::move(poll)),
      interval_(interval),
      heartbeat_(heartbeat),
      last_sent_(std::chrono::steady_clock::now()) {}

StreamStep PollingSseStream::Next(std::string& out) {
  if (cancelled_ || finished_) {
    return StreamStep::End();
  }
  // Alternate: poll (and send what it found), then wait an interval before the next poll.
  if (polled_) {
    polled_ = false;
    return StreamStep::Wait(interval_);
  }
  polled_ = true;
  std::vector<SseEvent> events;
  bool more = poll_(events);
  auto now = std::chrono::steady_clock::now();
  for (const SseEvent& event : events) {
    AppendSseEvent(out, event);
  }
  if (first_ && out.empty()) {
    // Sends something at once so the client sees the stream is open.
    out = ": connected\n\n";
  }
  first_ = false;
  if (out.empty() && now - last_sent_ >= heartbeat_) {
    out = ": keep-alive\n\n";
  }
  if (!out.empty()) {
    last_sent_ = now;
  }
  finished_ = !more;
  return StreamStep::Data();
}

Response SseResponse(std::shared_ptr<BodyStream> stream) {
  Response response;
  response.headers.Set("Content-Type", "text/event-stream");
  response.headers.Set("Cache-Control", "no-cache");
  response.headers.Set("X-Accel-Buffering", "no");
  response.stream = std::move(stream);
  return response;
}

}  // namespace hub::http
