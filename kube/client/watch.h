#pragma once
// Watch streams: newline-delimited JSON frames {"type": ..., "object": {...}} as kube-apiserver sends them, split
// back into events whatever the chunk boundaries.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "common/result.h"

namespace net {
class BodyStream;
}

namespace kube {

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

const char* WatchEventTypeName(WatchEventType type);

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  rapidjson::Document frame;  // the whole frame; the object lives in frame["object"]

  const rapidjson::Value& object() const;
};

// Parses one frame. Unknown types and frames without an object are errors.
common::Result<WatchEvent> ParseWatchEvent(std::string_view frame);

// Reassembles frames from arbitrary chunks. Pure logic, no I/O.
class WatchFrameDecoder {
 public:
  explicit WatchFrameDecoder(std::size_t max_frame_bytes = 16 << 20) : max_frame_bytes_(max_frame_bytes) {}

  void Feed(std::string_view chunk) { buffer_.append(chunk); }
  // The next complete frame (without its newline), skipping blank lines; nullopt when more bytes are needed.
  // Fails with kTooLarge once an incomplete frame exceeds the cap, so a broken server cannot exhaust memory.
  common::Result<std::optional<std::string>> NextFrame();
  // Bytes received but not yet returned as a frame (a partial frame at end of stream is a protocol error).
  bool HasPartialFrame() const;

 private:
  std::string buffer_;
  std::size_t consumed_ = 0;  // bytes of buffer_ already returned; compacted lazily to keep Feed cheap
  std::size_t max_frame_bytes_;
};

// A running watch. Implementations are used by one reader thread; Cancel may be called from any thread.
class WatchStream {
 public:
  virtual ~WatchStream() = default;
  // The next event; nullopt at a clean end of stream (the server's timeoutSeconds elapsed). ERROR events come back
  // as errors (a 410 Status becomes kGone), as do transport failures and malformed frames.
  virtual common::Result<std::optional<WatchEvent>> Next() = 0;
  // Unblocks Next (which then fails or ends) and releases the connection.
  virtual void Cancel() = 0;
};

// A WatchStream over an HTTP response body. `idle_timeout` bounds the wait for any byte (bookmarks and the
// server-side timeout normally keep it alive).
std::unique_ptr<WatchStream> NewBodyWatchStream(std::unique_ptr<net::BodyStream> body,
                                                std::chrono::milliseconds idle_timeout,
                                                std::size_t max_frame_bytes = 16 << 20);

}  // namespace kube
