#!/bin/bash
# deps.sh — make sure the Debian packages crowd builds and tests with are
# installed.  As root it installs what is missing with apt-get; otherwise it
# prints the command to run.  Sourced or run by examples/quickstart.sh and
# tests/run.sh.
set -euo pipefail

CROWD_DEBS=(
  gcc make pkg-config autoconf automake flex bison
  libev-dev libcurl4-openssl-dev libcjson-dev libmicrohttpd-dev check
  libhttp-parser-dev libssl-dev zlib1g-dev libbrotli-dev
)
# What the test suite needs besides (crowd_install_deps --tests).
CROWD_TEST_DEBS=(curl python3 python3-brotli clang libclang-rt-dev valgrind openssl nginx-light)
# Only for the browser tests, which skip without them: installed when their
# command is missing (a machine may have Node.js from elsewhere, whose
# nodejs package conflicts with Debian's npm), and a failure is not fatal.
CROWD_OPTIONAL_DEBS=(chromium:chromium nodejs:node npm:npm)

crowd_missing_debs() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

crowd_install_optional_debs() {
  local entry pkg cmd missing=()
  for entry in "${CROWD_OPTIONAL_DEBS[@]}"; do
    pkg=${entry%%:*} cmd=${entry#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} = 0 ] && return 0
  if [ "$(id -u)" = 0 ]; then
    echo "deps: installing ${missing[*]} (browser tests)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >&2 || echo "deps: could not install ${missing[*]}; the browser tests will skip" >&2
  else
    echo "deps: without ${missing[*]} the browser tests skip (sudo apt-get install ${missing[*]})" >&2
  fi
}

crowd_install_deps() {
  command -v dpkg-query >/dev/null 2>&1 || {
    echo "deps: not a Debian system; install the equivalents of: ${CROWD_DEBS[*]}" >&2
    return 0
  }
  local missing want=("${CROWD_DEBS[@]}")
  [ "${1:-}" = --tests ] && want+=("${CROWD_TEST_DEBS[@]}")
  missing=$(crowd_missing_debs "${want[@]}")
  if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "deps: missing Debian packages: $missing" >&2
      echo "deps: run: sudo apt-get install $missing" >&2
      return 1
    fi
    echo "deps: installing $missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2
  fi
  [ "${1:-}" = --tests ] && crowd_install_optional_debs
  return 0
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
  crowd_install_deps "$@"
fi
