#include "hub/models/pickle_reader.h"

#include <zlib.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <memory>
#include <system_error>
#include <unordered_map>

#include "fmt/format.h"

namespace hub::models {
namespace {

constexpr size_t kMaxUncompressedBytes = size_t{512} << 20;

// A value on the pickle machine's stack. Lists hold their elements; dicts hold keys and
// values alternately, in insertion order.
struct Value {
  enum class Kind { kMark, kInt, kFloat, kList, kDict };
  Kind kind = Kind::kMark;
  std::int64_t integer = 0;
  double real = 0.0;
  std::shared_ptr<std::vector<Value>> items;
};

Value MakeInt(std::int64_t v) {
  return Value{Value::Kind::kInt, v, 0.0, nullptr};
}

Value MakeFloat(double v) {
  return Value{Value::Kind::kFloat, 0, v, nullptr};
}

Value MakeContainer(Value::Kind kind) {
  return Value{kind, 0, 0.0, std::make_shared<std::vector<Value>>()};
}

// Executes the opcodes of a pickle that builds plain lists, dicts, ints and floats.
class PickleMachine final {
public:
  explicit PickleMachine(std::string_view data) : data_(data) {}

  absl::StatusOr<Value> Run();

private:
  absl::Status Step(unsigned char op);
  absl::StatusOr<Value> ReadScalar(unsigned char op);
  absl::StatusOr<Value> ReadLong1();
  absl::Status StepContainer(unsigned char op);
  absl::Status StepMemo(unsigned char op);

  absl::Status Error(std::string_view what) const {
    return absl::DataLossError(fmt::format("pickle offset {}: {}", pos_, what));
  }

  absl::StatusOr<std::string_view> Bytes(size_t n);
  absl::StatusOr<std::string_view> Line();
  absl::StatusOr<std::uint64_t> LittleEndian(size_t n);
  absl::StatusOr<std::int64_t> TextInt(std::string_view text);
  absl::StatusOr<double> TextFloat(std::string_view text);
  absl::StatusOr<double> BinFloat();

  absl::StatusOr<Value> Pop();
  absl::StatusOr<std::vector<Value>> PopToMark();
  absl::StatusOr<Value*> Top(Value::Kind kind);
  absl::Status Put(std::int64_t index);
  absl::Status Get(std::int64_t index);

  std::string_view data_;
  size_t pos_ = 0;
  std::vector<Value> stack_;
  std::unordered_map<std::int64_t, Value> memo_;
  bool stopped_ = false;
};

absl::StatusOr<std::string_view> PickleMachine::Bytes(size_t n) {
  if (data_.size() - pos_ < n) {
    return Error("truncated");
  }
  std::string_view bytes = data_.substr(pos_, n);
  pos_ += n;
  return bytes;
}

absl::StatusOr<std::string_view> PickleMachine::Line() {
  size_t end = data_.find('\n', pos_);
  if (end == std::string_view::npos) {
    return Error("unterminated text argument");
  }
  std::string_view line = data_.substr(pos_, end - pos_);
  pos_ = end + 1;
  return line;
}

absl::StatusOr<std::uint64_t> PickleMachine::LittleEndian(size_t n) {
  auto bytes = Bytes(n);
  if (!bytes.ok()) {
    return bytes.status();
  }
  std::uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    v |= std::uint64_t{static_cast<unsigned char>((*bytes)[i])} << (8 * i);
  }
  return v;
}

absl::StatusOr<std::int64_t> PickleMachine::TextInt(std::string_view text) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Error(fmt::format("bad integer '{}'", text.substr(0, 40)));
  }
  return v;
}

absl::StatusOr<double> PickleMachine::TextFloat(std::string_view text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Error(fmt::format("bad float '{}'", text.substr(0, 40)));
  }
  return v;
}

absl::StatusOr<double> PickleMachine::BinFloat() {
  auto bytes = Bytes(8);
  if (!bytes.ok()) {
    return bytes.status();
  }
  // Big-endian IEEE 754 double.
  std::uint64_t bits = 0;
  for (unsigned char c : *bytes) {
    bits = (bits << 8) | c;
  }
  double v = 0;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

absl::StatusOr<Value> PickleMachine::Pop() {
  if (stack_.empty() || stack_.back().kind == Value::Kind::kMark) {
    return Error("stack underflow");
  }
  Value v = std::move(stack_.back());
  stack_.pop_back();
  return v;
}

absl::StatusOr<std::vector<Value>> PickleMachine::PopToMark() {
  size_t mark = stack_.size();
  while (mark > 0 && stack_[mark - 1].kind != Value::Kind::kMark) {
    --mark;
  }
  if (mark == 0) {
    return Error("no mark on the stack");
  }
  std::vector<Value> items(
      std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(mark)),
      std::make_move_iterator(stack_.end()));
  stack_.resize(mark - 1);
  return items;
}

