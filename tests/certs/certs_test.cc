#include "certs/certs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace certs {
namespace {

using std::chrono::hours;

TimePoint Now() { return std::chrono::system_clock::now(); }

Bundle MakeCa(const std::string& cn = "test-ca") {
  CaOptions options;
  options.subject.common_name = cn;
  auto ca = GenerateCa(options, Now());
  EXPECT_TRUE(ca.ok()) << (ca.ok() ? "" : ca.error().message);
  return ca.ok() ? *ca : Bundle{};
}

TEST(CertsTest, CaIsSelfSignedCa) {
  Bundle ca = MakeCa();
  ASSERT_NE(ca.cert_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  ASSERT_NE(ca.key_pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  auto info = ValidatePair(ca, Now());
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_TRUE(info->is_ca);
  EXPECT_EQ(info->subject.common_name, "test-ca");
  EXPECT_EQ(info->issuer.common_name, "test-ca");
  EXPECT_TRUE(VerifySignedBy(ca.cert_pem, ca.cert_pem, Now()).ok());
}

TEST(CertsTest, ServingCertHasSansAndChainsToCa) {
  Bundle ca = MakeCa();
  ServingOptions options;
  options.subject.common_name = "metrics-server";
  options.dns_names = {"metrics-server", "metrics-server.kube-system.svc"};
  options.ip_addresses = {"127.0.0.1", "::1"};
  auto serving = GenerateServing(ca, options, Now());
  ASSERT_TRUE(serving.ok()) << serving.error().message;
  auto info = ValidatePair(*serving, Now());
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_FALSE(info->is_ca);
  EXPECT_EQ(info->issuer.common_name, "test-ca");
  EXPECT_EQ(info->dns_names, options.dns_names);
  EXPECT_EQ(info->ip_addresses, (std::vector<std::string>{"127.0.0.1", "0:0:0:0:0:0:0:1"}));
  EXPECT_TRUE(VerifySignedBy(serving->cert_pem, ca.cert_pem, Now()).ok());
  auto other = MakeCa("other-ca");
  auto st = VerifySignedBy(serving->cert_pem, other.cert_pem, Now());
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, common::ErrorCode::kTls);
}

TEST(CertsTest, ClientCertCarriesUserAndGroups) {
  Bundle ca = MakeCa();
  ClientOptions options;
  options.subject.common_name = "front-proxy-client";
  options.subject.organizations = {"system:masters", "team-a"};
  auto client = GenerateClient(ca, options, Now());
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto info = InspectCertificate(client->cert_pem);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->subject.common_name, "front-proxy-client");
  EXPECT_EQ(info->subject.organizations, options.subject.organizations);
}

TEST(CertsTest, RsaKeysWork) {
  CaOptions options;
  options.subject.common_name = "rsa-ca";
  options.key_type = KeyType::kRsa2048;
  auto ca = GenerateCa(options, Now());
  ASSERT_TRUE(ca.ok()) << ca.error().message;
  ClientOptions client;
  client.subject.common_name = "u";
  client.key_type = KeyType::kRsa2048;
  auto cert = GenerateClient(*ca, client, Now());
  ASSERT_TRUE(cert.ok());
  EXPECT_TRUE(ValidatePair(*cert, Now()).ok());
}

TEST(CertsTest, RejectsBadInput) {
  Bundle ca = MakeCa();
  ServingOptions no_names;
  no_names.subject.common_name = "x";
  EXPECT_EQ(GenerateServing(ca, no_names, Now()).error().code, common::ErrorCode::kInvalidArgument);

  ServingOptions bad_ip;
  bad_ip.subject.common_name = "x";
  bad_ip.ip_addresses = {"not-an-ip"};
  auto r = GenerateServing(ca, bad_ip, Now());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not-an-ip"), std::string::npos);

  CaOptions no_cn;
  EXPECT_FALSE(GenerateCa(no_cn, Now()).ok());

  // A leaf certificate cannot act as a CA.
  ClientOptions client;
  client.subject.common_name = "leaf";
  auto leaf = GenerateClient(ca, client, Now());
  ASSERT_TRUE(leaf.ok());
  auto signed_by_leaf = GenerateClient(*leaf, client, Now());
  ASSERT_FALSE(signed_by_leaf.ok());
  EXPECT_NE(signed_by_leaf.error().message.find("not a CA"), std::string::npos);
}

TEST(CertsTest, ValidatePairExplainsProblems) {
  Bundle ca = MakeCa();
  ClientOptions options;
  options.subject.common_name = "short-lived";
  options.validity = hours(2);
  auto cert = GenerateClient(ca, options, Now());
  ASSERT_TRUE(cert.ok());

  auto expired = ValidatePair(*cert, Now() + hours(3));
  ASSERT_FALSE(expired.ok());
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos) << expired.error().message;

  auto early = ValidatePair(*cert, Now() - hours(5));
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.error().message.find("not valid before"), std::string::npos);

  auto mismatch = ValidatePair(Bundle{cert->cert_pem, ca.key_pem}, Now());
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message.find("does not match"), std::string::npos);

  auto not_pem = ValidatePair(Bundle{"hello", cert->key_pem}, Now());
  ASSERT_FALSE(not_pem.ok());
  EXPECT_NE(not_pem.error().message.find("not PEM"), std::string::npos);

  auto corrupt =
      ValidatePair(Bundle{"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", cert->key_pem}, Now());
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.error().code, common::ErrorCode::kInvalidArgument);
}

TEST(CertsTest, WriteBundleUsesSafeModes) {
  const auto dir = std::filesystem::temp_directory_path() / ("certs_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  Bundle ca = MakeCa();
  ASSERT_TRUE(WriteBundle((dir / "nested").string(), "ca", ca).ok());
  struct stat key_stat {
  }, cert_stat{};
  ASSERT_EQ(::stat((dir / "nested" / "ca.key").c_str(), &key_stat), 0);
  ASSERT_EQ(::stat((dir / "nested" / "ca.crt").c_str(), &cert_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
  EXPECT_EQ(cert_stat.st_mode & 0777, 0644u);
  auto read = ReadBundle((dir / "nested" / "ca.crt").string(), (dir / "nested" / "ca.key").string());
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->cert_pem, ca.cert_pem);
  EXPECT_EQ(read->key_pem, ca.key_pem);
  EXPECT_EQ(ReadBundle((dir / "missing.crt").string(), "x").error().code, common::ErrorCode::kNotFound);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace certs
