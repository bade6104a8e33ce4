#!/usr/bin/env bash
# ci/install-deps.sh — installs the Debian/Ubuntu packages Gauntlet needs when
# any is missing (apt-get, as root or through sudo). Called by `make`; safe to
# run again: it does nothing when everything is there.
# Exit 0: all present; 2: something is missing and cannot be installed here.
set -euo pipefail

packages=(
  build-essential pkg-config check
  libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev
  clang clang-14 libclang-rt-14-dev afl++ zip unzip
  libjansson-dev gnuplot-nox time
  python3-yaml # ci/check-workflows.py reads the GitHub workflows
  cmake dpkg-dev xz-utils # gauntlet build-alloc (mimalloc; Debian source packages)
  sqlite3 python3 # real programs recorded, replayed and measured (tests, bench-fidelity)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "gauntlet: installing missing packages: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo)
else
  echo "gauntlet: these packages are missing: ${missing[*]}" >&2
  echo "gauntlet: run as root, or install them with: sudo apt-get install ${missing[*]}" >&2
  exit 2
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "gauntlet: apt-get not found; install these packages by hand: ${missing[*]}" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q >&2
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
