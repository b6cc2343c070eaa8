#!/usr/bin/env bash
# Builds a Python virtualenv holding NVIDIA Dynamo 1.0.2 from PyPI, the release the planner follows.
#
#   scripts/dynamo-venv.sh [runtime|full]
#
# runtime (default): .build/dynamo-1.0.2-runtime, the Rust runtime's Python binding only
#   (ai-dynamo-runtime, with pydantic and uvloop): the peer of the interop integration tests.
# full: .build/dynamo-1.0.2-full, also the ai-dynamo wheel and what its planner imports: used by
#   tools/dynamo/regenerate_dryrun_goldens.sh to run Dynamo's own dryrun.
# Both wheels are installed with --no-deps: `pip install ai-dynamo` with dependencies fails (one of
# them is a stub that downloads from elsewhere). A venv that already imports what it needs is kept.
# Prints the venv's python on stdout. Set PYTHON to choose the interpreter (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-runtime}
case "$kind" in
  runtime) check="import dynamo._core, dynamo.runtime" ;;
  full) check="import dynamo._core, dynamo.planner.utils.dryrun" ;;
  *) echo "usage: $0 [runtime|full]" >&2; exit 2 ;;
esac
venv=".build/dynamo-1.0.2-$kind"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$check" 2>/dev/null; then
    echo "$PWD/$venv/bin/python"
    exit 0
fi
python=${PYTHON:-python3}
command -v "$python" >/dev/null || { echo "$0: $python not found (install python3 and python3-venv)" >&2; exit 1; }
rm -rf "$venv"
mkdir -p .build
"$python" -m venv "$venv" >&2
pip=("$venv/bin/pip" install -q --disable-pip-version-check)
if [ "$kind" = runtime ]; then
    "${pip[@]}" --no-deps ai-dynamo-runtime==1.0.2 >&2
    "${pip[@]}" "pydantic<=2.13" uvloop >&2
else
    "${pip[@]}" --no-deps ai-dynamo==1.0.2 ai-dynamo-runtime==1.0.2 >&2
    "${pip[@]}" numpy scipy pandas matplotlib pmdarima prophet filterpy prometheus_client \
        "kubernetes<33,>=32.0.1" prometheus-api-client fastapi distro filelock "click<8.2" typer \
        "pydantic<=2.13" uvloop aiohttp >&2
fi
"$venv/bin/python" -c "$check" || { echo "$0: the $kind venv at $venv does not import Dynamo" >&2; exit 1; }
echo "$PWD/$venv/bin/python"
