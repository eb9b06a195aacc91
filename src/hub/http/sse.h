#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hub/http/message.h"

namespace hub::http {

// One Server-Sent Event.
struct SseEvent {
  std::string event;  // empty: the default "message" type
  std::string data;   // may contain newlines; each line becomes a `data:` field
  std::string id;
};

// Appends `event` in the text/event-stream wire format.
void AppendSseEvent(std::string& out, const SseEvent& event);

// A Server-Sent Events body fed by polling. `poll` is called every `interval` (first at once)
// and appends the events that are new since its last call; returning false ends the stream
// after those events are sent. A comment line goes out when nothing was sent for
// `heartbeat`, so proxies keep the connection and a vanished client is noticed.
// No thread waits between polls (see `BodyStream`).
class PollingSseStream final : public BodyStream {
public:
  using Poll = std::function<bool(std::vector<SseEvent>& events)>;

  PollingSseStream(Poll poll,
                   std::chrono::milliseconds interval,
                   std::chrono::milliseconds heartbeat = std::chrono::seconds(15));

  StreamStep Next(std::string& out) override;

  void Cancel() override { cancelled_ = true; }

private:
  Poll poll_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds heartbeat_;
  std::chrono::steady_clock::time_point last_sent_;
  bool first_ = true;
  bool finished_ = false;
  bool polled_ = false;
  std::atomic<bool> cancelled_{false};
};

// A 200 response carrying `stream` as `text/event-stream`.
Response SseResponse(std::shared_ptr<BodyStream> stream);

}  // namespace hub::http