absl::StatusOr<Value*> PickleMachine::Top(Value::Kind kind) {
  if (stack_.empty() || stack_.back().kind != kind) {
    return Error(kind == Value::Kind::kList ? "expected a list" : "expected a dict");
  }
  return &stack_.back();
}

absl::Status PickleMachine::Put(std::int64_t index) {
  if (stack_.empty()) {
    return Error("memo put on an empty stack");
  }
  memo_[index] = stack_.back();
  return absl::OkStatus();
}

absl::Status PickleMachine::Get(std::int64_t index) {
  auto it = memo_.find(index);
  if (it == memo_.end()) {
    return Error("memo get of an unknown index");
  }
  stack_.push_back(it->second);
  return absl::OkStatus();
}

absl::Status PickleMachine::StepContainer(unsigned char op) {
  switch (op) {
    case 'l':
    case 'd': {
      auto items = PopToMark();
      if (!items.ok()) {
        return items.status();
      }
      if (op == 'd' && items->size() % 2 != 0) {
        return Error("odd number of dict items");
      }
      Value container = MakeContainer(op == 'l' ? Value::Kind::kList : Value::Kind::kDict);
      *container.items = std::move(*items);
      stack_.push_back(std::move(container));
      return absl::OkStatus();
    }
    case 'a': {
      auto item = Pop();
      if (!item.ok()) {
        return item.status();
      }
      auto list = Top(Value::Kind::kList);
      if (!list.ok()) {
        return list.status();
      }
      (*list)->items->push_back(std::move(*item));
      return absl::OkStatus();
    }
    case 'e':
    case 'u': {
      auto items = PopToMark();
      if (!items.ok()) {
        return items.status();
      }
      auto target = Top(op == 'e' ? Value::Kind::kList : Value::Kind::kDict);
      if (!target.ok()) {
        return target.status();
      }
      if (op == 'u' && items->size() % 2 != 0) {
        return Error("odd number of dict items");
      }
      auto& dest = *(*target)->items;
      dest.insert(dest.end(), std::make_move_iterator(items->begin()),
                  std::make_move_iterator(items->end()));
      return absl::OkStatus();
    }
    case 's': {
      auto value = Pop();
      auto key = value.ok() ? Pop() : value.status();
      if (!key.ok()) {
        return key.status();
      }
      auto dict = Top(Value::Kind::kDict);
      if (!dict.ok()) {
        return dict.status();
      }
      (*dict)->items->push_back(std::move(*key));
      (*dict)->items->push_back(std::move(*value));
      return absl::OkStatus();
    }
    default:
      return Error(fmt::format("unsupported opcode 0x{:02x}", op));
  }
}

absl::Status PickleMachine::StepMemo(unsigned char op) {
  absl::StatusOr<std::int64_t> index;
  switch (op) {
    case 'p':
    case 'g': {
      auto line = Line();
      index = line.ok() ? TextInt(*line) : line.status();
      break;
    }
    case 'q':
    case 'h':
      index = LittleEndian(1);
      break;
    case 'r':
    case 'j':
      index = LittleEndian(4);
      break;
    default:
      return StepContainer(op);
  }
  if (!index.ok()) {
    return index.status();
  }
  return (op == 'p' || op == 'q' || op == 'r') ? Put(*index) : Get(*index);
}

absl::StatusOr<Value> PickleMachine::ReadLong1() {
  auto n = LittleEndian(1);
  if (!n.ok()) {
    return n.status();
  }
  if (*n > 8) {
    return Error("integer wider than 64 bits");
  }
  auto v = LittleEndian(*n);
  if (!v.ok()) {
    return v.status();
  }
  // Little-endian two's complement of `n` bytes: sign-extend to 64 bits.
  std::uint64_t bits = *v;
  if (*n > 0 && *n < 8 && (bits >> (8 * *n - 1)) != 0) {
    bits |= ~std::uint64_t{0} << (8 * *n);
  }
  return MakeInt(static_cast<std::int64_t>(bits));
}

absl::StatusOr<Value> PickleMachine::ReadScalar(unsigned char op) {
  if (op == 'I' || op == 'L' || op == 'F') {
    auto line = Line();
    if (!line.ok()) {
      return line.status();
    }
    std::string_view text = *line;
    if (op == 'F') {
      auto v = TextFloat(text);
      return v.ok() ? absl::StatusOr<Value>(MakeFloat(*v)) : v.status();
    }
    if (op == 'L' && !text.empty() && text.back() == 'L') {
      text.remove_suffix(1);
    }
    auto v = TextInt(text);
    return v.ok() ? absl::StatusOr<Value>(MakeInt(*v)) : v.status();
  }
  if (op == 'G') {
    auto v = BinFloat();
    return v.ok() ? absl::StatusOr<Value>(MakeFloat(*v)) : v.status();
  }
  if (op == 0x8a) {
    return ReadLong1();
  }
  // BININT (signed 32 bits), BININT1 (unsigned 8), BININT2 (unsigned 16).
  auto v = LittleEndian(op == 'J' ? 4 : op == 'K' ? 1 : 2);
  if (!v.ok()) {
    return v.status();
  }
  return MakeInt(op == 'J' ? std::int64_t{static_cast<std::int32_t>(*v)}
                           : static_cast<std::int64_t>(*v));
}

