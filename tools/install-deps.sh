#!/usr/bin/env bash
# Installs the system packages the tests start for real (PowerDNS, OpenSSH, dig),
# only those that are missing, so that a second run costs nothing.
set -euo pipefail

packages=(pdns-server pdns-backend-lmdb pdns-backend-sqlite3 sqlite3 openssh-server iproute2 bind9-dnsutils openssl curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${missing[*]}; run 'sudo apt-get install ${missing[*]}'" >&2
  exit 1
fi
echo "installing ${missing[*]}..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >&2
