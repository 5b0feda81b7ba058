#pragma once
// RapidJSON output into a std::string through a small cache-resident chunk: the Writer reserves room once per token
// and writes unchecked into the chunk (the PutReserve/PutUnsafe specializations below, the trick that makes
// rapidjson's own StringBuffer fast), and full chunks are appended to the reserved string. A 50 MB list body is
// thus written once, without the zero-fill of a pre-sized string or the copy of a StringBuffer.

#include <rapidjson/writer.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace apiservice {

class StringSink {
 public:
  using Ch = char;
  // `reserve`: expected output size; the string is reserved to it and the chunk sized from it.
  StringSink(std::string* out, std::size_t reserve)
      : out_(out), chunk_size_(std::clamp<std::size_t>(reserve, 256, 64 * 1024)), chunk_(new char[chunk_size_]) {
    out_->reserve(out_->size() + reserve);
  }
  StringSink(const StringSink&) = delete;
  StringSink& operator=(const StringSink&) = delete;

  void Put(char c) {
    if (pos_ == chunk_size_) Drain();
    chunk_[pos_++] = c;
  }
  void Reserve(std::size_t n) {
    if (chunk_size_ - pos_ >= n) return;
    Drain();
    if (chunk_size_ < n) {  // one huge token (a megabyte label value): widen the chunk
      chunk_size_ = n;
      chunk_.reset(new char[chunk_size_]);
    }
  }
  void PutUnchecked(char c) { chunk_[pos_++] = c; }
  // rapidjson calls this when a document is complete.
  void Flush() { Drain(); }
  void Finish() { Drain(); }

 private:
  void Drain() {
    out_->append(chunk_.get(), pos_);
    pos_ = 0;
  }

  std::string* out_;
  std::size_t chunk_size_;
  std::unique_ptr<char[]> chunk_;
  std::size_t pos_ = 0;
};

}  // namespace apiservice

namespace rapidjson {
template <>
inline void PutReserve(apiservice::StringSink& stream, size_t count) {
  stream.Reserve(count);
}
template <>
inline void PutUnsafe(apiservice::StringSink& stream, char c) {
  stream.PutUnchecked(c);
}
}  // namespace rapidjson

namespace apiservice {

using JsonWriter = rapidjson::Writer<StringSink>;

// A string, its sink and a writer in one place. Not movable: the writer points at the sink.
class JsonOutput {
 public:
  explicit JsonOutput(std::size_t reserve = 256) : sink_(&out_, reserve), writer_(sink_) {}
  JsonOutput(const JsonOutput&) = delete;
  JsonOutput& operator=(const JsonOutput&) = delete;

  JsonWriter& writer() { return writer_; }
  // The document written so far; the output is spent afterwards.
  std::string Take() {
    sink_.Finish();
    return std::move(out_);
  }

 private:
  std::string out_;
  StringSink sink_;
  JsonWriter writer_;
};

// Writes a string view as a JSON key/string.
inline void Key(JsonWriter& w, std::string_view s) { w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
inline void Str(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace apiservice
