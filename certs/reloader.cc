#include "certs/reloader.h"

#include <sys/stat.h>

#include <utility>

namespace certs {

CertificateReloader::CertificateReloader(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

CertificateReloader::FileStamp CertificateReloader::Stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return FileStamp{};
  FileStamp s;
  s.mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  s.size = static_cast<long long>(st.st_size);
  s.inode = static_cast<unsigned long long>(st.st_ino);
  return s;
}

common::Status CertificateReloader::Load(TimePoint now) {
  FileStamp cert_stamp = Stamp(cert_file_);
  FileStamp key_stamp = Stamp(key_file_);
  auto bundle = ReadBundle(cert_file_, key_file_);
  if (!bundle.ok()) return bundle.error();
  auto valid = ValidatePair(*bundle, now);
  if (!valid.ok()) {
    return common::Error::Make(valid.error().code, cert_file_ + " / " + key_file_ + ": " + valid.error().message);
  }
  current_ = std::move(bundle).value();
  cert_stamp_ = cert_stamp;
  key_stamp_ = key_stamp;
  return common::Status::Ok();
}

common::Result<bool> CertificateReloader::CheckForChange(TimePoint now) {
  // Inode is part of the stamp because tools (kubelet projected volumes, our WriteBundle) replace files by
  // rename, which can keep mtime and size identical.
  FileStamp cert_stamp = Stamp(cert_file_);
  FileStamp key_stamp = Stamp(key_file_);
  if (cert_stamp == cert_stamp_ && key_stamp == key_stamp_) return false;
  cert_stamp_ = cert_stamp;
  key_stamp_ = key_stamp;
  auto bundle = ReadBundle(cert_file_, key_file_);
  if (!bundle.ok()) return bundle.error();
  auto valid = ValidatePair(*bundle, now);
  if (!valid.ok()) {
    return common::Error::Make(valid.error().code, cert_file_ + " / " + key_file_ + ": " + valid.error().message);
  }
  if (bundle->cert_pem == current_.cert_pem && bundle->key_pem == current_.key_pem) return false;
  current_ = std::move(bundle).value();
  return true;
}

}  // namespace certs
