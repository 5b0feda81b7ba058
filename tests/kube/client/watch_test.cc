#include "kube/client/watch.h"

#include <gtest/gtest.h>

#include <deque>

#include "common/net/http_client.h"

namespace kube {
namespace {

using common::ErrorCode;

std::string Frame(const std::string& type, const std::string& name, const std::string& rv) {
  return R"({"type":")" + type + R"(","object":{"kind":"Pod","metadata":{"name":")" + name +
         R"(","resourceVersion":")" + rv + R"("}}})" + "\n";
}

std::vector<std::string> DrainFrames(WatchFrameDecoder& decoder) {
  std::vector<std::string> out;
  while (true) {
    auto frame = decoder.NextFrame();
    EXPECT_TRUE(frame.ok());
    if (!frame.ok() || !frame->has_value()) return out;
    out.push_back(**frame);
  }
}

TEST(WatchFrameDecoderTest, SplitsAcrossEveryChunkBoundary) {
  std::string stream = Frame("ADDED", "a", "1") + Frame("MODIFIED", "a", "2") + "\n" + Frame("DELETED", "a", "3");
  // Feed the stream in every possible pair of chunks, and byte by byte.
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    WatchFrameDecoder decoder;
    std::vector<std::string> frames;
    decoder.Feed(stream.substr(0, cut));
    for (auto& f : DrainFrames(decoder)) frames.push_back(f);
    decoder.Feed(stream.substr(cut));
    for (auto& f : DrainFrames(decoder)) frames.push_back(f);
    ASSERT_EQ(frames.size(), 3u) << "cut at " << cut;
    EXPECT_NE(frames[1].find("MODIFIED"), std::string::npos);
    EXPECT_FALSE(decoder.HasPartialFrame());
  }
  WatchFrameDecoder decoder;
  std::vector<std::string> frames;
  for (char c : stream) {
    decoder.Feed(std::string_view(&c, 1));
    for (auto& f : DrainFrames(decoder)) frames.push_back(f);
  }
  EXPECT_EQ(frames.size(), 3u);
}

TEST(WatchFrameDecoderTest, PartialFrameAndCrlf) {
  WatchFrameDecoder decoder;
  decoder.Feed("{\"type\":\"ADDED\"");
  EXPECT_TRUE(DrainFrames(decoder).empty());
  EXPECT_TRUE(decoder.HasPartialFrame());
  decoder.Feed(",\"object\":{}}\r\n");
  auto frames = DrainFrames(decoder);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], "{\"type\":\"ADDED\",\"object\":{}}");
}

TEST(WatchFrameDecoderTest, CapsFrameSize) {
  WatchFrameDecoder decoder(100);
  decoder.Feed(std::string(101, 'x'));
  auto frame = decoder.NextFrame();
  ASSERT_FALSE(frame.ok());
  EXPECT_EQ(frame.error().code, ErrorCode::kTooLarge);
}

TEST(ParseWatchEventTest, Types) {
  auto event = ParseWatchEvent(R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})");
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->type, WatchEventType::kBookmark);
  EXPECT_STREQ(event->object()["metadata"]["resourceVersion"].GetString(), "9");
  EXPECT_FALSE(ParseWatchEvent(R"({"type":"RENAMED","object":{}})").ok());
  EXPECT_FALSE(ParseWatchEvent(R"({"type":"ADDED"})").ok());
  EXPECT_FALSE(ParseWatchEvent(R"({"object":{}})").ok());
  EXPECT_FALSE(ParseWatchEvent("{truncated").ok());
}

// Replays scripted chunks; an empty deque means end of stream.
class ScriptedBody : public net::BodyStream {
 public:
  explicit ScriptedBody(std::deque<common::Result<std::string>> chunks) : chunks_(std::move(chunks)) {}
  common::Result<std::string> Read(std::chrono::milliseconds) override {
    if (chunks_.empty()) return std::string();
    auto chunk = std::move(chunks_.front());
    chunks_.pop_front();
    return chunk;
  }
  void Cancel() override {}

 private:
  std::deque<common::Result<std::string>> chunks_;
};

std::unique_ptr<WatchStream> StreamOf(std::deque<common::Result<std::string>> chunks) {
  return NewBodyWatchStream(std::make_unique<ScriptedBody>(std::move(chunks)), std::chrono::seconds(1));
}

TEST(BodyWatchStreamTest, DeliversEventsThenCleanEnd) {
  std::string all = Frame("ADDED", "a", "1") + Frame("MODIFIED", "a", "2");
  auto stream = StreamOf({all.substr(0, 10), all.substr(10, 50), all.substr(60)});
  auto first = stream->Next();
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->type, WatchEventType::kAdded);
  auto second = stream->Next();
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->type, WatchEventType::kModified);
  EXPECT_STREQ((*second)->object()["metadata"]["resourceVersion"].GetString(), "2");
  auto end = stream->Next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

TEST(BodyWatchStreamTest, ErrorEventWith410IsGone) {
  auto stream = StreamOf({Frame("ADDED", "a", "1") +
                          R"({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure",)"
                          R"j("message":"too old resource version: 1 (200)","reason":"Expired","code":410}})j"
                          "\n"});
  ASSERT_TRUE(stream->Next().ok());
  auto error = stream->Next();
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.error().code, ErrorCode::kGone);
  EXPECT_EQ(error.error().message, "too old resource version: 1 (200)");
}

TEST(BodyWatchStreamTest, TruncatedStreamAndTransportErrorsAreErrors) {
  auto truncated = StreamOf({std::string("{\"type\":\"ADDED\",\"obj")});
  auto result = truncated->Next();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);

  auto broken = StreamOf({common::Error::Make(ErrorCode::kTimeout, "idle")});
  auto timeout = broken->Next();
  ASSERT_FALSE(timeout.ok());
  EXPECT_EQ(timeout.error().code, ErrorCode::kTimeout);

  auto garbage = StreamOf({std::string("not json\n")});
  auto bad = garbage->Next();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace kube
