#!/usr/bin/env bash
# One GPU, one run of at most 10 minutes: the speed benchmarks and every experiment's full
# profile, all written under one folder ($OUT, default gpu-results/).
#
#   bash benchmarks/gpu_run.sh                 # on a machine with one NVIDIA GPU
#
# Needs the datasets in $NORMLAB_DATA_DIR (default: data/ in the repository, an ignored folder:
# MNIST's IDX files and a cifar-10-batches-py/ folder). Each step is bounded by `timeout`, so a
# slow experiment cannot take the others' time; results already in $OUT are kept (resumable).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-gpu-results}"
mkdir -p "$OUT/results"
export NORMLAB_DATA_DIR="${NORMLAB_DATA_DIR:-$PWD/data}" CI=true
export NORMLAB_CACHE_DIR="$OUT/cache"

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
if ! python -c "import jax; assert jax.default_backend() == 'gpu'" 2>/dev/null; then
  pip install -q -e . "jax[cuda12]" >"$OUT/install.log" 2>&1
fi
python -c "import jax; print(jax.devices())" | tee -a "$OUT/gpu.txt"

# Speed first (a few minutes), then the full profiles in the time that is left.
timeout 150 python benchmarks/mlp_throughput.py --repeats 3 | tee "$OUT/mlp_throughput.txt"
timeout 90 python benchmarks/convnet.py --repeats 3 | tee "$OUT/convnet.txt"
cp -r book/results/benchmarks "$OUT/" 2>/dev/null

timeout 330 python -m normlab reproduce --profile full --out "$OUT/results" --quiet \
  2>&1 | tee "$OUT/reproduce.txt"
echo "done: $(ls "$OUT/results" | wc -l) result files in $OUT/results"
