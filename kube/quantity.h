#pragma once
// kube::Quantity: Kubernetes resource.Quantity (k8s.io/apimachinery/pkg/api/resource) with the same parsing,
// rounding and canonical string form, so values we serve compare byte-for-byte with what kubectl and the real
// components print.
//
// Representation: an exact decimal `mantissa * 10^exponent` with a 128-bit mantissa. Parsed values are rounded
// up (away from zero) to a multiple of 1n, as upstream does, so the exponent is always >= -9. int64 values at any
// scale fit without loss; the 128-bit mantissa is the "wider" path for sums and for inputs such as
// "123456789012345678901234" that upstream keeps in an inf.Dec. Inputs needing more than 38 significant digits
// are rejected (upstream would accept them; nothing real uses them).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kube {

class Quantity {
 public:
  // How the canonical string is rendered (upstream's resource.Format).
  enum class Format : uint8_t {
    kDecimalExponent,  // 12e6
    kBinarySI,         // 12Mi
    kDecimalSI,        // 12M, 500m
  };

  // Longest string ToString()/FormatTo() can produce for non-cached values (sign, 39 digits, "e-2147483648").
  static constexpr size_t kMaxFormattedSize = 64;

  Quantity() = default;  // zero, DecimalSI

  // Parses every form upstream's ParseQuantity accepts ("100m", "1.5Gi", "12e6", "+1k", ".5", ...). Errors carry
  // upstream's messages (e.g. "quantities must match the regular expression ...").
  static common::Result<Quantity> Parse(std::string_view text);

  static Quantity FromMilli(int64_t millis, Format format = Format::kDecimalSI);
  // value * 10^scale; scale -9 is nano. Scales below -9 are rounded up (away from zero) to 1n like parsing does.
  static Quantity FromScaled(int64_t value, int scale, Format format = Format::kDecimalSI);
  static Quantity FromBytes(int64_t bytes, Format format = Format::kBinarySI);
  // NewQuantity(value, format): an integer in the given format.
  static Quantity FromInt(int64_t value, Format format = Format::kDecimalSI) { return FromScaled(value, 0, format); }

  // Value rounded up (away from zero) to an integer multiple of 10^scale, saturating at int64 limits.
  int64_t ScaledValue(int scale) const;
  int64_t Value() const { return ScaledValue(0); }
  int64_t MilliValue() const { return ScaledValue(-3); }
  double AsApproximateDouble() const;

  bool IsZero() const { return mantissa_ == 0; }
  int Sign() const { return mantissa_ > 0 ? 1 : (mantissa_ < 0 ? -1 : 0); }
  Format format() const { return format_; }

  // Three-way comparison of the numeric values (format and spelling are ignored, as upstream's Cmp/Equal do).
  int Cmp(const Quantity& other) const;
  friend bool operator==(const Quantity& a, const Quantity& b) { return a.Cmp(b) == 0; }
  friend bool operator<(const Quantity& a, const Quantity& b) { return a.Cmp(b) < 0; }
  friend bool operator<=(const Quantity& a, const Quantity& b) { return a.Cmp(b) <= 0; }
  friend bool operator>(const Quantity& a, const Quantity& b) { return a.Cmp(b) > 0; }
  friend bool operator>=(const Quantity& a, const Quantity& b) { return a.Cmp(b) >= 0; }

  // Exact arithmetic. Like upstream, a zero receiver adopts the other operand's format. Results beyond the 128-bit
  // range saturate (unreachable with real resource values).
  void Add(const Quantity& other);
  void Sub(const Quantity& other);
  void Neg();

  // Upstream's String(): the original spelling when ParseQuantity deemed it canonical (e.g. "1E3", "+1k"),
  // otherwise the canonical form ("1.5" -> "1500m", "0.5Gi" -> "512Mi"). Allocates only the result string.
  std::string ToString() const;
  // Appends ToString() to *out without temporary allocations (for JSON writers building large bodies).
  void AppendTo(std::string* out) const;
  // Writes the canonical form (ignoring any cached spelling) into buf, which must hold kMaxFormattedSize bytes;
  // returns the length. Never allocates.
  size_t FormatCanonical(char* buf) const;

 private:
  Quantity(__int128 mantissa, int32_t exponent, Format format) : mantissa_(mantissa), exponent_(exponent), format_(format) {}
  void Normalize();

  __int128 mantissa_ = 0;
  int32_t exponent_ = 0;
  Format format_ = Format::kDecimalSI;
  // Upstream keeps the input string when it was already canonical; String() and JSON return it verbatim.
  std::string original_;
};

}  // namespace kube
