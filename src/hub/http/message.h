#pragma once

// The HTTP request and response types every handler sees. They hide the server library
// (Boost.Beast, used only in server.cc), so handlers and tests never include it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nlohmann/json_fwd.hpp"

namespace hub::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view MethodName(Method method);
Method ParseMethod(std::string_view name);

// Header fields in arrival order; names compare case-insensitively.
class Headers {
public:
  // Returns the first value of `name`, or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const;
  // Replaces every value of `name` with `value`.
  void Set(std::string_view name, std::string value);
  void Add(std::string name, std::string value);

  bool Has(std::string_view name) const { return Get(name).has_value(); }

  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// One incoming request. Handlers receive it by reference and may read anything; the server
// owns it for the duration of the call.
struct Request {
  Method method = Method::kGet;
  std::string target;                                      // as sent: path and query
  std::string path;                                        // percent-decoded path without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  Headers headers;
  // The body when the route buffers it (the default).
  std::string body;
  // For routes that spool their body to disk (`RouteOptions::spool_body`): path of a
  // temporary file holding it, removed by the server after the handler returns.
  std::string body_file;
  std::uint64_t body_size = 0;

  // Filled by the router.
  std::string route;  // the matched pattern, e.g. "/api/models/{id}"
  std::vector<std::pair<std::string, std::string>> path_params;

  // Filled by the server.
  std::string request_id;
  std::string client_address;

  // Extra key fields for this request's access-log line (e.g. "user_id").
  std::vector<std::pair<std::string, std::string>> log_fields;

  // Returns the first value of query parameter `name`.
  std::optional<std::string_view> Query(std::string_view name) const;
  // Returns every value of a repeated query parameter (`?model_ids=a&model_ids=b`).
  std::vector<std::string> QueryAll(std::string_view name) const;
  // Returns the value of path parameter `name`; empty if the route has none of that name.
  std::string_view Param(std::string_view name) const;

  std::optional<std::string_view> Header(std::string_view name) const { return headers.Get(name); }
};

// What a streaming body source asks the server to do next.
struct StreamStep {
  enum class Kind {
    kData,  // the chunk written to `out` is sent; `Next` is called again afterwards
    kWait,  // nothing to send now; call `Next` again after `wait`
    kEnd,   // the body is complete
  };
  Kind kind = Kind::kEnd;
  std::chrono::milliseconds wait{0};

  static StreamStep Data() { return {Kind::kData, {}}; }

  static StreamStep Wait(std::chrono::milliseconds d) { return {Kind::kWait, d}; }

  static StreamStep End() { return {Kind::kEnd, {}}; }
};

// A response body produced piece by piece (large downloads, Server-Sent Events). The server
// calls `Next` on a worker thread, one call at a time, never holding a thread while the body
// waits: a `kWait` step parks the stream on a timer. `Cancel` is called once, from any
// thread, when the client goes away or the server shuts down; `Next` is not called after it.
class BodyStream {
public:
  virtual ~BodyStream() = default;
  virtual StreamStep Next(std::string& out) = 0;

  virtual void Cancel() {}
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When not empty, `body` is ignored and the body is these pieces in order, sent with one
  // `Content-Length` and without being copied into one string (large answers whose parts
  // were produced on different threads).
  std::vector<std::string> body_pieces;
  // When set, `body` and `body_pieces` are ignored and the body is sent with chunked transfer
  // encoding.
  std::shared_ptr<BodyStream> stream;

  // A JSON response from already serialized text.
  static Response JsonText(int status, std::string json);
  // A JSON response whose text is `pieces` concatenated (see `body_pieces`).
  static Response JsonPieces(int status, std::vector<std::string> pieces);
  static Response Json(int status, const nlohmann::json& value);
  // The upstream error shape: `{"detail": "<detail>"}`.
  static Response Error(int status, std::string_view detail);
  static Response Text(int status, std::string text, std::string content_type = "text/plain");
  static Response NoContent();
};

}  // namespace hub::http
