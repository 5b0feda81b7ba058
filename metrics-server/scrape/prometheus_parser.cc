#include "metrics-server/scrape/prometheus_parser.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace metrics_server {

void NodeBatch::Clear() {
  node = ResourcePoint{};
  node_swap_bytes = 0;
  has_node_swap = false;
  scrape_error = 0;
  has_scrape_error = false;
  pods.clear();
  containers.clear();
  strings.clear();
  stats.lines = stats.samples = stats.unknown_samples = stats.invalid_lines = stats.first_error_line = 0;
  stats.first_error.clear();
}

namespace {

// Character classes of the exposition format: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names
// [a-zA-Z_][a-zA-Z0-9_]*. Lookup tables because these loops run over every byte of every line.
struct CharTables {
  std::array<bool, 256> name_start{};
  std::array<bool, 256> name_char{};
  std::array<bool, 256> label_start{};
  std::array<bool, 256> label_char{};
};

constexpr CharTables MakeCharTables() {
  CharTables t;
  for (int c = 0; c < 256; ++c) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    t.label_start[c] = alpha;
    t.label_char[c] = alpha || digit;
    t.name_start[c] = alpha || c == ':';
    t.name_char[c] = alpha || digit || c == ':';
  }
  return t;
}

constexpr CharTables kChars = MakeCharTables();

inline unsigned char U(char c) { return static_cast<unsigned char>(c); }
inline bool IsBlank(char c) { return c == ' ' || c == '\t'; }
inline const char* SkipBlanks(const char* p, const char* e) {
  while (p < e && IsBlank(*p)) ++p;
  return p;
}

// Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF), as Prometheus requires of label values.
bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* e = p + s.size();
  while (p < e) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (e - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += extra + 1;
  }
  return true;
}

// The text format defines three escapes in label values (\\, \", \n); Prometheus keeps any other backslash
// sequence as written, and so do we.
void Unescape(std::string_view raw, std::string* out) {
  out->clear();
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      char n = raw[i + 1];
      if (n == '\\' || n == '"') {
        out->push_back(n);
        ++i;
        continue;
      }
      if (n == 'n') {
        out->push_back('\n');
        ++i;
        continue;
      }
    }
    out->push_back(c);
  }
}

// Go's uint64(float64) conversions in upstream's decoder are undefined in C++ outside the target range, so every
// conversion is range-checked and an out-of-range value makes the line unusable.
bool ToUnsigned(double v, uint64_t* out) {
  if (!(v >= 0) || v >= 18446744073709551616.0) return false;  // also rejects NaN
  *out = static_cast<uint64_t>(v);
  return true;
}

bool ToSigned(double v, int64_t* out) {
  if (!(v > -9223372036854775808.0 && v < 9223372036854775808.0)) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

// Advances to the first '"' or '\\' in [p, e) (or e), OR-ing the skipped bytes into *high so that the caller
// knows whether UTF-8 validation is needed. Label values are most of a kubelet body, so this is the parser's
// hottest loop: 16 bytes at a time where SSE2 is available.
const char* ScanLabelValue(const char* p, const char* e, unsigned char* high) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  while (e - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const unsigned stop =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash))));
    const unsigned top = static_cast<unsigned>(_mm_movemask_epi8(v));  // bytes >= 0x80
    if (stop != 0) {
      const int k = __builtin_ctz(stop);
      if ((top & ((1u << k) - 1)) != 0) *high |= 0x80;
      return p + k;
    }
    if (top != 0) *high |= 0x80;
    p += 16;
  }
#endif
  for (; p < e; ++p) {
    const char c = *p;
    if (c == '"' || c == '\\') return p;
    *high |= U(c);
  }
  return p;
}

uint64_t HashPodKey(std::string_view namespace_name, std::string_view name) {
  std::hash<std::string_view> h;
  uint64_t a = h(namespace_name);
  uint64_t b = h(name);
  return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
}

