#pragma once
// Errors are values at every I/O boundary: Result<T> holds either a T or an Error (expected-style; std::expected
// needs C++23, which the clang used for fuzzing cannot compile with this libstdc++).

#include <string>
#include <utility>
#include <variant>

namespace common {

enum class ErrorCode {
  kInvalidArgument,   // malformed input: bad flag, bad selector, unparsable body
  kNotFound,
  kAlreadyExists,
  kConflict,          // resourceVersion mismatch (HTTP 409)
  kGone,              // watch resourceVersion too old (HTTP 410)
  kUnauthorized,      // 401
  kForbidden,         // 403
  kTooLarge,          // size cap exceeded
  kTimeout,
  kUnavailable,       // connection refused / reset / 5xx / 429
  kTls,               // handshake or verification failure
  kInternal,
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  int http_status = 0;  // when the error came from an HTTP response, its status code
  std::string reason;   // the Kubernetes Status reason ("NotFound", "AlreadyExists", "Expired"...), when known

  static Error Make(ErrorCode code, std::string message, int http_status = 0) {
    return Error{code, std::move(message), http_status};
  }
};

const char* ErrorCodeName(ErrorCode code);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}     // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

// Result<void> equivalent.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  static Status Ok() { return Status(); }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace common
