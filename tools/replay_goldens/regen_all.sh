#!/bin/sh
# Regenerate every golden under Tests/Goldens/replay with Dynamo 1.6.1's mocker replay.
# usage: tools/replay_goldens/regen_all.sh [PYTHON]   (default: python3 on PATH, which must have Dynamo 1.6.1; see Tests/Goldens/replay/README.md)
set -eu
PY=${1:-python3}
G=Tests/Goldens/replay
F=Tests/Fixtures/replay
M=tools/replay_goldens/make_golden.py
T=data/traces/mooncake_conversation.jsonl
for k in mixed burst prefix; do python3 tools/gen_trace.py $k $F/$k.jsonl; done
$PY $M $T $G/mooncake_agg4.json agg 4 --per-request
$PY $M $T $G/mooncake_disagg2p1d.json disagg 2 1 --per-request
$PY $M $F/mixed.jsonl $G/mixed_agg2.json agg 2 --per-request
$PY $M $F/mixed.jsonl $G/mixed_disagg1p1d.json disagg 1 1 --per-request
$PY $M $F/mixed.jsonl $G/mixed_agg1_noprefix.json agg 1 --per-request --engine-json '{"enable_prefix_caching": false}'
$PY $M $F/mixed.jsonl $G/mixed_agg1_seqs8_budget2048.json agg 1 --per-request --engine-json '{"max_num_seqs": 8, "max_num_batched_tokens": 2048}'
$PY $M $F/mixed.jsonl $G/mixed_disagg1p1d_kvtransfer.json disagg 1 1 --per-request --engine-json '{"kv_transfer_bandwidth": 25.0, "kv_transfer_bytes_per_token": 131072}'
$PY $M $F/burst.jsonl $G/burst_agg2.json agg 2 --per-request
$PY $M $F/burst.jsonl $G/burst_agg2_speedup2.json agg 2 --per-request --engine-json '{"speedup_ratio": 2.0}'
$PY $M $F/burst.jsonl $G/burst_agg2_blocks512.json agg 2 --per-request --engine-json '{"num_gpu_blocks": 512}'
$PY $M $F/burst.jsonl $G/burst_disagg1p1d_blocks512.json disagg 1 1 --per-request --engine-json '{"num_gpu_blocks": 512}'
$PY $M $F/prefix.jsonl $G/prefix_agg2.json agg 2 --per-request
$PY $M $F/prefix.jsonl $G/prefix_agg2_blocks1024.json agg 2 --per-request --engine-json '{"num_gpu_blocks": 1024}'
$PY $M $F/prefix.jsonl $G/prefix_disagg1p1d.json disagg 1 1 --per-request
