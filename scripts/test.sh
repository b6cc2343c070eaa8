#!/usr/bin/env bash
# The README's test command: system packages, then every test target (extra
# arguments go to `swift test`, e.g. --filter NumericsTests), then a summary of
# how many tests passed, failed and were skipped and why (scripts/test-summary.sh).
# Exits with swift test's status.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
# Dynamo 1.0.2's runtime from PyPI, the interop tests' peer (.build/dynamo-1.0.2-runtime, kept
# once built). Under CI=true a failure stops here; elsewhere those tests then skip, saying why.
if ! ./scripts/dynamo-venv.sh >/dev/null; then
    [ "${CI:-}" = true ] && exit 1
    echo "test.sh: Dynamo's runtime venv could not be built; the Dynamo interop tests will skip" >&2
fi
swift build --build-tests
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
swift test --skip-build "$@" 2>&1 | tee "$log" || status=$?
./scripts/test-summary.sh "$log"
exit "$status"
