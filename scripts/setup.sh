#!/usr/bin/env bash
# Installs every build and test dependency from Debian's packages. Idempotent: does nothing when all are present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libssl-dev openssl prometheus-cpp-dev libboost1.81-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  rapidjson-dev libsimdjson-dev libyaml-cpp-dev libcli11-dev libfmt-dev
  curl
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# kubectl: Debian's kubernetes-client conflicts with a preinstalled kubectl; install it only when absent.
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
