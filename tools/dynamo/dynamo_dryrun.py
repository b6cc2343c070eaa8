"""Runs Dynamo 1.0.2's own dryrun (dynamo.planner.utils.dryrun.run_sla_planner_dryrun) and writes
the series it hands to its plot function as JSON, in the layout of `planner dryrun --output-json`.

usage: dynamo_dryrun.py --dataset TRACE --profile DIR --interval S --predictor P
                        --ttft MS --itl MS --budget N --out FILE.json

Needs the full Dynamo venv (scripts/dynamo-venv.sh full). Other planner settings keep Dynamo's
defaults (disagg, one GPU per engine, start with one prefill and one decode worker).
"""
import argparse
import json

import dynamo.planner.utils.dryrun as dynamo_dryrun
from dynamo.planner.utils.planner_config import PlannerConfig

SERIES = ["time", "rr", "est_rr", "isl", "est_isl", "osl", "est_osl",
          "num_p", "p_thpt", "safe_p_thpt", "num_d", "d_thpt", "safe_d_thpt"]


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ["--dataset", "--profile", "--predictor", "--out"]:
        parser.add_argument(name, required=True)
    parser.add_argument("--interval", type=int, required=True)
    parser.add_argument("--ttft", type=float, required=True)
    parser.add_argument("--itl", type=float, required=True)
    parser.add_argument("--budget", type=int, required=True)
    args = parser.parse_args()

    seen = {}

    def capture(**series):
        # Dynamo draws its chart from these keyword arguments: keep them instead.
        seen.update(series)

    dynamo_dryrun.create_dryrun_plot = capture
    config = PlannerConfig(
        profile_results_dir=args.profile, ttft=args.ttft, itl=args.itl, max_gpu_budget=args.budget,
        load_predictor=args.predictor, throughput_adjustment_interval=args.interval, mode="disagg",
        prefill_engine_num_gpu=1, decode_engine_num_gpu=1, environment="virtual", backend="vllm",
        enable_load_scaling=False, enable_throughput_scaling=True)
    dynamo_dryrun.run_sla_planner_dryrun(config, args.dataset, output_plot="/dev/null")
    out = {key: [float(v) for v in seen[key]] for key in SERIES}
    out["generator"] = ("Dynamo 1.0.2 run_sla_planner_dryrun via tools/dynamo/dynamo_dryrun.py "
                        f"--interval {args.interval} --predictor {args.predictor} --ttft {args.ttft:g} "
                        f"--itl {args.itl:g} --budget {args.budget}")
    # One key per line: diffs of a regenerated golden show which series moved.
    with open(args.out, "w") as handle:
        handle.write("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in out.items()) + "\n}\n")


if __name__ == "__main__":
    main()