// Clinger's fast path: a decimal whose digits fit in 2^53 and whose power of ten is at most 22 is exactly the
// correctly rounded quotient or product of two exact doubles, i.e. what from_chars would return, for a fraction
// of the cost. Anything else (long mantissas, big exponents, Inf, NaN) returns false and goes to from_chars.
bool FastDecimal(const char* p, const char* e, double* value) {
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  uint64_t mantissa = 0;
  int digits = 0;
  int exponent = 0;
  const char* start = p;
  while (p < e && *p >= '0' && *p <= '9') {
    mantissa = mantissa * 10 + static_cast<uint64_t>(*p++ - '0');
    if (++digits > 18) return false;
  }
  const bool had_integer = p != start;
  bool had_fraction = false;
  if (p < e && *p == '.') {
    ++p;
    while (p < e && *p >= '0' && *p <= '9') {
      mantissa = mantissa * 10 + static_cast<uint64_t>(*p++ - '0');
      --exponent;
      had_fraction = true;
      if (++digits > 18) return false;
    }
  }
  if (!had_integer && !had_fraction) return false;
  if (p < e && (*p == 'e' || *p == 'E')) {
    ++p;
    bool negative = false;
    if (p < e && (*p == '+' || *p == '-')) negative = *p++ == '-';
    if (p == e) return false;
    int exp = 0;
    while (p < e && *p >= '0' && *p <= '9') {
      exp = exp * 10 + (*p++ - '0');
      if (exp > 1000) return false;
    }
    exponent += negative ? -exp : exp;
  }
  if (p != e || mantissa > (uint64_t{1} << 53) || exponent < -22 || exponent > 22) return false;
  const double m = static_cast<double>(mantissa);
  *value = exponent < 0 ? m / kPow10[-exponent] : m * kPow10[exponent];
  return true;
}

}  // namespace

bool ParsePrometheusFloat(std::string_view token, double* value) {
  if (token.empty()) return false;
  const char* b = token.data();
  const char* e = b + token.size();
  bool negative = false;
  if (*b == '+' || *b == '-') {
    negative = *b == '-';
    ++b;
    if (b == e || *b == '+' || *b == '-') return false;
  }
  if (FastDecimal(b, e, value)) {
    if (negative) *value = -*value;
    return true;
  }
  // from_chars also takes "nan(payload)", which Go's ParseFloat does not.
  if ((*b == 'n' || *b == 'N') && std::memchr(b, '(', e - b) != nullptr) return false;
  double v = 0;
  auto [ptr, ec] = std::from_chars(b, e, v, std::chars_format::general);
  if (ec != std::errc() || ptr != e) return false;
  *value = negative ? -v : v;
  return true;
}

enum class PrometheusParser::Family : uint8_t {
  kUnknown,
  kContainerCpu,
  kContainerMemory,
  kContainerStartTime,
  kContainerSwap,
  kNodeCpu,
  kNodeMemory,
  kNodeSwap,
  kPodCpu,
  kPodMemory,
  kPodSwap,
  kScrapeError,
};

struct PrometheusParser::LineLabels {
  std::string_view namespace_name;
  std::string_view pod;
  std::string_view container;
};

namespace {

struct KnownFamily {
  std::string_view name;
  int family;  // PrometheusParser::Family, which is private
};

// The metrics of the kubelet's resource endpoint (k8s.io/kubernetes pkg/kubelet/metrics/collectors
// resource_metrics.go). "scrape_error" is the name kubelets before 1.18 used for resource_scrape_error.
constexpr std::array<KnownFamily, 12> kKnownFamilies{{
    {"container_cpu_usage_seconds_total", 1},
    {"container_memory_working_set_bytes", 2},
    {"container_start_time_seconds", 3},
    {"container_swap_usage_bytes", 4},
    {"node_cpu_usage_seconds_total", 5},
    {"node_memory_working_set_bytes", 6},
    {"node_swap_usage_bytes", 7},
    {"pod_cpu_usage_seconds_total", 8},
    {"pod_memory_working_set_bytes", 9},
    {"pod_swap_usage_bytes", 10},
    {"resource_scrape_error", 11},
    {"scrape_error", 11},
}};

}  // namespace

