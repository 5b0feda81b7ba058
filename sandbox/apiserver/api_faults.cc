#include "sandbox/apiserver/api_faults.h"

#include <charconv>
#include <cstdlib>

#include "common/duration.h"

namespace sandbox {
namespace {

using common::Error;
using common::ErrorCode;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

std::optional<int> ToInt(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> ToDouble(std::string_view s) {
  // std::from_chars for double is not in GCC 12's libstdc++ for every target; strtod on a copy is enough here.
  std::string copy(s);
  char* end = nullptr;
  double v = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\r') ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

common::Status ParseKind(std::string_view word, ApiFault& f) {
  const size_t colon = word.find(':');
  const std::string_view name = word.substr(0, colon);
  const std::optional<std::string_view> arg =
      colon == std::string_view::npos ? std::nullopt : std::optional(word.substr(colon + 1));
  if (name == "drop-watches") {
    f.kind = ApiFaultKind::kDropWatches;
    if (arg) {
      auto d = common::ParseDuration(*arg);
      if (!d.ok() || d->count() < 0) return Invalid("drop-watches:" + std::string(*arg) + ": want a duration");
      f.watch_lifetime = duration_cast<milliseconds>(*d);
    }
    return common::Status::Ok();
  }
  if (name == "down") {
    if (arg) return Invalid("down takes no argument (use for=DURATION)");
    f.kind = ApiFaultKind::kDown;
    return common::Status::Ok();
  }
  auto code = ToInt(name);
  if (code == 429) {
    f.kind = ApiFaultKind::kThrottle;
    f.code = 429;
    if (arg) {
      auto seconds = ToInt(*arg);
      if (!seconds || *seconds < 0 || *seconds > 3600) {
        return Invalid("429:" + std::string(*arg) + ": want Retry-After seconds (0..3600)");
      }
      f.retry_after = std::chrono::seconds(*seconds);
    }
    return common::Status::Ok();
  }
  if (code && *code >= 500 && *code <= 599) {
    if (arg) return Invalid(std::string(name) + " takes no argument");
    f.kind = ApiFaultKind::kError;
    f.code = *code;
    return common::Status::Ok();
  }
  return Invalid("unknown fault \"" + std::string(word) +
                 "\" (want 5xx, 429[:SECONDS], drop-watches[:DURATION] or down)");
}

}  // namespace

common::Result<ApiFault> ParseApiFault(std::string_view text) {
  auto words = Words(text);
  if (words.empty()) return Invalid("empty fault");
  ApiFault f;
  // The stored text is the words alone, so listings read the same however the line was spaced.
  for (size_t i = 0; i < words.size(); ++i) f.text += (i ? " " : "") + std::string(words[i]);
  if (auto s = ParseKind(words[0], f); !s.ok()) return s.error();
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string_view w = words[i];
    const size_t eq = w.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Invalid("\"" + std::string(w) + "\": want KEY=VALUE (resource, verb, user, ratio, for)");
    }
    const std::string_view key = w.substr(0, eq);
    const std::string_view value = w.substr(eq + 1);
    if (key == "resource") {
      f.resource = value;
    } else if (key == "verb") {
      f.verb = value;
    } else if (key == "user") {
      f.user = value;
    } else if (key == "ratio") {
      auto r = ToDouble(value);
      if (!r || !(*r > 0 && *r <= 1)) return Invalid("ratio=" + std::string(value) + ": want a number in (0, 1]");
      f.ratio = *r;
    } else if (key == "for") {
      auto d = common::ParseDuration(value);
      if (!d.ok() || d->count() <= 0) return Invalid("for=" + std::string(value) + ": want a positive duration");
      f.duration = duration_cast<milliseconds>(*d);
    } else {
      return Invalid("unknown key \"" + std::string(key) + "\" (want resource, verb, user, ratio, for)");
    }
  }
  if (f.kind == ApiFaultKind::kDown) {
    if (!f.duration) return Invalid("down needs for=DURATION: nothing could bring the server back otherwise");
    if (!f.resource.empty() || !f.verb.empty() || !f.user.empty() || f.ratio != 1.0) {
      return Invalid("down takes no filters: the whole server goes away");
    }
  }
  return f;
}

common::Result<std::vector<ApiFault>> ParseApiFaults(std::string_view text) {
  std::vector<ApiFault> faults;
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    if (Words(line).empty()) continue;
    auto f = ParseApiFault(line);
    if (!f.ok()) return Invalid("line " + std::to_string(line_number) + ": " + f.error().message);
    faults.push_back(std::move(*f));
  }
  return faults;
}

void ApiFaultSet::Replace(std::vector<ApiFault> faults, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
  for (auto& f : faults) {
    std::optional<Clock::time_point> expires;
    if (f.duration) expires = now + *f.duration;
    faults_.push_back({std::move(f), expires});
  }
}

void ApiFaultSet::Add(ApiFault fault, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<Clock::time_point> expires;
  if (fault.duration) expires = now + *fault.duration;
  faults_.push_back({std::move(fault), expires});
}

void ApiFaultSet::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

bool ApiFaultSet::Matches(const ApiFault& f, const FaultRequest& r) {
  return (f.resource.empty() || f.resource == r.resource) && (f.verb.empty() || f.verb == r.verb) &&
         (f.user.empty() || f.user == r.user);
}

bool ApiFaultSet::Picked(Installed& f) {
  const bool picked =
      f.fault.ratio >= 1.0 || std::uniform_real_distribution<double>(0.0, 1.0)(random_) < f.fault.ratio;
  if (picked) ++f.hits;
  return picked;
}

std::optional<ApiFault> ApiFaultSet::Answering(const FaultRequest& request, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Installed& i : faults_) {
    const ApiFault& f = i.fault;
    if (f.kind != ApiFaultKind::kError && f.kind != ApiFaultKind::kThrottle) continue;
    if (!Active(i, now) || !Matches(f, request)) continue;
    if (Picked(i)) return f;
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> ApiFaultSet::WatchLifetime(const FaultRequest& request,
                                                                     Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Installed& i : faults_) {
    const ApiFault& f = i.fault;
    if (f.kind != ApiFaultKind::kDropWatches || !Active(i, now) || !Matches(f, request)) continue;
    if (Picked(i)) return f.watch_lifetime;
  }
  return std::nullopt;
}

std::optional<ApiFaultSet::Clock::time_point> ApiFaultSet::DownUntil(Clock::time_point now) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<Clock::time_point> until;
  for (const Installed& i : faults_) {
    if (i.fault.kind != ApiFaultKind::kDown || !Active(i, now)) continue;
    if (!until || *i.expires > *until) until = i.expires;
  }
  return until;
}

std::string ApiFaultSet::Describe(Clock::time_point now) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const Installed& i : faults_) {
    if (!Active(i, now)) continue;
    out += i.fault.text;
    if (i.expires) {
      auto left = std::chrono::duration_cast<std::chrono::seconds>(*i.expires - now).count();
      out += " (" + std::to_string(left) + "s left)";
    }
    out += " hits=" + std::to_string(i.hits) + "\n";
  }
  return out;
}

}  // namespace sandbox
