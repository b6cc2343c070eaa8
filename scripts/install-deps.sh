#!/usr/bin/env bash
# Installs the Debian packages the planner, its tests and its demo need.
# Runs as root (or through sudo when available); skips the install when all are present.
set -euo pipefail
# chromium renders the HTML report in its test; openssl makes the TLS tests' certificates; python3-venv holds Dynamo's runtime (scripts/dynamo-venv.sh).
packages=(liblapacke-dev libopenblas-dev zlib1g-dev etcd-server prometheus librsvg2-bin openssl python3-venv chromium)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
