#!/usr/bin/env bash
# The test command of the README: install what the tests need, then run them all.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -e ".[test]"
python3 -m pytest -q
