#!/usr/bin/env bash
# Regenerates the dryrun goldens from NVIDIA Dynamo 1.0.2's own dryrun (run_sla_planner_dryrun,
# series captured by tools/dynamo/dynamo_dryrun.py) in the full Dynamo venv under .build/.
#
#   Tests/Goldens/reference/dryrun_mooncake_conversation_60_h200_{constant,kalman,arima}.json
#       the bundled trace and profile, 60 s intervals, TTFT 600 ms, ITL 20 ms, 16 GPUs
#   Tests/Goldens/reference/dryrun_idle_stretch_60_h200_skip_empty_{constant,kalman}.json
#       a trace with 25 empty minutes of 70, which Dynamo's dryrun drops (its time axis compresses):
#       what `planner dryrun --skip-empty-intervals` reproduces
#
# The planner's deliberate departures from these series are listed in docs/dynamo-compat.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=$(scripts/dynamo-venv.sh full)
out=Tests/Goldens/reference
run() {  # trace name predictor output
    "$python" tools/dynamo/dynamo_dryrun.py --dataset "$1" --profile data/profiles/h200_llama8b_tp1 \
        --interval 60 --predictor "$2" --ttft 600 --itl 20 --budget 16 --out "$3" 2>/dev/null
    echo "wrote $3"
}
for predictor in constant kalman arima; do
    run data/traces/mooncake_conversation.jsonl "$predictor" "$out/dryrun_mooncake_conversation_60_h200_$predictor.json"
done
for predictor in constant kalman; do
    run Tests/Goldens/arima/traces/idle_stretch.jsonl "$predictor" "$out/dryrun_idle_stretch_60_h200_skip_empty_$predictor.json"
done
