#!/bin/bash
# deps.sh — make sure the Debian packages crowd builds and tests with are
# installed.  As root it installs what is missing with apt-get; otherwise it
# prints the command to run.  Sourced or run by examples/quickstart.sh and
# tests/run.sh.
set -euo pipefail

CROWD_DEBS=(
  gcc make pkg-config autoconf automake flex bison
  libev-dev libcurl4-openssl-dev libcjson-dev libmicrohttpd-dev check
  libhttp-parser-dev libssl-dev zlib1g-dev
  curl python3
  clang libclang-rt-dev valgrind openssl
  chromium nodejs npm
)

crowd_missing_debs() {
  local p missing=()
  for p in "${CROWD_DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

crowd_install_deps() {
  command -v dpkg-query >/dev/null 2>&1 || {
    echo "deps: not a Debian system; install the equivalents of: ${CROWD_DEBS[*]}" >&2
    return 0
  }
  local missing
  missing=$(crowd_missing_debs)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" = 0 ]; then
    echo "deps: installing $missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2
  else
    echo "deps: missing Debian packages: $missing" >&2
    echo "deps: run: sudo apt-get install $missing" >&2
    return 1
  fi
}

# Configure and build in the source tree (what README's commands do).
crowd_build() {
  local top=$1; shift
  cd "$top"
  if [ ! -x configure ] || [ configure.ac -nt configure ]; then
    autoreconf -fi
  fi
  if [ ! -f Makefile ] || [ configure -nt config.status ]; then
    ./configure -q "$@"
  fi
  make -j"$(nproc 2>/dev/null || echo 2)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  crowd_install_deps
fi
