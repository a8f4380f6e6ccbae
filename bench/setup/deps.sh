#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# deps.sh: install what simul needs from Debian's packages when root; otherwise print the apt-get line.
set -euo pipefail

# package:command-or-file that proves it is there
need=(
  cmake:/usr/bin/cmake
  make:/usr/bin/make
  gcc:/usr/bin/gcc
  pkg-config:/usr/bin/pkg-config
  libuv1-dev:/usr/include/uv.h
  liburing-dev:/usr/include/liburing.h
  libhttp-parser-dev:/usr/include/http_parser.h
  libcmocka-dev:/usr/include/cmocka.h
  hyperfine:/usr/bin/hyperfine
  gnuplot-nox:/usr/bin/gnuplot
  jq:/usr/bin/jq
  nginx-light:/usr/sbin/nginx
  python3:python3
  # the peers: the documents' own programs (CPython with its libraries) and Go
  python3-requests:/usr/lib/python3/dist-packages/requests/__init__.py
  python3-aiohttp:/usr/lib/python3/dist-packages/aiohttp/__init__.py
  python3-uvloop:/usr/lib/python3/dist-packages/uvloop/__init__.py
  golang-go:/usr/bin/go
  # Node.js (bench/peers/node: plain JavaScript, no npm package) and Rust tokio (bench/peers/rust:
  # built offline by Debian's cargo from Debian's crate sources in /usr/share/cargo/registry)
  nodejs:/usr/bin/node
  rustc:/usr/bin/rustc
  cargo:/usr/bin/cargo
  librust-tokio-dev:/usr/share/cargo/registry/tokio-1.*/Cargo.toml
  librust-libc-dev:/usr/share/cargo/registry/libc-0.2.*/Cargo.toml
  # REPORT.html's browser test (tests/e2e_html.sh): headless Chromium driven by selenium
  chromium:/usr/bin/chromium
  chromium-driver:/usr/bin/chromedriver
  python3-selenium:/usr/lib/python3/dist-packages/selenium/__init__.py
  # fuzzing (make fuzz): clang with libFuzzer's runtime
  clang:/usr/bin/clang
  libclang-rt-14-dev:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
)

missing=()
for item in "${need[@]}"; do
  pkg=${item%%:*} probe=${item#*:}
  # a path may be a glob (a crate's directory is named by its version): any match will do
  if [[ $probe == /* ]]; then compgen -G "$probe" >/dev/null && continue; else command -v "$probe" >/dev/null && continue; fi
  missing+=("$pkg")
done

[[ ${#missing[@]} -eq 0 ]] && exit 0

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "simul: missing Debian packages: ${missing[*]}" >&2
  echo "simul: run as root:  apt-get update && $line" >&2
  exit 1
fi
echo "simul: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$line -qq >/dev/null
