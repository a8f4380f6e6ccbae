#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_fetch_peers.sh: fetch verifies against real servers, nginx and python3's http.server, under every model.
source "$SIMUL_ROOT/tests/lib.sh"
source "$SIMUL_ROOT/tests/http_lib.sh"
MODELS=(sequential "threadpool --workers 4" "multiprocess --workers 2" eventloop eventloop-callbacks)

peer() {
  local name=$1 url=$2 reqs=$3 m j
  for m in "${MODELS[@]}"; do
    # shellcheck disable=SC2086
    j=$(timeout 60 "$SIMUL" run fetch --model $m --tasks 8 --requests $reqs --url "$url" --format json 2>"$T_TMP/err")
    [[ $(json verified <<<"$j" 2>/dev/null) == true && $(json requests <<<"$j") == $((8 * reqs)) \
       && $(json bytes <<<"$j") == $((8 * reqs * 4321)) ]] \
      && ok "$name under $m: $((8 * reqs)) GETs verified, $(json bytes <<<"$j") bytes" \
      || bad "$name under $m: $j $(cat "$T_TMP/err")"
  done
  j=$(timeout 60 "$SIMUL" run fetch --model eventloop --tasks 4 --url "$url" --expect-bytes 4321 --format json 2>"$T_TMP/err")
  [[ $(json verified <<<"$j" 2>/dev/null) == true ]] && ok "$name: --expect-bytes 4321 verified" || bad "$name --expect-bytes: $j $(cat "$T_TMP/err")"
  expect_exit 1 "$name: a missing file is a 404, counted" -- timeout 60 "$SIMUL" run fetch --model eventloop --tasks 4 --url "${url%/file}/missing"
  grep -q "4 of 4 tasks failed.*status 404" "$T_TMP/err" && ok "$name: 404 named" || bad "$name 404: $(cat "$T_TMP/err")"
}

if command -v nginx >/dev/null; then
  # nginx keeps connections alive: 5 requests per task over one connection each.
  start_nginx 4321 && peer nginx "$NGINX_URL" 5
else
  bad "nginx is missing: make deps installs nginx-light"
fi
# python3's http.server speaks HTTP/1.0 and closes every connection: fetch reconnects each time.
start_python 4321 && peer python3 "$PY_URL" 2
finish