void PrometheusParser::Parse(std::string_view body, int64_t default_timestamp_ms, NodeBatch* out) {
  out->Clear();
  pod_slots_.assign(pod_slots_.empty() ? 64 : pod_slots_.size(), 0);
  pod_hashes_.clear();
  pod_first_child_.clear();
  container_next_.clear();
  container_pod_.clear();
  container_hint_ = 0;
  pod_hint_ = 0;
  last_name_ = {};
  last_family_ = Family::kUnknown;
  default_timestamp_ms_ = default_timestamp_ms;
  line_number_ = 0;

  // StrRef offsets are 32-bit; a body this large is refused long before by the client's size cap.
  if (body.size() >= std::numeric_limits<uint32_t>::max()) {
    line_number_ = 1;
    Fail("body larger than 4 GiB", out);
    return;
  }

  const char* p = body.data();
  const char* end = p + body.size();
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    const char* line_end = nl != nullptr ? nl : end;
    const char* content_end = line_end;
    if (content_end > p && content_end[-1] == '\r') --content_end;  // CRLF
    ++line_number_;
    ParseLine(std::string_view(p, content_end - p), out);
    p = nl != nullptr ? nl + 1 : end;
  }
  out->stats.lines = line_number_;
  Finish(out);
}

void PrometheusParser::Fail(std::string_view message, NodeBatch* out) {
  ParseStats& s = out->stats;
  if (s.invalid_lines++ == 0) {
    s.first_error_line = line_number_;
    s.first_error.assign(message);
  }
}

