// libFuzzer target for the fieldSelector syntax (kube::FieldSelector::Parse) and value escaping. Checks that the
// printed form re-parses to the same requirements and selects the same objects, and that EscapeFieldValue and
// UnescapeFieldValue are inverses.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kube/field_selector.h"
#include "kube/fuzz/fuzz_check.h"

namespace {

const std::vector<kube::Fields>& FieldSets() {
  static const std::vector<kube::Fields> sets = {
      {},
      {{"metadata.name", "web-0"}, {"metadata.namespace", "default"}},
      {{"metadata.name", "a=b,c"}, {"spec.nodeName", "node-1"}},
      {{"metadata.name", "\\"}, {"metadata.namespace", "kube-system"}, {"status.phase", "Running"}},
  };
  return sets;
}

std::vector<std::string> SortedTerms(const kube::FieldSelector& selector) {
  std::vector<std::string> terms;
  for (const auto& r : selector.requirements()) terms.push_back(r.ToString());
  std::sort(terms.begin(), terms.end());
  return terms;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto unescaped = kube::UnescapeFieldValue(kube::EscapeFieldValue(text));
  KMA_FUZZ_CHECK(unescaped.ok());
  KMA_FUZZ_CHECK(*unescaped == text);

  auto parsed = kube::FieldSelector::Parse(text);
  if (!parsed.ok()) {
    KMA_FUZZ_CHECK(!parsed.error().message.empty());
    return 0;
  }
  const std::string printed = parsed->ToString();
  auto reparsed = kube::FieldSelector::Parse(printed);
  KMA_FUZZ_CHECK(reparsed.ok());
  // Terms are sorted by their text as written ("a==b" prints as "a=b"), so compare as sets of printed terms, and
  // expect the printed form of the re-parsed selector to be a fixed point.
  KMA_FUZZ_CHECK(SortedTerms(*reparsed) == SortedTerms(*parsed));
  auto third = kube::FieldSelector::Parse(reparsed->ToString());
  KMA_FUZZ_CHECK(third.ok() && third->ToString() == reparsed->ToString());
  for (const kube::Fields& fields : FieldSets()) {
    KMA_FUZZ_CHECK(reparsed->Matches(fields) == parsed->Matches(fields));
  }
  // An exact-match requirement on metadata.name agrees with matching.
  if (auto name = parsed->RequiresExactMatch("metadata.name")) {
    for (const kube::Fields& fields : FieldSets()) {
      auto it = fields.find("metadata.name");
      const std::string_view value = it == fields.end() ? std::string_view() : std::string_view(it->second);
      if (value != *name) KMA_FUZZ_CHECK(!parsed->Matches(fields));
    }
  }
  (void)parsed->CheckSupported({"metadata.name", "metadata.namespace"});
  return 0;
}
