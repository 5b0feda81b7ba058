// certs: creates a CA, serving certificates and client (front-proxy) certificates for the manifests and the
// sandbox.
//   certs ca      --out-dir D --cn NAME
//   certs serving --ca-dir D --out-dir D2 --cn NAME --dns a,b --ip 127.0.0.1
//   certs client  --ca-dir D --out-dir D3 --cn NAME --groups g1,g2
//   certs check   --cert F --key F
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "certs/certs.h"

namespace {

int Fail(const common::Error& error) {
  std::fprintf(stderr, "certs: %s\n", error.message.c_str());
  return 1;
}

common::Result<certs::Bundle> ReadCa(const std::string& ca_dir, const std::string& ca_name) {
  const std::filesystem::path dir(ca_dir);
  return certs::ReadBundle((dir / (ca_name + ".crt")).string(), (dir / (ca_name + ".key")).string());
}

int Write(const std::string& out_dir, const std::string& name, const certs::Bundle& bundle) {
  if (auto st = certs::WriteBundle(out_dir, name, bundle); !st.ok()) return Fail(st.error());
  const std::filesystem::path dir(out_dir);
  std::printf("wrote %s and %s\n", (dir / (name + ".crt")).c_str(), (dir / (name + ".key")).c_str());
  return 0;
}

std::chrono::hours Days(int days) { return std::chrono::hours(24LL * days); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Creates certificates for the metrics-server, the aggregator and the sandbox."};
  app.require_subcommand(1);

  std::string out_dir, ca_dir, cn, name, ca_name = "ca", cert_file, key_file;
  std::vector<std::string> dns, ips, groups;
  int days = 0;
  bool rsa = false;

  CLI::App* ca = app.add_subcommand("ca", "create a self-signed certificate authority");
  ca->add_option("--out-dir", out_dir, "directory for <name>.crt and <name>.key")->required();
  ca->add_option("--cn", cn, "subject common name")->required();
  ca->add_option("--name", name, "file name stem (default ca)");
  ca->add_option("--days", days, "validity in days (default 3650)");
  ca->add_flag("--rsa", rsa, "RSA 2048 key instead of ECDSA P-256");

  CLI::App* serving = app.add_subcommand("serving", "create a serving certificate signed by a CA");
  serving->add_option("--ca-dir", ca_dir, "directory holding ca.crt and ca.key")->required();
  serving->add_option("--ca-name", ca_name, "CA file name stem (default ca)");
  serving->add_option("--out-dir", out_dir, "directory for <name>.crt and <name>.key")->required();
  serving->add_option("--cn", cn, "subject common name")->required();
  serving->add_option("--dns", dns, "DNS subject alternative names")->delimiter(',');
  serving->add_option("--ip", ips, "IP subject alternative names")->delimiter(',');
  serving->add_option("--name", name, "file name stem (default tls)");
  serving->add_option("--days", days, "validity in days (default 365)");
  serving->add_flag("--rsa", rsa, "RSA 2048 key instead of ECDSA P-256");

  CLI::App* client = app.add_subcommand("client", "create a client certificate (CN = user, O = groups)");
  client->add_option("--ca-dir", ca_dir, "directory holding ca.crt and ca.key")->required();
  client->add_option("--ca-name", ca_name, "CA file name stem (default ca)");
  client->add_option("--out-dir", out_dir, "directory for <name>.crt and <name>.key")->required();
  client->add_option("--cn", cn, "user name")->required();
  client->add_option("--groups", groups, "groups (subject O entries)")->delimiter(',');
  client->add_option("--name", name, "file name stem (default client)");
  client->add_option("--days", days, "validity in days (default 365)");
  client->add_flag("--rsa", rsa, "RSA 2048 key instead of ECDSA P-256");

  CLI::App* check = app.add_subcommand("check", "validate a certificate/key pair and print its subject");
  check->add_option("--cert", cert_file, "certificate PEM file")->required();
  check->add_option("--key", key_file, "private key PEM file")->required();

  CLI11_PARSE(app, argc, argv);
  if (days < 0) return Fail(common::Error::Make(common::ErrorCode::kInvalidArgument, "--days must be positive"));

  const auto now = std::chrono::system_clock::now();
  const certs::KeyType key_type = rsa ? certs::KeyType::kRsa2048 : certs::KeyType::kEcdsaP256;

  if (*ca) {
    certs::CaOptions options;
    options.subject.common_name = cn;
    if (days > 0) options.validity = Days(days);
    options.key_type = key_type;
    auto bundle = certs::GenerateCa(options, now);
    if (!bundle.ok()) return Fail(bundle.error());
    return Write(out_dir, name.empty() ? "ca" : name, *bundle);
  }
  if (*serving) {
    auto authority = ReadCa(ca_dir, ca_name);
    if (!authority.ok()) return Fail(authority.error());
    certs::ServingOptions options;
    options.subject.common_name = cn;
    options.dns_names = dns;
    options.ip_addresses = ips;
    if (days > 0) options.validity = Days(days);
    options.key_type = key_type;
    auto bundle = certs::GenerateServing(*authority, options, now);
    if (!bundle.ok()) return Fail(bundle.error());
    return Write(out_dir, name.empty() ? "tls" : name, *bundle);
  }
  if (*client) {
    auto authority = ReadCa(ca_dir, ca_name);
    if (!authority.ok()) return Fail(authority.error());
    certs::ClientOptions options;
    options.subject.common_name = cn;
    options.subject.organizations = groups;
    if (days > 0) options.validity = Days(days);
    options.key_type = key_type;
    auto bundle = certs::GenerateClient(*authority, options, now);
    if (!bundle.ok()) return Fail(bundle.error());
    return Write(out_dir, name.empty() ? "client" : name, *bundle);
  }
  auto bundle = certs::ReadBundle(cert_file, key_file);
  if (!bundle.ok()) return Fail(bundle.error());
  auto info = certs::ValidatePair(*bundle, now);
  if (!info.ok()) return Fail(info.error());
  std::string groups_text;
  for (const auto& o : info->subject.organizations) groups_text += (groups_text.empty() ? "" : ",") + o;
  std::printf("ok: CN=%s O=%s ca=%s\n", info->subject.common_name.c_str(), groups_text.c_str(),
              info->is_ca ? "true" : "false");
  return 0;
}
