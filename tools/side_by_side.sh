#!/usr/bin/env bash
# The README's speed table in one command: Neuroglass's `bench` and
# PyTorch's torch_reference.py, interleaved (ours, torch, ours, torch, …)
# for ROUNDS rounds on 1 and 2 threads, then the medians per workload and
# thread count, the ratio at the best thread count of each, the two-thread
# scaling, and the GEMM ceiling shares. Prints the load before and after.
#
#   tools/side_by_side.sh [ROUNDS]      (default 3)
#
# Environment: NEUROGLASS (the binary, default target/release/neuroglass),
# NEUROGLASS_PYTHON (a Python with torch), TORCH_REFERENCE (the script,
# default ../shared/bench/torch_reference.py), WORKLOADS (default a,b,c,d,e,f,g).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
NG=${NEUROGLASS:-${CARGO_TARGET_DIR:-target}/release/neuroglass}
PY=${NEUROGLASS_PYTHON:-python3}
REF=${TORCH_REFERENCE:-../shared/bench/torch_reference.py}
W=${WORKLOADS:-a,b,c,d,e,f,g}
OUT=$(mktemp -d)
export NEUROGLASS_DATA_DIR=$OUT
echo "load before: $(uptime)"
for r in $(seq "$ROUNDS"); do
  "$NG" bench --workloads "$W" --threads 1,2 --json > "$OUT/ours.$r.jsonl"
  "$PY" "$REF" --workloads "$W" --threads 1,2 --seconds 2 --json "$OUT/torch.$r.json" > /dev/null
done
"$NG" bench --ceiling --workloads "$W" --threads 1,2 --json > "$OUT/ceiling.jsonl"
echo "load after:  $(uptime)"
python3 - "$OUT" "$ROUNDS" <<'EOF'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
ours, torch = {}, {}
for r in range(1, rounds + 1):
    for line in open(f"{out}/ours.{r}.jsonl"):
        j = json.loads(line)
        ours.setdefault((j["workload"], j["threads"]), []).append(j["samples_per_sec"])
    for j in json.load(open(f"{out}/torch.{r}.json")):
        torch.setdefault((j["workload"], j["threads"]), []).append(j["samples_per_s"])
med = lambda d: {k: statistics.median(v) for k, v in d.items()}
ours, torch = med(ours), med(torch)
share = {}
for line in open(f"{out}/ceiling.jsonl"):
    j = json.loads(line)
    if "workload" in j:
        share[(j["workload"], j["threads"])] = j["share"]
    else:
        print(f"GEMM 1024^3 on {j['threads']} thread(s): {j['gflops']:.1f} GFLOP/s")
print(f"medians of {rounds} interleaved rounds, samples/s")
print("workload | ours 1t | ours 2t | 2t/1t | torch 1t | torch 2t | ratio (best of each) | ceiling share 1t | 2t")
for w in sorted({k[0] for k in ours}):
    o1, o2 = ours.get((w, 1), 0), ours.get((w, 2), 0)
    t1, t2 = torch.get((w, 1), 0), torch.get((w, 2), 0)
    ratio = max(o1, o2) / max(t1, t2) if max(t1, t2) else float("nan")
    s1, s2 = share.get((w, 1), float("nan")), share.get((w, 2), float("nan"))
    print(f"{w} | {o1:,.0f} | {o2:,.0f} | {o2 / o1 if o1 else 0:.2f} | {t1:,.0f} | {t2:,.0f} | {ratio:.2f}x | {s1:.0%} | {s2:.0%}")
EOF
