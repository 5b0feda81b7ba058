#include "kube/quantity.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace kube {
namespace {

using i128 = __int128;
using u128 = unsigned __int128;

constexpr i128 kMaxI128 = static_cast<i128>(~u128{0} >> 1);
constexpr i128 kMinI128 = -kMaxI128 - 1;
// A mantissa holds at most this many decimal digits without overflow (10^38 < 2^127).
constexpr int kMaxDigits = 38;
constexpr int kNanoScale = -9;
constexpr size_t kMaxInputSize = 512;

// Upstream's error texts, so users see the same message as from kubectl.
constexpr const char* kErrFormatWrong =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr const char* kErrNumeric = "unable to parse numeric part of quantity";
constexpr const char* kErrSuffix = "unable to parse quantity's suffix";

common::Error ParseError(const char* what) { return common::Error::Make(common::ErrorCode::kInvalidArgument, what); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

u128 Pow10(int n) {  // n in [0, 38]
  u128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

u128 AbsU(i128 v) { return v < 0 ? u128(0) - u128(v) : u128(v); }

int DigitCount(u128 v) {
  if (v <= std::numeric_limits<uint64_t>::max()) {
    uint64_t w = static_cast<uint64_t>(v);
    int n = 1;
    while (w >= 10) {
      w /= 10;
      ++n;
    }
    return n;
  }
  int n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

// Writes the decimal digits of v to out; returns the count.
size_t WriteDigits(u128 v, char* out) {
  char tmp[40];
  size_t n = 0;
  if (v <= std::numeric_limits<uint64_t>::max()) {
    uint64_t w = static_cast<uint64_t>(v);
    do {
      tmp[n++] = static_cast<char>('0' + w % 10);
      w /= 10;
    } while (w != 0);
  } else {
    do {
      tmp[n++] = static_cast<char>('0' + static_cast<int>(v % 10));
      v /= 10;
    } while (v != 0);
  }
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

size_t WriteInt(int64_t v, char* out) {
  size_t n = 0;
  if (v < 0) out[n++] = '-';
  return n + WriteDigits(AbsU(v), out + n);
}

// Minimal unsigned big integer for the one path that needs it: binary suffixes with fractions or many digits
// ("1.3333333333333333333333Gi"), where digits * 2^60 can exceed 128 bits before rounding to nano.
class BigUnsigned {
 public:
  void MulAdd(uint32_t mul, uint32_t add) {
    uint64_t carry = add;
    for (uint32_t& limb : limbs_) {
      uint64_t cur = uint64_t(limb) * mul + carry;
      limb = static_cast<uint32_t>(cur);
      carry = cur >> 32;
    }
    if (carry != 0) limbs_.push_back(static_cast<uint32_t>(carry));
  }
  uint32_t DivSmall(uint32_t div) {  // returns the remainder
    uint64_t rem = 0;
    for (size_t i = limbs_.size(); i-- > 0;) {
      uint64_t cur = (rem << 32) | limbs_[i];
      limbs_[i] = static_cast<uint32_t>(cur / div);
      rem = cur % div;
    }
    while (!limbs_.empty() && limbs_.back() == 0) limbs_.pop_back();
    return static_cast<uint32_t>(rem);
  }
  bool IsZero() const { return limbs_.empty(); }
  // False when the value needs more than 127 bits.
  bool ToI128(i128* out) const {
    if (limbs_.size() > 4 || (limbs_.size() == 4 && (limbs_[3] & 0x80000000u))) return false;
    u128 v = 0;
    for (size_t i = limbs_.size(); i-- > 0;) v = (v << 32) | limbs_[i];
    *out = static_cast<i128>(v);
    return true;
  }

 private:
  std::vector<uint32_t> limbs_;  // little-endian base 2^32
};

// The pieces of upstream's parseQuantityString.
struct Lexed {
  bool positive = true;
  std::string_view num;    // integer digits without leading zeros; "0" if none
  std::string_view denom;  // fraction digits as written (may be empty)
  std::string_view suffix;
};

bool Lex(std::string_view str, Lexed* out) {
  size_t pos = 0;
  const size_t end = str.size();
  if (pos < end && (str[0] == '-' || str[0] == '+')) {
    out->positive = str[0] != '-';
    ++pos;
  }
  while (pos < end && str[pos] == '0') ++pos;
  if (pos >= end) {  // only zeros (or nothing) after the sign
    out->num = "0";
    return true;
  }
  size_t start = pos;
  while (pos < end && IsDigit(str[pos])) ++pos;
  out->num = pos == start ? std::string_view("0") : str.substr(start, pos - start);
  if (pos < end && str[pos] == '.') {
    ++pos;
    start = pos;
    while (pos < end && IsDigit(str[pos])) ++pos;
    out->denom = str.substr(start, pos - start);  // upstream accepts "1." and "1.G"
  }
  const size_t suffix_start = pos;
  while (pos < end && std::strchr("eEinumkKMGTP", str[pos]) != nullptr) ++pos;
  if (pos < end && (str[pos] == '-' || str[pos] == '+')) ++pos;
  while (pos < end && IsDigit(str[pos])) ++pos;
  if (pos != end) return false;
  out->suffix = str.substr(suffix_start);
  return true;
}

struct Suffix {
  int base = 10;
  int exponent = 0;
  Quantity::Format format = Quantity::Format::kDecimalSI;
};

bool InterpretSuffix(std::string_view s, Suffix* out) {
  using F = Quantity::Format;
  static constexpr struct {
    std::string_view text;
    int base;
    int exponent;
  } kTable[] = {
      {"", 10, 0},    {"n", 10, -9},  {"u", 10, -6},  {"m", 10, -3},  {"k", 10, 3},   {"M", 10, 6},
      {"G", 10, 9},   {"T", 10, 12},  {"P", 10, 15},  {"E", 10, 18},  {"Ki", 2, 10},  {"Mi", 2, 20},
      {"Gi", 2, 30},  {"Ti", 2, 40},  {"Pi", 2, 50},  {"Ei", 2, 60},
  };
  for (const auto& e : kTable) {
    if (e.text == s) {
      *out = Suffix{e.base, e.exponent, e.base == 2 ? F::kBinarySI : F::kDecimalSI};
      return true;
    }
  }
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    // strconv.ParseInt semantics: optional sign, at least one digit. Exponents beyond int32 are rejected rather
    // than truncated as upstream does.
    std::string_view digits = s.substr(1);
    bool negative = false;
    if (digits[0] == '+' || digits[0] == '-') {
      negative = digits[0] == '-';
      digits.remove_prefix(1);
    }
    if (digits.empty()) return false;
    int64_t v = 0;
    for (char c : digits) {
      if (!IsDigit(c)) return false;
      v = v * 10 + (c - '0');
      if (v > std::numeric_limits<int32_t>::max()) return false;
    }
    *out = Suffix{10, static_cast<int>(negative ? -v : v), F::kDecimalExponent};
    return true;
  }
  return false;
}

// Multiplies v by 10^n, saturating. n >= 0.
i128 ScaleUpSaturating(i128 v, int64_t n) {
  if (v == 0) return 0;
  for (int64_t i = 0; i < n; ++i) {
    i128 next;
    if (__builtin_mul_overflow(v, static_cast<i128>(10), &next)) return v > 0 ? kMaxI128 : kMinI128;
    v = next;
  }
  return v;
}

// Divides v by 10^n rounding away from zero (upstream's RoundUp). n >= 0.
i128 ScaleDownAwayFromZero(i128 v, int64_t n) {
  if (v == 0 || n == 0) return v;
  if (n > kMaxDigits) return v > 0 ? 1 : -1;
  const u128 div = Pow10(static_cast<int>(n));
  const u128 mag = AbsU(v);
  u128 q = mag / div;
  if (mag % div != 0) ++q;
  return v > 0 ? static_cast<i128>(q) : -static_cast<i128>(q);
}

}  // namespace

void Quantity::Normalize() {
  if (mantissa_ == 0) {
    exponent_ = 0;
    return;
  }
  // Trailing zeros move into the exponent so comparisons and formatting work on a unique representation.
  if (mantissa_ >= std::numeric_limits<int64_t>::min() && mantissa_ <= std::numeric_limits<int64_t>::max()) {
    int64_t m = static_cast<int64_t>(mantissa_);
    while (m % 10 == 0 && exponent_ < std::numeric_limits<int32_t>::max()) {
      m /= 10;
      ++exponent_;
    }
    mantissa_ = m;
    return;
  }
  while (mantissa_ % 10 == 0 && exponent_ < std::numeric_limits<int32_t>::max()) {
    mantissa_ /= 10;
    ++exponent_;
  }
}

common::Result<Quantity> Quantity::Parse(std::string_view str) {
  if (str.empty()) return ParseError(kErrFormatWrong);
  // Bounds the work on hostile input; real quantities are a few characters long.
  if (str.size() > kMaxInputSize) return ParseError(kErrNumeric);
  if (str == "0") {
    Quantity q;
    q.original_ = "0";
    return q;
  }
  Lexed lx;
  if (!Lex(str, &lx)) return ParseError(kErrFormatWrong);
  Suffix sfx;
  if (!InterpretSuffix(lx.suffix, &sfx)) return ParseError(kErrSuffix);

  Format format = sfx.format;
  bool keep_original = false;
  Quantity q;

  if (sfx.base == 10) {
    // Significant digits of num+denom; leading zeros of the fraction ("0.001") and trailing zeros carry no value.
    char digits[kMaxDigits + 1];
    int ndigits = 0;
    int64_t exp10 = int64_t{sfx.exponent} - static_cast<int64_t>(lx.denom.size());
    bool dropped_nonzero = false;
    // Upstream's int64 fast path (<= 18 digits, scale >= nano) keeps the input string when it is already
    // canonical: scale a multiple of 3, no leading zero and no "000" at the end of the digits.
    if (18 - static_cast<int64_t>(lx.num.size() + lx.denom.size()) >= 0 && exp10 >= kNanoScale) {
      const size_t total = lx.num.size() + lx.denom.size();
      auto char_at = [&](size_t i) { return i < lx.num.size() ? lx.num[i] : lx.denom[i - lx.num.size()]; };
      const bool ends_000 =
          total >= 3 && char_at(total - 1) == '0' && char_at(total - 2) == '0' && char_at(total - 3) == '0';
      keep_original = exp10 % 3 == 0 && !ends_000 && lx.num[0] != '0';
    }
    // Collect significant digits, rounding anything finer than 1n up (away from zero).
    std::string_view parts[2] = {lx.num, lx.denom};
    int64_t trailing_zeros = 0;
    bool started = false;
    // Position of each digit: the last digit has exponent exp10, so digit i (0-based over num+denom) has
    // exponent exp10 + (total - 1 - i).
    const int64_t total = static_cast<int64_t>(lx.num.size() + lx.denom.size());
    int64_t index = 0;
    for (std::string_view part : parts) {
      for (char c : part) {
        const int64_t digit_exp = exp10 + (total - 1 - index);
        ++index;
        if (!started && c == '0') continue;
        if (digit_exp < kNanoScale) {
          if (c != '0') dropped_nonzero = true;
          continue;
        }
        started = true;
        if (c == '0') {
          ++trailing_zeros;  // defer: zeros only count if followed by a non-zero digit
          continue;
        }
        if (ndigits + trailing_zeros + 1 > kMaxDigits) return ParseError(kErrNumeric);
        for (; trailing_zeros > 0; --trailing_zeros) digits[ndigits++] = '0';
        digits[ndigits++] = c;
      }
    }
    // The exponent of the last kept digit: every kept or deferred digit sits at or above nano.
    int64_t last_exp = std::max<int64_t>(exp10, kNanoScale) + trailing_zeros;
    i128 m = 0;
    for (int i = 0; i < ndigits; ++i) m = m * 10 + (digits[i] - '0');
    if (ndigits == 0) last_exp = kNanoScale;
    if (dropped_nonzero) {
      // Round up to the next nano: bring m to nano scale first.
      const int64_t shift = last_exp - kNanoScale;
      if (m != 0 && shift > 0) {
        if (shift + ndigits > kMaxDigits) return ParseError(kErrNumeric);
        m = ScaleUpSaturating(m, shift);
      }
      m += 1;
      last_exp = kNanoScale;
    }
    if (last_exp > std::numeric_limits<int32_t>::max() || last_exp < std::numeric_limits<int32_t>::min()) {
      return ParseError(kErrNumeric);
    }
    q = Quantity(lx.positive ? m : -m, static_cast<int32_t>(last_exp), format);
  } else {
    // Binary suffix: value = (num.denom) * 2^exponent.
    const bool fast = lx.denom.empty() &&
                      15 - static_cast<int>(lx.num.size()) - static_cast<int>(float(sfx.exponent) * 3 / 10) - 1 >= 0;
    bool low_bits_set = false;
    if (fast) {
      uint64_t v = 0;
      for (char c : lx.num) v = v * 10 + static_cast<uint64_t>(c - '0');
      low_bits_set = (v & 0x07) != 0;
    }
    // Round to nano: at most 9 fractional digits survive; any dropped non-zero digit rounds up.
    int64_t frac = static_cast<int64_t>(lx.denom.size());
    bool dropped_nonzero = false;
    bool fits = true;
    u128 value = 0;
    if (lx.num.size() + lx.denom.size() <= 18) {
      // digits < 10^18 < 2^60, so digits * 2^60 stays below 2^120: plain 128-bit arithmetic suffices.
      for (std::string_view part : {lx.num, lx.denom}) {
        for (char c : part) value = value * 10 + static_cast<unsigned>(c - '0');
      }
      value <<= sfx.exponent;
      for (; frac > 9; --frac) {
        if (value % 10 != 0) dropped_nonzero = true;
        value /= 10;
      }
      if (dropped_nonzero) value += 1;
    } else {
      BigUnsigned big;
      for (std::string_view part : {lx.num, lx.denom}) {
        for (char c : part) big.MulAdd(10, static_cast<uint32_t>(c - '0'));
      }
      for (int i = 0; i < sfx.exponent; i += 10) big.MulAdd(1024, 0);
      for (; frac > 9; --frac) {
        if (big.DivSmall(10) != 0) dropped_nonzero = true;
      }
      if (dropped_nonzero) big.MulAdd(1, 1);
      i128 v;
      fits = big.ToI128(&v);
      value = fits ? static_cast<u128>(v) : 0;
    }
    // Upstream caps binary quantities at 2^63-1 (the magnitude, so both signs).
    const i128 cap = static_cast<i128>(std::numeric_limits<int64_t>::max()) * static_cast<i128>(Pow10(frac));
    const i128 m = (!fits || value > static_cast<u128>(cap)) ? cap : static_cast<i128>(value);
    q = Quantity(lx.positive ? m : -m, static_cast<int32_t>(-frac), format);
    if (fast) {
      // Fast path (fits int64 unscaled): keeps BinarySI even for zero; keeps the text when the number is not a
      // multiple of 8.
      keep_original = low_bits_set;
    } else if (AbsU(m) < Pow10(frac)) {
      q.format_ = Format::kDecimalSI;  // below 1: upstream avoids binary rounding confusion
    }
  }
  q.Normalize();
  if (keep_original) q.original_.assign(str.data(), str.size());
  return q;
}

Quantity Quantity::FromMilli(int64_t millis, Format format) { return FromScaled(millis, -3, format); }

Quantity Quantity::FromScaled(int64_t value, int scale, Format format) {
  i128 m = value;
  int64_t exp = scale;
  if (exp < kNanoScale) {
    m = ScaleDownAwayFromZero(m, kNanoScale - exp);
    exp = kNanoScale;
  }
  Quantity q(m, static_cast<int32_t>(exp), format);
  q.Normalize();
  return q;
}

Quantity Quantity::FromBytes(int64_t bytes, Format format) { return FromScaled(bytes, 0, format); }

int64_t Quantity::ScaledValue(int scale) const {
  i128 v;
  if (exponent_ >= scale) {
    v = ScaleUpSaturating(mantissa_, int64_t{exponent_} - scale);
  } else {
    v = ScaleDownAwayFromZero(mantissa_, int64_t{scale} - exponent_);
  }
  if (v > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (v < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

double Quantity::AsApproximateDouble() const {
  const double base = static_cast<double>(mantissa_);
  if (exponent_ == 0) return base;
  return base * std::pow(10.0, exponent_);
}

int Quantity::Cmp(const Quantity& other) const {
  const int sa = Sign(), sb = other.Sign();
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  // Same sign: compare magnitudes by the position of the most significant digit, then aligned mantissas.
  const u128 ma = AbsU(mantissa_), mb = AbsU(other.mantissa_);
  const int64_t top_a = DigitCount(ma) + int64_t{exponent_};
  const int64_t top_b = DigitCount(mb) + int64_t{other.exponent_};
  int mag;
  if (top_a != top_b) {
    mag = top_a < top_b ? -1 : 1;
  } else {
    // Equal magnitude order: the shift is less than the digit count, so the aligned value fits.
    u128 a = ma, b = mb;
    if (exponent_ > other.exponent_) a *= Pow10(exponent_ - other.exponent_);
    if (other.exponent_ > exponent_) b *= Pow10(other.exponent_ - exponent_);
    mag = a == b ? 0 : (a < b ? -1 : 1);
  }
  return sa > 0 ? mag : -mag;
}

void Quantity::Add(const Quantity& other) {
  original_.clear();
  if (mantissa_ == 0) format_ = other.format_;
  if (other.mantissa_ == 0) return;
  if (mantissa_ == 0) {
    mantissa_ = other.mantissa_;
    exponent_ = other.exponent_;
    return;
  }
  const int32_t exp = std::min(exponent_, other.exponent_);
  const i128 a = ScaleUpSaturating(mantissa_, int64_t{exponent_} - exp);
  const i128 b = ScaleUpSaturating(other.mantissa_, int64_t{other.exponent_} - exp);
  i128 sum;
  if (__builtin_add_overflow(a, b, &sum)) sum = a > 0 ? kMaxI128 : kMinI128;
  mantissa_ = sum;
  exponent_ = exp;
  Normalize();
}

void Quantity::Sub(const Quantity& other) {
  Quantity neg = other;
  neg.Neg();
  Add(neg);
}

void Quantity::Neg() {
  original_.clear();
  mantissa_ = mantissa_ == kMinI128 ? kMaxI128 : -mantissa_;
}

size_t Quantity::FormatCanonical(char* buf) const {
  if (mantissa_ == 0) {
    buf[0] = '0';
    return 1;
  }
  size_t n = 0;
  if (mantissa_ < 0) buf[n++] = '-';
  const u128 mag = AbsU(mantissa_);

  Format format = format_;
  if (format == Format::kBinarySI) {
    // Small or fractional binary values print in decimal: upstream avoids rounding and confusion.
    if (int64_t{exponent_} + DigitCount(mag) <= 4 && Cmp(FromInt(1024)) < 0 && Cmp(FromInt(-1024)) > 0) {
      format = Format::kDecimalSI;
    } else if (exponent_ < 0 || int64_t{exponent_} + DigitCount(mag) > kMaxDigits) {
      format = Format::kDecimalSI;
    } else {
      u128 v = mag * Pow10(exponent_);
      int power = 0;
      while (power < 6 && (v & 1023) == 0) {
        v >>= 10;
        ++power;
      }
      n += WriteDigits(v, buf + n);
      static constexpr const char* kBinary[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
      for (const char* s = kBinary[power]; *s != '\0'; ++s) buf[n++] = *s;
      return n;
    }
  }

  // Decimal: exponent rounded down to a multiple of 3, the mantissa absorbing the difference.
  int64_t exp = exponent_;  // normalized: no trailing zeros in the mantissa
  int pad = static_cast<int>(((exp % 3) + 3) % 3);
  exp -= pad;
  n += WriteDigits(mag, buf + n);
  for (int i = 0; i < pad; ++i) buf[n++] = '0';
  if (format == Format::kDecimalExponent) {
    if (exp != 0) {
      buf[n++] = 'e';
      n += WriteInt(exp, buf + n);
    }
    return n;
  }
  static constexpr char kDecimal[] = {'n', 'u', 'm', '\0', 'k', 'M', 'G', 'T', 'P', 'E'};
  if (exp >= -9 && exp <= 18) {
    const char c = kDecimal[(exp + 9) / 3];
    if (c != '\0') buf[n++] = c;
  }
  // Beyond "E" upstream finds no suffix and prints the bare number (1e21 -> "1", kubectl v1.32 agrees); we match
  // it byte for byte rather than invent a spelling no other component would produce.
  return n;
}

std::string Quantity::ToString() const {
  if (!original_.empty()) return original_;
  char buf[kMaxFormattedSize];
  return std::string(buf, FormatCanonical(buf));
}

void Quantity::AppendTo(std::string* out) const {
  if (!original_.empty()) {
    out->append(original_);
    return;
  }
  char buf[kMaxFormattedSize];
  out->append(buf, FormatCanonical(buf));
}

}  // namespace kube
