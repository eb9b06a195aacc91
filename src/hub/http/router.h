#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hub/http/message.h"

namespace hub::http {

using Handler = std::function<Response(Request&)>;

// Per-route behaviour the server applies before the handler runs.
struct RouteOptions {
  // Largest accepted body; larger ones get 413 before the body is read. 0 = server default.
  std::uint64_t max_body_bytes = 0;
  // Write the body to a temporary file (`Request::body_file`) instead of memory, for uploads.
  bool spool_body = false;
  // When non-empty, a request with a body must declare one of these media types (the part of
  // Content-Type before any ';', compared case-insensitively), or it gets 415.
  std::vector<std::string> content_types;
  // Run the handler on the I/O thread. Only for cheap handlers that never block.
  bool inline_handler = false;
  // Leave the request out of the access log (health probes).
  bool quiet = false;
  // The path carries a secret (an anonymous key): the access log shows the route pattern.
  bool secret_path = false;
};

// Options for a route whose body, when present, must be JSON.
RouteOptions JsonBody(std::uint64_t max_body_bytes = 0);

struct Route {
  Method method;
  std::string pattern;
  RouteOptions options;
  Handler handler;
};

// Maps (method, path) to a route. Patterns are literal segments and `{name}` parameters,
// optionally ending in `{name*}`, which takes the rest of the path. A literal segment wins
// over a parameter at the same position. A GET route also answers HEAD.
//
// Not thread-safe while routes are added; `Match` is safe from many threads afterwards.
class Router final {
public:
  struct Match {
    const Route* route = nullptr;
    std::vector<std::pair<std::string, std::string>> params;
    // 0 when `route` is set; otherwise 404 (no pattern matches the path) or 405 (the path
    // matches, the method does not; `allowed` lists the methods that would).
    int status = 404;
    std::vector<Method> allowed;
  };

  // Adds a route. REQUIRES: `pattern` starts with '/' and no route has the same method and
  // an equivalent pattern.
  void Add(Method method, std::string pattern, Handler handler, RouteOptions options = {});

  // Called for GET/HEAD paths that match nothing (e.g. the web UI's client-side routes).
  void SetFallback(Handler handler, RouteOptions options = {});

  // Finds the route for `raw_path`, the path as sent (percent-encoded); segments are decoded
  // after splitting, so "a%2Fb" is one segment "a/b".
  Match Find(Method method, std::string_view raw_path) const;

  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

private:
  struct Compiled {
    std::vector<std::string> segments;  // "{name}" marks a parameter
    bool rest = false;                  // last segment is "{name*}"
    int literals = 0;
    const Route* route = nullptr;
  };

  static bool MatchSegments(const Compiled& c,
                            const std::vector<std::string>& parts,
                            std::vector<std::pair<std::string, std::string>>& params);

  std::vector<std::unique_ptr<Route>> routes_;
  std::vector<Compiled> compiled_;
  std::unique_ptr<Route> fallback_;
};

}  // namespace hub::http
