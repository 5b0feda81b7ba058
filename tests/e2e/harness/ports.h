#pragma once
// Free TCP ports on 127.0.0.1 for servers the tests start (each test its own, so tests can run in parallel).

#include <cstdint>

#include "common/result.h"

namespace e2e {

// A port that was free a moment ago (bound to port 0 and released). Errors: kUnavailable.
common::Result<uint16_t> PickFreePort();

}  // namespace e2e
