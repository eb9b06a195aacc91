#include "hub/http/multipart.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>

#include "fmt/format.h"

#include "hub/common/strings.h"

namespace hub::http {
namespace {

constexpr size_t kMaxInlineValue = size_t{64} * 1024;

// A read-only mapping of a whole file.
class MappedFile final {
public:
  explicit MappedFile(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return;
    }

    struct stat st {};

    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
      size_ = static_cast<size_t>(st.st_size);
      void* data = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      data_ = data == MAP_FAILED ? nullptr : static_cast<const char*>(data);
    }
    ::close(fd);
  }

  ~MappedFile() {
    if (data_ != nullptr) {
      ::munmap(const_cast<char*>(data_), size_);
    }
  }

  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view view() const {
    return data_ == nullptr ? std::string_view() : std::string_view(data_, size_);
  }

private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// The value of `parameter` in a header such as `form-data; name="file"; filename="a.csv"`.
std::string HeaderParameter(std::string_view header, std::string_view parameter) {
  for (std::string_view part : common::Split(header, ';')) {
    part = common::Trim(part);
    size_t equals = part.find('=');
    if (equals == std::string_view::npos ||
        common::ToLower(common::Trim(part.substr(0, equals))) != parameter) {
      continue;
    }
    std::string_view value = common::Trim(part.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return {};
}

absl::Status ParseHeaders(std::string_view headers, MultipartPart& part) {
  bool disposition = false;
  for (std::string_view line : common::Split(headers, '\n')) {
    line = common::Trim(line);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    std::string name = common::ToLower(common::Trim(line.substr(0, colon)));
    std::string_view value = common::Trim(line.substr(colon + 1));
    if (name == "content-disposition") {
      disposition = true;
      part.name = HeaderParameter(value, "name");
      part.filename = HeaderParameter(value, "filename");
    } else if (name == "content-type") {
      part.content_type = common::ToLower(common::Trim(value.substr(0, value.find(';'))));
    }
  }
  if (!disposition) {
    return absl::InvalidArgumentError("a multipart part has no Content-Disposition header");
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<std::string> MultipartBoundary(std::string_view content_type) {
  std::string media = common::ToLower(common::Trim(content_type.substr(0, content_type.find(';'))));
  if (media != "multipart/form-data") {
    return std::nullopt;
  }
  std::string boundary = HeaderParameter(content_type, "boundary");
  if (boundary.empty() || boundary.size() > 200) {
    return std::nullopt;
  }
  return boundary;
}

absl::StatusOr<std::vector<MultipartPart>> ParseMultipartFile(const std::string& path,
                                                              std::string_view boundary) {
  MappedFile file(path);
  std::string_view body = file.view();
  std::string delimiter = fmt::format("--{}", boundary);
  std::string next_delimiter = fmt::format("\r\n--{}", boundary);
  std::boyer_moore_horspool_searcher searcher(next_delimiter.begin(), next_delimiter.end());

  if (body.substr(0, delimiter.size()) != delimiter) {
    return absl::InvalidArgumentError(
        "the multipart body does not start with its boundary; check the Content-Type");
  }
  std::vector<MultipartPart> parts;
  size_t pos = delimiter.size();
  while (true) {
    if (body.substr(pos, 2) == "--") {
      return parts;  // the closing delimiter
    }
    if (body.substr(pos, 2) != "\r\n") {
      return absl::InvalidArgumentError("malformed multipart boundary line");
    }
    pos += 2;
    size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) {
      return absl::InvalidArgumentError("a multipart part has no end of headers");
    }
    MultipartPart part;
    auto parsed = ParseHeaders(body.substr(pos, headers_end - pos), part);
    if (!parsed.ok()) {
      return parsed;
    }
    size_t content = headers_end + 4;
    const auto* found =
        std::search(body.begin() + static_cast<std::ptrdiff_t>(content), body.end(), searcher);
    if (found == body.end()) {
      return absl::InvalidArgumentError("the multipart body ends before its closing boundary");
    }
    auto end = static_cast<size_t>(found - body.begin());
    part.offset = content;
    part.length = end - content;
    if (part.filename.empty() && part.length <= kMaxInlineValue) {
      part.value = std::string(body.substr(content, part.length));
    }
    parts.push_back(std::move(part));
    pos = end + next_delimiter.size();
  }
}

}  // namespace hub::http
