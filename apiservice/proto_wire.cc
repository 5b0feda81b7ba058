#include "apiservice/proto_wire.h"

#include <algorithm>
#include <cstring>

namespace apiservice {

ReverseProtoWriter::ReverseProtoWriter(std::size_t initial_capacity)
    : buf_(new char[std::max<std::size_t>(initial_capacity, 16)]),
      capacity_(std::max<std::size_t>(initial_capacity, 16)),
      start_(capacity_) {}

void ReverseProtoWriter::Grow(std::size_t n) {
  const std::size_t used = size();
  const std::size_t new_capacity = std::max(capacity_ * 2, used + n + 64);
  std::unique_ptr<char[]> bigger(new char[new_capacity]);
  std::memcpy(bigger.get() + new_capacity - used, buf_.get() + start_, used);
  buf_ = std::move(bigger);
  start_ = new_capacity - used;
  capacity_ = new_capacity;
}

void ReverseProtoWriter::Raw(std::string_view bytes) {
  Ensure(bytes.size());
  start_ -= bytes.size();
  if (!bytes.empty()) std::memcpy(buf_.get() + start_, bytes.data(), bytes.size());
}

std::string ReverseProtoWriter::Take() {
  std::string out(buf_.get() + start_, size());
  start_ = capacity_;
  return out;
}

}  // namespace apiservice
