// libFuzzer target for kube::Quantity::Parse. Besides sanitizer findings it checks the invariants the metrics API
// and the HPA rely on: what we print re-parses to the same value, the canonical form is a fixed point, formatting
// fits the documented buffer, and sign, negation and comparison agree.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kube/fuzz/fuzz_check.h"
#include "kube/quantity.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = kube::Quantity::Parse(text);
  if (!parsed.ok()) {
    KMA_FUZZ_CHECK(!parsed.error().message.empty());
    return 0;
  }
  const kube::Quantity& q = *parsed;

  // String() (which may keep the input's spelling) re-parses to the same value. Exception, as upstream: from
  // 1000E (1e21) on there is no suffix and the canonical form prints the bare mantissa (1e21 -> "1"), so only
  // the spelling is checked to re-parse there.
  static const kube::Quantity kBeyondSuffixes = *kube::Quantity::Parse("1000E");
  kube::Quantity magnitude = q;
  if (magnitude.Sign() < 0) magnitude.Neg();
  const bool representable = magnitude < kBeyondSuffixes;
  const std::string shown = q.ToString();
  auto reparsed = kube::Quantity::Parse(shown);
  KMA_FUZZ_CHECK(reparsed.ok());
  if (representable) KMA_FUZZ_CHECK(reparsed->Cmp(q) == 0);
  std::string appended = "x";
  q.AppendTo(&appended);
  KMA_FUZZ_CHECK(appended == "x" + shown);

  // The canonical form fits kMaxFormattedSize, re-parses to the same value and is its own canonical form.
  char buf[kube::Quantity::kMaxFormattedSize];
  const size_t n = q.FormatCanonical(buf);
  KMA_FUZZ_CHECK(n > 0 && n <= sizeof(buf));
  const std::string canonical(buf, n);
  auto from_canonical = kube::Quantity::Parse(canonical);
  KMA_FUZZ_CHECK(from_canonical.ok());
  if (representable) KMA_FUZZ_CHECK(from_canonical->Cmp(q) == 0);
  // A fixed point when the format survives: "4562.5Ki" prints "4672000" (fractional binary values print in
  // decimal), which re-parses as DecimalSI and then prints "4672k", as upstream does.
  if (representable && from_canonical->format() == q.format()) {
    KMA_FUZZ_CHECK(from_canonical->ToString() == canonical);
    char buf2[kube::Quantity::kMaxFormattedSize];
    const size_t n2 = from_canonical->FormatCanonical(buf2);
    KMA_FUZZ_CHECK(std::string_view(buf2, n2) == canonical);
  }

  // Sign, zero, negation and comparison agree.
  const kube::Quantity zero;
  KMA_FUZZ_CHECK(q.Sign() == q.Cmp(zero));
  KMA_FUZZ_CHECK(q.IsZero() == (q.Sign() == 0));
  kube::Quantity negated = q;
  negated.Neg();
  KMA_FUZZ_CHECK(negated.Sign() == -q.Sign());
  negated.Neg();
  KMA_FUZZ_CHECK(negated.Cmp(q) == 0);

  // Rounding up (away from zero) to milli-units never moves towards zero past the value.
  const int64_t milli = q.MilliValue();
  if (q.Sign() > 0) KMA_FUZZ_CHECK(milli > 0);
  if (q.Sign() < 0) KMA_FUZZ_CHECK(milli < 0);
  (void)q.AsApproximateDouble();
  return 0;
}
