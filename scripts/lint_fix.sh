#!/usr/bin/env bash
# Apply ruff's safe lint fixes and its formatting to the whole project (settings in
# pyproject.toml), then list what is left to fix by hand: `.ci/run` fails until nothing is.
#   bash scripts/lint_fix.sh        (uses .venv/bin/ruff when present, else ruff on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
RUFF=ruff
[ -x .venv/bin/ruff ] && RUFF=.venv/bin/ruff
"$RUFF" check --fix --exit-zero --silent .
"$RUFF" format .
# what the fixes could not do (the same check as CI; exits non-zero while anything is left)
"$RUFF" check --statistics .
"$RUFF" format --check .
