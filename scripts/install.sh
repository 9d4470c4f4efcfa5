#!/usr/bin/env bash
# Installs everything the project needs, from scratch, into ./.venv (and the JavaScript test tools into
# tests/js/node_modules when tests/js/package.json exists). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
if [ -f tests/js/package.json ]; then
  (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
fi
