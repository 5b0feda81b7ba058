// libFuzzer target for what the binaries decode from API server responses: watch framing (WatchFrameDecoder,
// ParseWatchEvent) and the typed Node and Pod views the informers build (DecodeNode, DecodePod). The input is fed
// twice, whole and cut at every 0xff byte: frames must not depend on chunk boundaries.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "kube/client/watch.h"
#include "kube/fuzz/fuzz_check.h"
#include "kube/objects/node.h"
#include "kube/objects/pod.h"

namespace {

constexpr size_t kMaxFrame = 1 << 16;

// Frames until the first error or until more input is needed; `failed` is set on an error.
std::vector<std::string> Drain(kube::WatchFrameDecoder* decoder, bool* failed) {
  std::vector<std::string> frames;
  while (true) {
    auto frame = decoder->NextFrame();
    if (!frame.ok()) {
      *failed = true;
      return frames;
    }
    if (!frame->has_value()) return frames;
    KMA_FUZZ_CHECK((*frame)->find('\n') == std::string::npos);
    KMA_FUZZ_CHECK(!(*frame)->empty());
    frames.push_back(std::move(**frame));
  }
}

void DecodeObject(const rapidjson::Value& object) {
  auto node = kube::DecodeNode(object);
  if (node.ok()) {
    for (const auto& address : node->addresses) {
      auto found = node->Address(address.type);
      KMA_FUZZ_CHECK(found.has_value());
    }
  }
  auto pod = kube::DecodePod(object);
  if (pod.ok()) {
    (void)pod->IsReady();
    if (const auto* owner = pod->ControllerRef()) (void)owner;
    for (const auto& c : pod->containers) {
      for (const auto& [resource, quantity] : c.requests) (void)quantity.MilliValue();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string whole_text;
  whole_text.reserve(size);
  for (char c : input) {
    if (c != '\xff') whole_text.push_back(c);
  }

  kube::WatchFrameDecoder whole(kMaxFrame);
  whole.Feed(whole_text);
  bool whole_failed = false;
  std::vector<std::string> whole_frames = Drain(&whole, &whole_failed);

  kube::WatchFrameDecoder chunked(kMaxFrame);
  bool chunked_failed = false;
  std::vector<std::string> chunked_frames;
  size_t start = 0;
  while (start <= input.size() && !chunked_failed) {
    size_t cut = input.find('\xff', start);
    if (cut == std::string_view::npos) cut = input.size();
    chunked.Feed(input.substr(start, cut - start));
    for (auto& f : Drain(&chunked, &chunked_failed)) chunked_frames.push_back(std::move(f));
    start = cut + 1;
  }
  // Chunking can only make the size cap trip earlier (on an incomplete frame); until then frames agree.
  if (!whole_failed && !chunked_failed) {
    KMA_FUZZ_CHECK(chunked_frames == whole_frames);
    KMA_FUZZ_CHECK(chunked.HasPartialFrame() == whole.HasPartialFrame());
  } else {
    const size_t common = std::min(whole_frames.size(), chunked_frames.size());
    for (size_t i = 0; i < common; ++i) KMA_FUZZ_CHECK(whole_frames[i] == chunked_frames[i]);
  }

  for (const std::string& frame : whole_frames) {
    auto event = kube::ParseWatchEvent(frame);
    if (!event.ok()) continue;
    KMA_FUZZ_CHECK(kube::WatchEventTypeName(event->type) != nullptr);
    const rapidjson::Value& object = event->object();
    DecodeObject(object);
  }
  // A bare object (a GET or one list item) goes through the same decoders.
  rapidjson::Document doc;
  doc.Parse(whole_text.data(), whole_text.size());
  if (!doc.HasParseError()) {
    DecodeObject(doc);
    if (doc.IsObject()) {
      auto items = doc.FindMember("items");
      if (items != doc.MemberEnd() && items->value.IsArray()) {
        for (const auto& item : items->value.GetArray()) DecodeObject(item);
      }
    }
  }
  return 0;
}
