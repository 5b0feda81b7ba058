#pragma once
// The bearer token for requests: a fixed string, or a file re-read whenever it changes (projected service-account
// tokens are rotated by the kubelet roughly hourly while the process keeps running).

#include <filesystem>
#include <mutex>
#include <string>

#include "common/result.h"

namespace kube {

class TokenSource {
 public:
  TokenSource(std::string static_token, std::string token_file);

  // The current token ("" when none is configured). A file that cannot be read keeps the last good token, so a
  // rotation in progress does not fail requests; it is an error only when no token was ever read.
  common::Result<std::string> Token();
  // Forces the next Token() to re-read the file (after a 401, the token may have rotated).
  void Invalidate();

 private:
  std::string static_token_;
  std::string token_file_;
  std::mutex mu_;
  std::string cached_;
  bool loaded_ = false;
  std::filesystem::file_time_type mtime_{};
  std::uintmax_t size_ = 0;
};

}  // namespace kube
