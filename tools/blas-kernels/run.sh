#!/usr/bin/env bash
# Runs the planner's numerical commands under each OpenBLAS kernel and writes
# their JSON to OUT/<kernel>/ (default /tmp/blas-kernels); compare.py OUT diffs them.
# Needs a built planner (swift build).
cd "$(dirname "$0")/../.."
out=${1:-/tmp/blas-kernels}
P=.build/debug/planner
T=data/traces/mooncake_conversation.jsonl
A=Tests/Fixtures/traces/azure_conv_2023.csv
PR=data/profiles/h200_llama8b_tp1
for ct in unset Haswell SkylakeX Prescott; do
  o=$out/$ct; mkdir -p $o
  E=(env -u OPENBLAS_L2_SIZE -u OPENBLAS_CORETYPE -u OPENBLAS_NUM_THREADS)
  [ $ct = unset ] || E+=(OPENBLAS_CORETYPE=$ct)
  for lp in arima prophet kalman constant; do
    "${E[@]}" $P dryrun --dataset $T --profile-results-dir $PR --adjustment-interval 60 --ttft 600 --itl 20 --max-gpu-budget 16 --load-predictor $lp --output-json $o/dryrun_$lp.json >/dev/null 2>&1 || echo "fail dryrun $lp $ct"
    "${E[@]}" $P dryrun --dataset $T --profile-results-dir $PR --adjustment-interval 60 --ttft 600 --itl 20 --max-gpu-budget 16 --load-predictor $lp --decode-interpolation thin-plate --output-json $o/dryrun_tps_$lp.json >/dev/null 2>&1 || echo "fail dryrun tps $lp $ct"
    for f in request_count avg_isl avg_osl; do
      "${E[@]}" $P predict --dataset $A --adjustment-interval 60 --load-predictor $lp --field $f --output-json $o/predict_azure_${lp}_$f.json >/dev/null 2>&1 || echo "fail predict $lp $f $ct"
      "${E[@]}" $P predict --dataset $T --adjustment-interval 60 --load-predictor $lp --field $f --output-json $o/predict_moon_${lp}_$f.json >/dev/null 2>&1 || echo "fail predict $lp $f $ct"
    done
  done
  for m in clough-tocher thin-plate; do
    "${E[@]}" $P interpolate --profile-results-dir $PR --isl 3000 --osl 150 --ttft 100 --itl 10 --decode-interpolation $m --output-json $o/interp_$m.json >/dev/null 2>&1 || echo "fail interp $m $ct"
  done
done
