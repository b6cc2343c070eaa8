#!/usr/bin/env bash
# The README's test command: system packages, then every test target.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
