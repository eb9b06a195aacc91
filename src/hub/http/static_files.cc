#include "hub/http/static_files.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "fmt/format.h"

#include "hub/common/strings.h"

namespace hub::http {
namespace {

bool SafeRelativePath(std::string_view path) {
  for (std::string_view part : common::Split(path, '/')) {
    if (part == ".." || (!part.empty() && part.front() == '.')) {
      return false;
    }
  }
  return path.find('\0') == std::string_view::npos;
}

struct FileInfo {
  bool regular = false;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};

FileInfo Stat(const std::string& path) {
  struct stat st {};

  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return {};
  }
  return {true, static_cast<std::uint64_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

}  // namespace

std::string_view ContentTypeFor(std::string_view path) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".csv", "text/csv; charset=utf-8"},
      {".yaml", "application/yaml"},
  };
  for (const auto& [extension, type] : kTypes) {
    if (path.size() >= extension.size() &&
        path.substr(path.size() - extension.size()) == extension) {
      return type;
    }
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(std::string root, bool spa_fallback)
    : root_(std::move(root)), spa_fallback_(spa_fallback) {}

Response StaticFiles::Serve(const Request& request, std::string_view relative_path) const {
  std::string relative(relative_path);
  if (relative.empty() || relative.back() == '/') {
    relative += "index.html";
  }
  if (!SafeRelativePath(relative)) {
    return Response::Error(404, "not found");
  }
  std::string path = root_ + "/" + relative;
  FileInfo info = Stat(path);
  bool fallback = false;
  if (!info.regular && spa_fallback_ && relative.find('.') == std::string::npos) {
    path = root_ + "/index.html";
    info = Stat(path);
    fallback = true;
  }
  if (!info.regular) {
    return Response::Error(404, fmt::format("no file {}", relative));
  }

  std::string etag = fmt::format("\"{:x}-{:x}\"", info.size, info.mtime_ns);
  Response response;
  bool hashed = !fallback && relative.rfind("assets/", 0) == 0;
  response.headers.Set("Cache-Control",
                       hashed ? "public, max-age=31536000, immutable" : "no-cache");
  response.headers.Set("ETag", etag);
  response.headers.Set("X-Content-Type-Options", "nosniff");
  if (request.Header("If-None-Match") == std::optional<std::string_view>(etag)) {
    response.status = 304;
    return response;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  response.headers.Set("Content-Type", std::string(ContentTypeFor(path)));
  response.body = body.str();
  return response;
}

}  // namespace hub::http
