#!/usr/bin/env bash
# The README's test command: install what the tests need, then run them all.
# Uses the active virtual environment (CI's, or yours); otherwise creates ./.venv, so it never installs into
# the system Python (which PEP 668 may refuse anyway).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${VIRTUAL_ENV:-}" ]; then
  py=python
else
  [ -x .venv/bin/python ] || python3 -m venv .venv
  py=.venv/bin/python
fi
"$py" -m pip install -q -e ".[test]"
"$py" -m pytest -q
