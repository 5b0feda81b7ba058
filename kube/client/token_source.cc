#include "kube/client/token_source.h"

#include <fstream>
#include <sstream>

namespace kube {

TokenSource::TokenSource(std::string static_token, std::string token_file)
    : static_token_(std::move(static_token)), token_file_(std::move(token_file)) {}

common::Result<std::string> TokenSource::Token() {
  // A token file wins over a literal token, as in client-go (the file is the rotating source of truth).
  if (token_file_.empty()) return static_token_;
  std::lock_guard<std::mutex> lock(mu_);
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(token_file_, ec);
  std::uintmax_t size = ec ? 0 : std::filesystem::file_size(token_file_, ec);
  if (ec) {
    if (loaded_) return cached_;
    if (!static_token_.empty()) return static_token_;
    return common::Error::Make(common::ErrorCode::kUnauthorized,
                               "cannot read token file " + token_file_ + ": " + ec.message());
  }
  if (loaded_ && mtime == mtime_ && size == size_) return cached_;
  std::ifstream in(token_file_, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    if (loaded_) return cached_;
    return common::Error::Make(common::ErrorCode::kUnauthorized, "cannot read token file " + token_file_);
  }
  std::string token = text.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  cached_ = std::move(token);
  loaded_ = true;
  mtime_ = mtime;
  size_ = size;
  return cached_;
}

void TokenSource::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  size_ = static_cast<std::uintmax_t>(-1);
}

}  // namespace kube