void PrometheusParser::ParseLine(std::string_view line, NodeBatch* out) {
  const char* p = line.data();
  const char* e = p + line.size();
  p = SkipBlanks(p, e);
  if (p == e) return;  // blank line

  if (*p == '#') {
    ++p;
    // Only "# HELP name text" and "# TYPE name type" have a syntax; any other comment is free text.
    if (p == e || !IsBlank(*p)) return;
    p = SkipBlanks(p, e);
    if (e - p < 5 || !IsBlank(p[4])) return;
    std::string_view keyword(p, 4);
    bool is_type = keyword == "TYPE";
    if (!is_type && keyword != "HELP") return;
    p = SkipBlanks(p + 4, e);
    if (p == e || !kChars.name_start[U(*p)]) return Fail("expected a metric name after HELP/TYPE", out);
    ++p;
    while (p < e && kChars.name_char[U(*p)]) ++p;
    if (p < e && !IsBlank(*p)) return Fail("invalid character in metric name", out);
    if (!is_type) return;
    p = SkipBlanks(p, e);
    while (e > p && IsBlank(e[-1])) --e;
    std::string_view type(p, e - p);
    if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" && type != "untyped") {
      return Fail("invalid metric type in TYPE line", out);
    }
    return;
  }

  if (!kChars.name_start[U(*p)]) return Fail("expected a metric name", out);
  Family family = Family::kUnknown;
  const size_t last_size = last_name_.size();
  if (last_size != 0 && static_cast<size_t>(e - p) > last_size && std::memcmp(p, last_name_.data(), last_size) == 0 &&
      !kChars.name_char[U(p[last_size])]) {
    // Series of one family are consecutive: most lines repeat the previous line's name.
    family = last_family_;
    p += last_size;
  } else {
    const char* name_begin = p++;
    while (p < e && kChars.name_char[U(*p)]) ++p;
    std::string_view name(name_begin, p - name_begin);
    for (const KnownFamily& known : kKnownFamilies) {
      if (known.name.size() == name.size() && known.name == name) {
        family = static_cast<Family>(known.family);
        break;
      }
    }
    last_name_ = name;
    last_family_ = family;
  }
  if (p < e && !IsBlank(*p) && *p != '{') return Fail("invalid character in metric name", out);

  LineLabels labels;
  p = SkipBlanks(p, e);
  if (p < e && *p == '{') {
    ++p;
    while (true) {
      p = SkipBlanks(p, e);
      if (p == e) return Fail("unterminated label set", out);
      if (*p == '}') {
        ++p;
        break;
      }
      if (!kChars.label_start[U(*p)]) return Fail("expected a label name", out);
      const char* label_begin = p++;
      while (p < e && kChars.label_char[U(*p)]) ++p;
      std::string_view label(label_begin, p - label_begin);
      p = SkipBlanks(p, e);
      if (p == e || *p != '=') return Fail("expected '=' after a label name", out);
      p = SkipBlanks(p + 1, e);
      if (p == e || *p != '"') return Fail("expected '\"' to open a label value", out);
      const char* value_begin = ++p;
      bool escaped = false;
      unsigned char high = 0;
      while (true) {
        p = ScanLabelValue(p, e, &high);
        if (p == e || *p == '"') break;
        escaped = true;  // *p is a backslash: skip it and the escaped byte
        if (++p == e) break;
        high |= U(*p++);
      }
      if (p == e) return Fail("unterminated label value", out);
      std::string_view value(value_begin, p - value_begin);
      ++p;  // closing quote
      if ((high & 0x80) != 0 && !IsValidUtf8(value)) return Fail("invalid UTF-8 in a label value", out);

      int slot = -1;
      if (label.size() == 3 && label == "pod") {
        slot = 1;
      } else if (label.size() == 9) {
        if (label == "namespace") slot = 0;
        else if (label == "container") slot = 2;
      }
      if (slot >= 0) {
        std::string_view* target = slot == 0 ? &labels.namespace_name : slot == 1 ? &labels.pod : &labels.container;
        if (target->data() != nullptr) return Fail("duplicate label name", out);
        if (escaped) {
          Unescape(value, &unescaped_[slot]);
          *target = unescaped_[slot];
        } else {
          // A non-null empty view, so that duplicates of an empty value are still detected.
          *target = value.empty() ? std::string_view(value_begin, 0) : value;
        }
      }

      p = SkipBlanks(p, e);
      if (p < e && *p == ',') {
        ++p;
        continue;
      }
      if (p < e && *p == '}') {
        ++p;
        break;
      }
      return Fail("expected ',' or '}' after a label value", out);
    }
    p = SkipBlanks(p, e);
  }

  const char* value_begin = p;
  while (p < e && !IsBlank(*p)) ++p;
  if (p == value_begin) return Fail("missing sample value", out);
  double value = 0;
  if (!ParsePrometheusFloat(std::string_view(value_begin, p - value_begin), &value)) {
    return Fail("invalid sample value", out);
  }

  int64_t timestamp_ms = default_timestamp_ms_;
  p = SkipBlanks(p, e);
  if (p < e) {
    bool negative = *p == '-';
    if (negative) ++p;
    if (p == e || *p < '0' || *p > '9') return Fail("invalid timestamp", out);
    uint64_t ts = 0;
    while (p < e && *p >= '0' && *p <= '9') {
      if (ts > (std::numeric_limits<int64_t>::max() - 9) / 10) return Fail("timestamp out of range", out);
      ts = ts * 10 + static_cast<uint64_t>(*p - '0');
      ++p;
    }
    if (SkipBlanks(p, e) != e) return Fail("unexpected text after the timestamp", out);
    timestamp_ms = negative ? -static_cast<int64_t>(ts) : static_cast<int64_t>(ts);
  }

  ++out->stats.samples;
  Apply(family, labels, value, timestamp_ms, out);
}

