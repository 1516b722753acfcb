#!/usr/bin/env bash
# LoadLab against SimPy and Ciw on M/M/4 at rho = 0.9 (see README.md).
# Usage: bench/peers/run.sh [compare.py options], e.g. --customers 1000000
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -c "import simpy, ciw" 2>/dev/null || python3 -m pip install --quiet simpy ciw
exec python3 bench/peers/compare.py "$@"
