# SPDX-License-Identifier: MIT
# http_lib.sh: starting and stopping loopback HTTP servers (simul serve, nginx, python3, bad peers) in e2e tests.
PEERS="$SIMUL_ROOT/tests/http_peers.py"
T_PIDS=()

# Every server a test started is stopped on the way out, whatever happened.
http_cleanup() {
  local p
  for p in "${T_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${T_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$T_TMP"
}
trap http_cleanup EXIT

# wait_line FILE: until FILE has a first line (10 s at most); prints it.
wait_line() {
  local i
  for ((i = 0; i < 100; i++)); do
    if [[ -s $1 ]] && head -1 "$1" | grep -q .; then head -1 "$1"; return 0; fi
    sleep 0.1
  done
  return 1
}

# start_serve NAME ARGS...: `simul serve --port 0 ARGS` in the background; sets URL and SERVE_PID.
start_serve() {
  local name=$1; shift
  # env --default-signal: a background job starts with SIGINT ignored, which simul keeps.
  env --default-signal=INT "$SIMUL" serve --port 0 "$@" >"$T_TMP/$name.out" 2>"$T_TMP/$name.err" &
  SERVE_PID=$!
  T_PIDS+=("$SERVE_PID")
  URL=$(wait_line "$T_TMP/$name.out") || { bad "simul serve $* did not start: $(cat "$T_TMP/$name.err")"; URL=http://127.0.0.1:1/; }
}

# start_bad MODE: a misbehaving server (see http_peers.py); sets BAD_URL.
start_bad() {
  python3 "$PEERS" server "$1" >"$T_TMP/bad-$1.out" &
  T_PIDS+=($!)
  BAD_URL="http://127.0.0.1:$(wait_line "$T_TMP/bad-$1.out")/"
}

# start_nginx FILE_BYTES: nginx (one worker) serving a file of that many bytes; sets NGINX_URL.
start_nginx() {
  local d="$T_TMP/nginx" port try
  mkdir -p "$d/www"
  head -c "$1" /dev/urandom >"$d/www/file"
  # nginx's workers drop to an unprivileged user when started as root: let them read it.
  chmod 755 "$T_TMP" "$d" "$d/www"; chmod 644 "$d/www/file"
  for try in 1 2 3; do
    port=$(python3 "$PEERS" freeport)
    cat >"$d/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $d/body;
  proxy_temp_path $d/proxy;
  fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi;
  scgi_temp_path $d/scgi;
  server { listen 127.0.0.1:$port; root $d/www; }
}
EOF
    nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" &
    NGINX_PID=$!
    T_PIDS+=("$NGINX_PID")
    NGINX_URL="http://127.0.0.1:$port/file"
    local i
    for ((i = 0; i < 50; i++)); do
      curl -s -o /dev/null "$NGINX_URL" && return 0
      kill -0 "$NGINX_PID" 2>/dev/null || break  # lost the port race: try another
      sleep 0.1
    done
  done
  bad "nginx did not start: $(tail -2 "$d/error.log")"
  return 1
}

# start_python FILE_BYTES: python3 -m http.server (HTTP/1.0, closes every connection); sets PY_URL.
start_python() {
  local d="$T_TMP/py"
  mkdir -p "$d"
  head -c "$1" /dev/urandom >"$d/file"
  (cd "$d" && exec python3 -u -m http.server --bind 127.0.0.1 0 >"$T_TMP/py.out" 2>&1) &
  T_PIDS+=($!)
  local line
  line=$(wait_line "$T_TMP/py.out") || { bad "python3 -m http.server did not start"; return 1; }
  PY_URL="http://127.0.0.1:$(grep -o 'port [0-9]*' <<<"$line" | cut -d' ' -f2)/file"
}
