#!/usr/bin/env bash
# mtseq against OpenNMT-py 3.5.1, interleaved on this machine (issue 17; what and how: peers.py).
# Usage: benchmarks/peers/run.sh --data ../shared/data [--rounds 3 --warmup 50 --updates 300
#          --decode-sentences 1000 --attention no,yes --record]   (README.md beside this file)
# PYTHON: mtseq's Python (default .venv/bin/python of the repository); MTSEQ_PEERS_CACHE: where
# OpenNMT-py's venv and the prepared data go (default ~/.cache/mtseq-peers, outside the repository).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${MTSEQ_PEERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mtseq-peers}
py=${PYTHON:-$repo/.venv/bin/python}
if [ ! -x "$py" ]; then
  echo "peers: error: no mtseq Python at $py (set PYTHON)" >&2
  exit 2
fi
"$here/setup_venv.sh" "$cache/venv"
export PYTHONPATH="$repo/src${PYTHONPATH:+:$PYTHONPATH}"
export MTSEQ_PEERS_CACHE="$cache"  # peers.py's default --venv and --work
exec "$py" "$here/peers.py" "$@"
