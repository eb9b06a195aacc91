#pragma once

#include <string>

#include "hub/http/message.h"

namespace hub::http {

// Serves files from a directory (the built web UI, the API docs page).
//
// Caching: names under `assets/` carry a content hash (Vite's output), so they are served
// `immutable` for a year; everything else is revalidated with its ETag (`no-cache`), and
// `If-None-Match` gets 304. Paths that escape the root, hidden files and directories get
// 404. With `spa_fallback`, a path that names no file gets `index.html`, so client-side
// routes survive a reload. Thread-safe; reads the file on every request.
class StaticFiles final {
public:
  StaticFiles(std::string root, bool spa_fallback);

  // `relative_path` is the part of the request path below the mount point.
  Response Serve(const Request& request, std::string_view relative_path) const;

  const std::string& root() const { return root_; }

private:
  std::string root_;
  bool spa_fallback_;
};

// The media type for a file name's extension (application/octet-stream when unknown).
std::string_view ContentTypeFor(std::string_view path);

}  // namespace hub::http