void PrometheusParser::Apply(Family family, const LineLabels& labels, double value, int64_t timestamp_ms,
                             NodeBatch* out) {
  if (family == Family::kUnknown) {
    ++out->stats.unknown_samples;
    return;
  }
  constexpr int64_t kMaxMillis = std::numeric_limits<int64_t>::max() / 1'000'000;
  if (timestamp_ms > kMaxMillis || timestamp_ms < -kMaxMillis) return Fail("timestamp out of range", out);
  const int64_t timestamp_ns = timestamp_ms * 1'000'000;

  // Convert first, so that an unusable value never creates an empty pod or container entry.
  uint64_t unsigned_value = 0;
  int64_t signed_value = 0;
  switch (family) {
    case Family::kContainerCpu:
    case Family::kNodeCpu:
    case Family::kPodCpu:
      if (!ToUnsigned(value * 1e9, &unsigned_value)) return Fail("cpu counter out of range", out);
      break;
    case Family::kContainerStartTime:
      if (!ToSigned(value * 1e9, &signed_value)) return Fail("start time out of range", out);
      break;
    case Family::kScrapeError:
      break;
    default:
      if (!ToUnsigned(value, &unsigned_value)) return Fail("byte count out of range", out);
      break;
  }

  switch (family) {
    case Family::kNodeCpu:
      out->node.cumulative_cpu_ns = unsigned_value;
      out->node.timestamp_ns = timestamp_ns;
      return;
    case Family::kNodeMemory:
      // Upstream takes the timestamp of the CPU line, falling back to the memory line's.
      out->node.memory_bytes = unsigned_value;
      if (out->node.timestamp_ns == 0) out->node.timestamp_ns = timestamp_ns;
      return;
    case Family::kNodeSwap:
      out->node_swap_bytes = unsigned_value;
      out->has_node_swap = true;
      return;
    case Family::kScrapeError:
      out->scrape_error = value;
      out->has_scrape_error = true;
      return;
    default:
      break;
  }

  if (labels.namespace_name.empty() || labels.pod.empty()) return Fail("missing namespace or pod label", out);
  const bool container_family = family == Family::kContainerCpu || family == Family::kContainerMemory ||
                                family == Family::kContainerStartTime || family == Family::kContainerSwap;
  if (container_family && labels.container.empty()) return Fail("missing container label", out);

  if (container_family) {
    // The kubelet lists every family's series in the same order, so after the first family the next line is
    // almost always the container after the one just matched: check it before hashing.
    uint32_t index = container_hint_;
    if (index < out->containers.size() && out->str(out->containers[index].name) == labels.container) {
      const PodSample& ps = out->pods[container_pod_[index]];
      if (out->str(ps.name) != labels.pod || out->str(ps.namespace_name) != labels.namespace_name) {
        index = UINT32_MAX;
      }
    } else {
      index = UINT32_MAX;
    }
    if (index == UINT32_MAX) {
      index = FindOrAddContainer(FindOrAddPod(labels.namespace_name, labels.pod, out), labels.container, out);
    }
    container_hint_ = index + 1;
    ApplyContainer(family, unsigned_value, signed_value, timestamp_ns, &out->containers[index]);
    return;
  }

  // Pod-level families list pods in (namespace, pod) order, which is also the order in which the container
  // families introduced them in the usual case; the same prediction applies.
  uint32_t pod = pod_hint_;
  if (pod >= out->pods.size() || out->str(out->pods[pod].name) != labels.pod ||
      out->str(out->pods[pod].namespace_name) != labels.namespace_name) {
    pod = FindOrAddPod(labels.namespace_name, labels.pod, out);
  }
  pod_hint_ = pod + 1;
  PodSample& ps = out->pods[pod];
  switch (family) {
    case Family::kPodCpu:
      ps.pod_level.cumulative_cpu_ns = unsigned_value;
      ps.pod_level.timestamp_ns = timestamp_ns;
      break;
    case Family::kPodMemory:
      ps.pod_level.memory_bytes = unsigned_value;
      if (ps.pod_level.timestamp_ns == 0) ps.pod_level.timestamp_ns = timestamp_ns;
      break;
    default:  // kPodSwap
      ps.swap_bytes = unsigned_value;
      ps.has_swap = true;
      break;
  }
}

void PrometheusParser::ApplyContainer(Family family, uint64_t unsigned_value, int64_t signed_value,
                                      int64_t timestamp_ns, ContainerSample* container) {
  ContainerSample& cs = *container;
  switch (family) {
    case Family::kContainerCpu:
      cs.point.cumulative_cpu_ns = unsigned_value;
      cs.point.timestamp_ns = timestamp_ns;
      break;
    case Family::kContainerMemory:
      cs.point.memory_bytes = unsigned_value;
      if (cs.point.timestamp_ns == 0) cs.point.timestamp_ns = timestamp_ns;
      break;
    case Family::kContainerStartTime:
      cs.point.start_time_ns = signed_value;
      break;
    default:  // kContainerSwap
      cs.swap_bytes = unsigned_value;
      cs.has_swap = true;
      break;
  }
}

