#pragma once
// Certificate hot reload without threads or inotify: the owner (e.g. the API server) calls CheckForChange()
// periodically; when the cert or key file changed and the new pair validates, the new pair becomes current.

#include <chrono>
#include <optional>
#include <string>

#include "certs/certs.h"
#include "common/result.h"

namespace certs {

class CertificateReloader {
 public:
  CertificateReloader(std::string cert_file, std::string key_file);

  // Loads and validates the files now. Call once at start-up; an error means nothing is served.
  common::Status Load(TimePoint now);

  // Returns true when the files changed and the new pair is valid (it is now current()), false when nothing
  // changed. A changed but invalid pair is reported once as an error and the previous pair stays current;
  // the next change is examined again (a writer replacing cert then key produces one error, then success).
  common::Result<bool> CheckForChange(TimePoint now);

  // The pair last loaded successfully (empty before the first successful Load).
  const Bundle& current() const { return current_; }
  const std::string& cert_file() const { return cert_file_; }
  const std::string& key_file() const { return key_file_; }

 private:
  struct FileStamp {
    long long mtime_ns = -1;
    long long size = -1;
    unsigned long long inode = 0;
    bool operator==(const FileStamp&) const = default;
  };
  static FileStamp Stamp(const std::string& path);

  std::string cert_file_;
  std::string key_file_;
  FileStamp cert_stamp_;
  FileStamp key_stamp_;
  Bundle current_;
};

}  // namespace certs
