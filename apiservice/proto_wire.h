#pragma once
// A protobuf wire-format writer that builds messages back to front, the way gogo-protobuf's MarshalToSizedBuffer
// does. Writing a nested message's content first means its length is known when the length prefix is written, so
// every prefix is a minimal varint with no separate sizing pass — one pass over the data, which matters for a list
// of 150,000 pod metrics.
//
// Why hand-written rather than protoc-generated classes: the Kubernetes types are proto2 messages serialized by
// gogo-protobuf, which writes every non-pointer field even when empty ("selfLink: \"\"") and sorts map keys.
// Reproducing those bytes with protoc's C++ classes needs every field set explicitly plus deterministic map
// serialization, and building a message tree per pod costs allocations the encoder here avoids. The .proto files in
// apiservice/proto and metrics-server/api/proto are used by the tests to parse the output back.
//
// Because the buffer fills from the end, callers emit fields in REVERSE order (highest field number first, last
// list item first). A nested message is written as:
//   size_t mark = w.size();  ...write its fields in reverse...;  w.EndMessage(field, mark);

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace apiservice {

class ReverseProtoWriter {
 public:
  explicit ReverseProtoWriter(std::size_t initial_capacity = 256);

  // Bytes written so far.
  std::size_t size() const { return capacity_ - start_; }

  // Length-delimited field (string, bytes). Written even when empty, as gogo does for proto2 strings.
  void Bytes(int field, std::string_view value) {
    Ensure(value.size() + 2 * kMaxVarint);
    start_ -= value.size();
    if (!value.empty()) std::memcpy(buf_.get() + start_, value.data(), value.size());
    PutVarintUnchecked(value.size());
    PutVarintUnchecked(Tag(field, 2));
  }
  // Varint field (int32/int64/uint64/bool). Negative values use ten bytes, as protobuf requires.
  void Varint(int field, int64_t value) {
    Ensure(2 * kMaxVarint);
    PutVarintUnchecked(static_cast<uint64_t>(value));
    PutVarintUnchecked(Tag(field, 0));
  }
  // Closes a nested message whose content was written since `mark` (a value of size()).
  void EndMessage(int field, std::size_t mark) {
    Ensure(2 * kMaxVarint);
    PutVarintUnchecked(size() - mark);
    PutVarintUnchecked(Tag(field, 2));
  }
  // Raw bytes, e.g. a prefix such as the "k8s\0" magic.
  void Raw(std::string_view bytes);

  // The bytes in wire order. The writer is empty afterwards.
  std::string Take();

 private:
  static constexpr std::size_t kMaxVarint = 10;
  static uint64_t Tag(int field, int wire_type) { return (static_cast<uint64_t>(field) << 3) | wire_type; }

  void Ensure(std::size_t n) {
    if (start_ < n) Grow(n);
  }
  void Grow(std::size_t n);
  // Caller has ensured room for kMaxVarint bytes.
  void PutVarintUnchecked(uint64_t value) {
    std::size_t n = 1;
    for (uint64_t v = value >> 7; v != 0; v >>= 7) ++n;
    start_ -= n;
    char* p = buf_.get() + start_;
    for (std::size_t i = 0; i + 1 < n; ++i) {
      p[i] = static_cast<char>((value & 0x7f) | 0x80);
      value >>= 7;
    }
    p[n - 1] = static_cast<char>(value);
  }

  std::unique_ptr<char[]> buf_;
  std::size_t capacity_;
  std::size_t start_;  // first used byte; data occupies [start_, capacity_)
};

}  // namespace apiservice
