#!/usr/bin/env bash
# One GPU, at most 10 minutes: the speed benchmarks, then every experiment's full profile,
# all written under one folder ($OUT, default gpu-results/).
#
#   bash benchmarks/gpu_run.sh              # both parts
#   bash benchmarks/gpu_run.sh bench        # mlp_throughput.py, convnet.py, selu_vs_bn.py
#   bash benchmarks/gpu_run.sh experiments  # the full profiles, BUDGET seconds in all
#
# Needs the datasets in $NORMLAB_DATA_DIR (default: data/ in the repository, an ignored
# folder: MNIST's IDX files and a cifar-10-batches-py/ folder). The experiments run JOBS at
# a time (default 6; small networks leave a GPU mostly idle, and XLA compiles on the CPU
# cores) through `python -m normlab reproduce --jobs`, longest first, and whatever still
# runs BUDGET seconds after the start is stopped, so the script ends in time; each Result
# is written to $RESULTS (default $OUT/results) as soon as it is done, and the folder is
# packed into $OUT/results.tgz at the end. Wall times in those Results are times on a
# shared GPU. Copy the JSON files into book/results/ to publish them.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-gpu-results}"
PY="${PYTHON:-python3}"
BUDGET="${BUDGET:-480}"
JOBS="${JOBS:-6}"
RESULTS="${RESULTS:-$OUT/results}"
mkdir -p "$OUT" "$RESULTS"
export NORMLAB_DATA_DIR="${NORMLAB_DATA_DIR:-$PWD/data}" CI=true PYTHONUNBUFFERED=1
export NORMLAB_CACHE_DIR="${NORMLAB_CACHE_DIR:-/tmp/normlab-cache}"
export XLA_PYTHON_CLIENT_PREALLOCATE=false # several processes share the GPU's memory
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

bench() {
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
  "$PY" -c "import jax, flax, optax; print('jax', jax.__version__, 'flax', flax.__version__,
'optax', optax.__version__, jax.devices())" | tee -a "$OUT/gpu.txt"
  timeout 150 "$PY" benchmarks/mlp_throughput.py --repeats 3 2>&1 | tee "$OUT/mlp_throughput.txt"
  timeout 100 "$PY" benchmarks/convnet.py --repeats 3 2>&1 | tee "$OUT/convnet.txt"
  cp book/results/benchmarks/*_gpu.json "$OUT/" 2>/dev/null
  timeout 90 "$PY" benchmarks/selu_vs_bn.py --epochs 2 --out "$OUT/selu_vs_bn_step_time_gpu.json" \
    >/dev/null
}

experiments() {
  # Decode the datasets once, so the parallel jobs only read the cache.
  "$PY" -c "from normlab import data; data.load('mnist'); data.load('cifar10')" || return 1
  "$PY" -m normlab reproduce --profile full --jobs "$JOBS" --budget "$BUDGET" --quiet \
    --out "$RESULTS" 2>&1 | tee "$OUT/experiments.txt"
  tar -czf "$OUT/results.tgz" -C "$RESULTS" .
  echo "done: $(ls "$RESULTS"/*.json 2>/dev/null | wc -l) result files in $RESULTS"
}

case "${1:-all}" in
  bench) bench ;;
  experiments) experiments ;;
  all) bench && experiments ;;
  *) echo "usage: $0 [bench|experiments|all]" >&2 && exit 2 ;;
esac
