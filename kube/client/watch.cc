#include "kube/client/watch.h"

#include <atomic>
#include <utility>

#include "common/net/http_client.h"
#include "kube/client/api_status.h"

namespace kube {
namespace {

using common::Error;
using common::ErrorCode;

std::optional<WatchEventType> ParseType(std::string_view name) {
  if (name == "ADDED") return WatchEventType::kAdded;
  if (name == "MODIFIED") return WatchEventType::kModified;
  if (name == "DELETED") return WatchEventType::kDeleted;
  if (name == "BOOKMARK") return WatchEventType::kBookmark;
  if (name == "ERROR") return WatchEventType::kError;
  return std::nullopt;
}

ApiStatus StatusFromObject(const rapidjson::Value& object) {
  ApiStatus status;
  auto str = [&](const char* name) -> std::string {
    auto it = object.FindMember(name);
    return it != object.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
  };
  status.status = str("status");
  status.reason = str("reason");
  status.message = str("message");
  if (auto it = object.FindMember("code"); it != object.MemberEnd() && it->value.IsInt()) {
    status.code = it->value.GetInt();
  }
  return status;
}

class BodyWatchStream : public WatchStream {
 public:
  BodyWatchStream(std::unique_ptr<net::BodyStream> body, std::chrono::milliseconds idle_timeout,
                  std::size_t max_frame_bytes)
      : body_(std::move(body)), idle_timeout_(idle_timeout), decoder_(max_frame_bytes) {}

  ~BodyWatchStream() override { body_->Cancel(); }

  common::Result<std::optional<WatchEvent>> Next() override {
    while (true) {
      if (cancelled_.load()) return Error::Make(ErrorCode::kUnavailable, "watch cancelled");
      auto frame = decoder_.NextFrame();
      if (!frame.ok()) return frame.error();
      if (frame->has_value()) {
        auto event = ParseWatchEvent(**frame);
        if (!event.ok()) return event.error();
        if (event->type == WatchEventType::kError) return ErrorFromStatus(StatusFromObject(event->object()));
        return std::optional<WatchEvent>(std::move(event.value()));
      }
      if (ended_) return std::optional<WatchEvent>();
      auto chunk = body_->Read(idle_timeout_);
      if (!chunk.ok()) return chunk.error();
      if (chunk->empty()) {
        ended_ = true;
        if (decoder_.HasPartialFrame()) {
          return Error::Make(ErrorCode::kUnavailable, "watch stream ended in the middle of an event");
        }
        continue;
      }
      decoder_.Feed(*chunk);
    }
  }

  void Cancel() override {
    cancelled_.store(true);
    body_->Cancel();
  }

 private:
  std::unique_ptr<net::BodyStream> body_;
  std::chrono::milliseconds idle_timeout_;
  WatchFrameDecoder decoder_;
  std::atomic<bool> cancelled_{false};
  bool ended_ = false;
};

}  // namespace

const char* WatchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
    case WatchEventType::kError:
      return "ERROR";
  }
  return "UNKNOWN";
}

const rapidjson::Value& WatchEvent::object() const { return frame["object"]; }

common::Result<WatchEvent> ParseWatchEvent(std::string_view text) {
  WatchEvent event;
  event.frame.Parse(text.data(), text.size());
  if (event.frame.HasParseError() || !event.frame.IsObject()) {
    return Error::Make(ErrorCode::kInvalidArgument, "watch event is not a JSON object");
  }
  auto type = event.frame.FindMember("type");
  if (type == event.frame.MemberEnd() || !type->value.IsString()) {
    return Error::Make(ErrorCode::kInvalidArgument, "watch event has no type");
  }
  auto parsed = ParseType(std::string_view(type->value.GetString(), type->value.GetStringLength()));
  if (!parsed) {
    return Error::Make(ErrorCode::kInvalidArgument, std::string("unknown watch event type ") + type->value.GetString());
  }
  event.type = *parsed;
  auto object = event.frame.FindMember("object");
  if (object == event.frame.MemberEnd() || !object->value.IsObject()) {
    return Error::Make(ErrorCode::kInvalidArgument, "watch event has no object");
  }
  return event;
}

common::Result<std::optional<std::string>> WatchFrameDecoder::NextFrame() {
  while (true) {
    std::size_t newline = buffer_.find('\n', consumed_);
    if (newline == std::string::npos) {
      // Compact once the consumed prefix dominates, so the buffer does not grow with the stream's lifetime.
      if (consumed_ > 0 && consumed_ * 2 >= buffer_.size()) {
        buffer_.erase(0, consumed_);
        consumed_ = 0;
      }
      if (buffer_.size() - consumed_ > max_frame_bytes_) {
        return Error::Make(ErrorCode::kTooLarge, "watch event larger than " + std::to_string(max_frame_bytes_) +
                                                     " bytes");
      }
      return std::optional<std::string>();
    }
    std::string_view line(buffer_.data() + consumed_, newline - consumed_);
    consumed_ = newline + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (line.size() > max_frame_bytes_) {
      return Error::Make(ErrorCode::kTooLarge, "watch event larger than " + std::to_string(max_frame_bytes_) +
                                                   " bytes");
    }
    return std::optional<std::string>(std::string(line));
  }
}

bool WatchFrameDecoder::HasPartialFrame() const {
  std::string_view rest(buffer_.data() + consumed_, buffer_.size() - consumed_);
  return rest.find_first_not_of(" \t\r\n") != std::string_view::npos;
}

std::unique_ptr<WatchStream> NewBodyWatchStream(std::unique_ptr<net::BodyStream> body,
                                                std::chrono::milliseconds idle_timeout, std::size_t max_frame_bytes) {
  return std::make_unique<BodyWatchStream>(std::move(body), idle_timeout, max_frame_bytes);
}

}  // namespace kube
