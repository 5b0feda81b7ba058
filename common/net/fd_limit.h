#pragma once
// The sandbox listens on thousands of loopback addresses and the metrics-server keeps thousands of kubelet
// connections open; both need more descriptors than the usual soft limit of 1024.

#include <cstdint>

#include "common/result.h"

namespace net {

// Raises the soft RLIMIT_NOFILE to the hard limit. Returns the new soft limit.
common::Result<uint64_t> RaiseOpenFileLimit();

}  // namespace net
