#!/usr/bin/env bash
# Create the virtualenv, installing Debian's python3-venv first when the machine lacks it.
set -euo pipefail
venv=${1:-.venv}
python=$(command -v python3.11 || command -v python3)
if ! "$python" -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    "$python" -m venv "$venv"
  else
    echo "Cannot create a virtualenv: install python3-venv (sudo apt-get install python3-venv)" >&2
    exit 1
  fi
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
