#!/usr/bin/env bash
# Installs the Debian 12 packages corio needs to build, test and benchmark.
# Idempotent: only missing packages are installed. Run as root.
set -euo pipefail

packages=(
  g++ clang cmake ninja-build pkg-config git ca-certificates
  libgtest-dev libgmock-dev
  python3 python3-uvloop python3-websockets
  redis-tools redis-server
  liburing-dev libssl-dev openssl
  procps iproute2
)

# A minimal Debian (a chroot, a container) may lack /etc/hosts; the tests
# resolve "localhost" as every full install does.
if ! getent hosts localhost >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >> /etc/hosts
  echo "install-deps: added localhost to /etc/hosts"
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything is installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root (or: sudo $0)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
