#include "certs/reloader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace certs {
namespace {

class ReloaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("reloader_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    CaOptions ca_options;
    ca_options.subject.common_name = "ca";
    auto ca = GenerateCa(ca_options, std::chrono::system_clock::now());
    ASSERT_TRUE(ca.ok());
    ca_ = *ca;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Bundle Serving(const std::string& cn) {
    ServingOptions options;
    options.subject.common_name = cn;
    options.dns_names = {"localhost"};
    auto b = GenerateServing(ca_, options, std::chrono::system_clock::now());
    EXPECT_TRUE(b.ok());
    return *b;
  }
  std::string CertFile() const { return (dir_ / "tls.crt").string(); }
  std::string KeyFile() const { return (dir_ / "tls.key").string(); }

  std::filesystem::path dir_;
  Bundle ca_;
};

TEST_F(ReloaderTest, DetectsReplacementAndKeepsOldPairOnBadFiles) {
  const auto now = std::chrono::system_clock::now();
  Bundle first = Serving("first");
  ASSERT_TRUE(WriteBundle(dir_.string(), "tls", first).ok());
  CertificateReloader reloader(CertFile(), KeyFile());
  ASSERT_TRUE(reloader.Load(now).ok());
  EXPECT_EQ(reloader.current().cert_pem, first.cert_pem);

  auto unchanged = reloader.CheckForChange(now);
  ASSERT_TRUE(unchanged.ok());
  EXPECT_FALSE(*unchanged);

  Bundle second = Serving("second");
  ASSERT_TRUE(WriteBundle(dir_.string(), "tls", second).ok());
  auto changed = reloader.CheckForChange(now);
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_TRUE(*changed);
  EXPECT_EQ(reloader.current().cert_pem, second.cert_pem);

  // Half-written rotation: a new certificate next to the old key is reported once, the old pair stays.
  Bundle third = Serving("third");
  { std::ofstream(CertFile(), std::ios::trunc) << third.cert_pem; }
  auto mismatch = reloader.CheckForChange(now);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message.find("does not match"), std::string::npos);
  EXPECT_EQ(reloader.current().cert_pem, second.cert_pem);
  auto quiet = reloader.CheckForChange(now);
  ASSERT_TRUE(quiet.ok());
  EXPECT_FALSE(*quiet);

  { std::ofstream(KeyFile(), std::ios::trunc) << third.key_pem; }
  auto completed = reloader.CheckForChange(now);
  ASSERT_TRUE(completed.ok()) << completed.error().message;
  EXPECT_TRUE(*completed);
  EXPECT_EQ(reloader.current().cert_pem, third.cert_pem);
}

TEST_F(ReloaderTest, LoadFailsClearlyWhenFilesAreMissing) {
  CertificateReloader reloader(CertFile(), KeyFile());
  auto st = reloader.Load(std::chrono::system_clock::now());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, common::ErrorCode::kNotFound);
  auto check = reloader.CheckForChange(std::chrono::system_clock::now());
  EXPECT_TRUE(check.ok());  // nothing exists and nothing changed
}

}  // namespace
}  // namespace certs