namespace {

StrRef Append(std::string_view s, std::string* strings) {
  StrRef ref{static_cast<uint32_t>(strings->size()), static_cast<uint32_t>(s.size())};
  strings->append(s);
  return ref;
}

}  // namespace

void PrometheusParser::GrowPodIndex(const NodeBatch& out) {
  pod_slots_.assign(pod_slots_.size() * 2, 0);
  const size_t mask = pod_slots_.size() - 1;
  for (size_t i = 0; i < out.pods.size(); ++i) {
    size_t slot = pod_hashes_[i] & mask;
    while (pod_slots_[slot] != 0) slot = (slot + 1) & mask;
    pod_slots_[slot] = static_cast<uint32_t>(i + 1);
  }
}

uint32_t PrometheusParser::FindOrAddPod(std::string_view namespace_name, std::string_view name, NodeBatch* out) {
  const uint64_t hash = HashPodKey(namespace_name, name);
  if ((out->pods.size() + 1) * 2 > pod_slots_.size()) GrowPodIndex(*out);
  const size_t mask = pod_slots_.size() - 1;
  size_t slot = hash & mask;
  while (pod_slots_[slot] != 0) {
    uint32_t index = pod_slots_[slot] - 1;
    const PodSample& ps = out->pods[index];
    if (pod_hashes_[index] == hash && out->str(ps.name) == name && out->str(ps.namespace_name) == namespace_name) {
      return index;
    }
    slot = (slot + 1) & mask;
  }
  const auto index = static_cast<uint32_t>(out->pods.size());
  PodSample ps;
  ps.namespace_name = Append(namespace_name, &out->strings);
  ps.name = Append(name, &out->strings);
  out->pods.push_back(ps);
  pod_hashes_.push_back(hash);
  pod_first_child_.push_back(0);
  pod_slots_[slot] = index + 1;
  return index;
}

uint32_t PrometheusParser::FindOrAddContainer(uint32_t pod, std::string_view name, NodeBatch* out) {
  for (uint32_t c = pod_first_child_[pod]; c != 0; c = container_next_[c - 1]) {
    if (out->str(out->containers[c - 1].name) == name) return c - 1;
  }
  const auto index = static_cast<uint32_t>(out->containers.size());
  ContainerSample cs;
  cs.name = Append(name, &out->strings);
  out->containers.push_back(cs);
  container_next_.push_back(pod_first_child_[pod]);
  container_pod_.push_back(pod);
  pod_first_child_[pod] = index + 1;
  return index;
}

void PrometheusParser::Finish(NodeBatch* out) {
  // Lines arrive family by family, so a pod's containers are scattered; group them and sort everything so that
  // storage can merge a batch with its previous state in one linear pass.
  order_.resize(out->pods.size());
  std::iota(order_.begin(), order_.end(), 0u);
  std::sort(order_.begin(), order_.end(), [out](uint32_t a, uint32_t b) {
    const PodSample& pa = out->pods[a];
    const PodSample& pb = out->pods[b];
    int c = out->str(pa.namespace_name).compare(out->str(pb.namespace_name));
    if (c != 0) return c < 0;
    return out->str(pa.name) < out->str(pb.name);
  });
  pods_out_.clear();
  containers_out_.clear();
  for (uint32_t index : order_) {
    PodSample ps = out->pods[index];
    ps.first_container = static_cast<uint32_t>(containers_out_.size());
    for (uint32_t c = pod_first_child_[index]; c != 0; c = container_next_[c - 1]) {
      containers_out_.push_back(out->containers[c - 1]);
    }
    ps.container_count = static_cast<uint32_t>(containers_out_.size()) - ps.first_container;
    std::sort(containers_out_.begin() + ps.first_container, containers_out_.end(),
              [out](const ContainerSample& a, const ContainerSample& b) { return out->str(a.name) < out->str(b.name); });
    pods_out_.push_back(ps);
  }
  out->pods.swap(pods_out_);
  out->containers.swap(containers_out_);
}

}  // namespace metrics_server
