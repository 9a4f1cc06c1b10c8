#!/usr/bin/env bash
# Create (or reuse) OpenNMT-py 3.5.1's own venv for benchmarks/peers/run.sh.
# Usage: benchmarks/peers/setup_venv.sh VENV_DIR
#
# Why by hand: OpenNMT-py 3.5.1's metadata pins torch < 2.3, so pip would replace the torch
# that mtseq is measured with. It runs on torch 2.13.0 CPU (constraints.txt), so it is
# installed with --no-deps and its runtime requirements from requirements.txt beside this file.
# A fresh venv (not --system-site-packages) keeps mtseq's own venv untouched.
set -euo pipefail
venv=${1:?usage: setup_venv.sh VENV_DIR}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
stamp="$venv/.mtseq-peers-ready"
want=$(cat "$repo/constraints.txt" "$here/requirements.txt" | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "peers: creating OpenNMT-py venv in $venv (once)" >&2
python3 -m venv --clear "$venv"
pip="$venv/bin/pip"
"$pip" install -q -c "$repo/constraints.txt" torch==2.13.0
"$pip" install -q --no-deps OpenNMT-py==3.5.1
"$pip" install -q -c "$repo/constraints.txt" -r "$here/requirements.txt"
# a CUDA build or another torch would make the comparison with mtseq's torch meaningless
"$venv/bin/python" - <<'PY'
import sys
import torch
if not torch.__version__.startswith("2.13.0") or torch.version.cuda is not None:
    sys.exit(f"peers: the OpenNMT-py venv got torch {torch.__version__} (CUDA {torch.version.cuda}), want 2.13.0 CPU")
import onmt.bin.build_vocab, onmt.bin.train, onmt.bin.translate  # noqa: F401,E401  (all transforms import here)
PY
echo "$want" >"$stamp"
