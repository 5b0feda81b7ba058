// libFuzzer target for the labelSelector syntax (kube::LabelSelector::Parse). Checks that the canonical string is
// a fixed point (it is what we print in scale.status.selector and compare), and that a selector and its re-parsed
// canonical form select the same objects from a fixed set of label sets.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kube/fuzz/fuzz_check.h"
#include "kube/label_selector.h"

namespace {

const std::vector<kube::Labels>& LabelSets() {
  static const std::vector<kube::Labels> sets = {
      {},
      {{"app", "web"}},
      {{"app", "web"}, {"tier", "frontend"}, {"env", "prod"}},
      {{"app", "db"}, {"replicas", "3"}, {"gpu", ""}},
      {{"env", "qa"}, {"replicas", "12"}, {"example.com/team", "a-b.c_d"}},
      {{"a", "1"}, {"b", "-5"}, {"x", "y"}},
  };
  return sets;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = kube::LabelSelector::Parse(text);
  if (!parsed.ok()) {
    KMA_FUZZ_CHECK(!parsed.error().message.empty());
    return 0;
  }
  const std::string canonical = parsed->ToString();
  auto reparsed = kube::LabelSelector::Parse(canonical);
  KMA_FUZZ_CHECK(reparsed.ok());
  KMA_FUZZ_CHECK(reparsed->ToString() == canonical);
  KMA_FUZZ_CHECK(reparsed->requirements() == parsed->requirements());
  KMA_FUZZ_CHECK(parsed->Empty() == parsed->requirements().empty());
  for (const kube::Labels& labels : LabelSets()) {
    const bool matches = parsed->Matches(labels);
    KMA_FUZZ_CHECK(reparsed->Matches(labels) == matches);
    const bool by_lookup = parsed->MatchesLookup([&](std::string_view key) -> std::optional<std::string_view> {
      auto it = labels.find(key);
      if (it == labels.end()) return std::nullopt;
      return std::string_view(it->second);
    });
    KMA_FUZZ_CHECK(by_lookup == matches);
  }
  // The selector built from a label set matches that set.
  for (const kube::Labels& labels : LabelSets()) {
    auto from_set = kube::LabelSelector::FromSet(labels);
    if (from_set.ok()) KMA_FUZZ_CHECK(from_set->Matches(labels));
  }
  return 0;
}
