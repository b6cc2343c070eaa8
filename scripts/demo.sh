#!/usr/bin/env bash
# The README's main job: a dryrun of the bundled trace on the bundled profile.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
swift build -c release --product planner
mkdir -p out
.build/release/planner dryrun --dataset data/traces/mooncake_conversation.jsonl \
    --profile-results-dir data/profiles/h200_llama8b_tp1 --adjustment-interval 60 \
    --ttft 600 --itl 20 --max-gpu-budget 16 \
    --output-plot out/dryrun.svg --output-json out/dryrun.json "$@"
