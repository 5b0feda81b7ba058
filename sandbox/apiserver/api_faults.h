#pragma once
// Fault injection for the sandbox's API server: what a real control plane does on a bad day, so tests can check
// that metrics-server and the autoscaler hold on and recover.
//
// A fault is one line of text, the same on the command line (kma-sandbox --apiserver-fault) and at run time
// (POST /sandbox/faults, one fault per line):
//
//   500                                  every request gets 500 InternalError (any 5xx code may be given)
//   429:5 verb=update                    updates get 429 TooManyRequests with Retry-After: 5
//   503 resource=pods ratio=0.5 for=30s  half the pod requests get 503, for 30 s
//   drop-watches                         open watches are cut now, and every new one after 1 s
//   drop-watches:200ms user=autoscaler   only that user's watches, cut 200 ms after they start
//   down for=60s                         the server goes away (connections refused) and comes back after 60 s
//
// Filters: resource= (plural, "deployments/scale" for a subresource), verb= (get, list, watch, create, update,
// patch, delete, deletecollection), user= (the authenticated user name); a request must match every filter given.
// ratio= (0..1] picks that fraction of matching requests at random; for= (a Go duration) makes the fault expire.
// `down` needs for=, or nothing could bring the server back.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace sandbox {

enum class ApiFaultKind { kError, kThrottle, kDropWatches, kDown };

struct ApiFault {
  ApiFaultKind kind = ApiFaultKind::kError;
  int code = 500;                                  // kError: 500..599; kThrottle: 429
  std::chrono::seconds retry_after{1};             // kThrottle
  std::chrono::milliseconds watch_lifetime{1000};  // kDropWatches: how long a new watch lives
  std::string resource;                            // filters; empty matches anything
  std::string verb;
  std::string user;
  double ratio = 1.0;
  std::optional<std::chrono::milliseconds> duration;  // for=
  std::string text;                                    // the line it was parsed from
};

// Errors: kInvalidArgument with what is wrong ("unknown fault \"x\"", "ratio=2: want a number in (0, 1]", ...).
common::Result<ApiFault> ParseApiFault(std::string_view text);
// One fault per non-blank line; '#' starts a comment.
common::Result<std::vector<ApiFault>> ParseApiFaults(std::string_view text);

// What a fault is matched against.
struct FaultRequest {
  std::string_view verb;
  std::string_view resource;  // "pods", "deployments/scale"; empty for non-resource requests (discovery)
  std::string_view user;
};

// The installed faults, with their expiry. Thread-safe. Time comes in as an argument so tests can drive it.
class ApiFaultSet {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ApiFaultSet(uint64_t seed = 1) : random_(seed) {}

  // Replaces every installed fault; durations count from `now`.
  void Replace(std::vector<ApiFault> faults, Clock::time_point now);
  void Add(ApiFault fault, Clock::time_point now);
  void Clear();

  // The error or throttle fault that answers this request instead of the server, if any (ratio applied).
  std::optional<ApiFault> Answering(const FaultRequest& request, Clock::time_point now);
  // How long a watch for this request may live, if a drop-watches fault applies.
  std::optional<std::chrono::milliseconds> WatchLifetime(const FaultRequest& request, Clock::time_point now);
  // Until when the server is away, if a down fault is active.
  std::optional<Clock::time_point> DownUntil(Clock::time_point now) const;

  // The active faults, one per line with the seconds left and how often each fired (answers given, watches
  // cut): "503 resource=pods for=30s (12s left) hits=41".
  std::string Describe(Clock::time_point now) const;

 private:
  struct Installed {
    ApiFault fault;
    std::optional<Clock::time_point> expires;
    uint64_t hits = 0;
  };
  static bool Active(const Installed& f, Clock::time_point now) { return !f.expires || now < *f.expires; }
  static bool Matches(const ApiFault& f, const FaultRequest& request);
  bool Picked(Installed& f);  // the ratio's coin, counting a hit; needs mu_

  mutable std::mutex mu_;
  std::vector<Installed> faults_;
  std::mt19937_64 random_;
};

}  // namespace sandbox