absl::Status PickleMachine::Step(unsigned char op) {
  switch (op) {
    case 0x80:  // PROTO
      return LittleEndian(1).status();
    case '.':  // STOP
      stopped_ = true;
      return absl::OkStatus();
    case '(':  // MARK
      stack_.push_back(Value{});
      return absl::OkStatus();
    case ']':
      stack_.push_back(MakeContainer(Value::Kind::kList));
      return absl::OkStatus();
    case '}':
      stack_.push_back(MakeContainer(Value::Kind::kDict));
      return absl::OkStatus();
    case 'I':
    case 'L':
    case 'J':
    case 'K':
    case 'M':
    case 0x8a:
    case 'F':
    case 'G': {
      auto value = ReadScalar(op);
      if (!value.ok()) {
        return value.status();
      }
      stack_.push_back(std::move(*value));
      return absl::OkStatus();
    }
    default:
      return StepMemo(op);
  }
}

absl::StatusOr<Value> PickleMachine::Run() {
  while (!stopped_) {
    if (pos_ >= data_.size()) {
      return Error("no STOP opcode");
    }
    auto op = static_cast<unsigned char>(data_[pos_++]);
    if (absl::Status status = Step(op); !status.ok()) {
      return status;
    }
  }
  if (stack_.size() != 1 || stack_.back().kind == Value::Kind::kMark) {
    return Error("the pickle does not leave exactly one value");
  }
  return std::move(stack_.back());
}

absl::Status ShapeError(std::string_view what) {
  return absl::DataLossError(fmt::format("unexpected pickle shape: {}", what));
}

absl::StatusOr<double> AsNumber(const Value& v) {
  if (v.kind == Value::Kind::kFloat) {
    return v.real;
  }
  if (v.kind == Value::Kind::kInt) {
    return static_cast<double>(v.integer);
  }
  return ShapeError("a score is not a number");
}

absl::StatusOr<std::uint32_t> AsFragmentId(const Value& v) {
  if (v.kind != Value::Kind::kInt || v.integer < 0 || v.integer > 0xffffffffLL) {
    return ShapeError("a fragment id is not an integer in [0, 2^32)");
  }
  return static_cast<std::uint32_t>(v.integer);
}

}  // namespace

absl::StatusOr<std::string> ReadGzipFile(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::FailedPreconditionError(
        fmt::format("cannot open {}: {}", path, std::generic_category().message(errno)));
  }
  std::string out;
  char buffer[1 << 16];
  while (true) {
    int n = gzread(file, buffer, sizeof(buffer));
    if (n < 0 || out.size() > kMaxUncompressedBytes) {
      gzclose(file);
      return absl::DataLossError(fmt::format("{}: corrupt or too large gzip data", path));
    }
    if (n == 0) {
      break;
    }
    out.append(buffer, static_cast<size_t>(n));
  }
  gzclose(file);
  return out;
}

absl::StatusOr<std::vector<FragmentScore>> ParseFragmentScorePickle(std::string_view pickle) {
  PickleMachine machine(pickle);
  auto root = machine.Run();
  if (!root.ok()) {
    return root.status();
  }
  if (root->kind != Value::Kind::kList) {
    return ShapeError("the top level is not a list");
  }
  std::vector<FragmentScore> scores;
  for (const Value& group : *root->items) {
    if (group.kind != Value::Kind::kList || group.items->empty()) {
      return ShapeError("an entry is not a non-empty list");
    }
    auto score = AsNumber(group.items->front());
    if (!score.ok()) {
      return score.status();
    }
    for (size_t i = 1; i < group.items->size(); ++i) {
      auto id = AsFragmentId((*group.items)[i]);
      if (!id.ok()) {
        return id.status();
      }
      scores.emplace_back(*id, *score);
    }
  }
  return scores;
}

absl::StatusOr<std::vector<FragmentScore>> ParseNpModelPickle(std::string_view pickle) {
  PickleMachine machine(pickle);
  auto root = machine.Run();
  if (!root.ok()) {
    return root.status();
  }
  if (root->kind != Value::Kind::kDict) {
    return ShapeError("the top level is not a dict");
  }
  const std::vector<Value>& items = *root->items;
  std::vector<FragmentScore> scores;
  scores.reserve(items.size() / 2);
  for (size_t i = 0; i + 1 < items.size(); i += 2) {
    auto id = AsFragmentId(items[i]);
    auto score = AsNumber(items[i + 1]);
    if (!id.ok() || !score.ok()) {
      return id.ok() ? score.status() : id.status();
    }
    scores.emplace_back(*id, *score);
  }
  return scores;
}

}  // namespace hub::models
