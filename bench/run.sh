#!/usr/bin/env bash
# Load benchmark of paasd's router against nginx and a direct connection, in
# one run on loopback, with wrk. See bench/README.md for what each case
# measures and how to read the table; `make bench` runs this.
#
# Settings (environment):
#   BENCH_DURATION=10      seconds measured per case
#   BENCH_WARMUP=2         seconds of unmeasured load before each case
#   BENCH_CONNECTIONS=64   wrk connections
#   BENCH_THREADS=2        wrk threads
#   BENCH_SWAPS=20         cut-overs in the swap case, spread over its run
#   BENCH_SWAP_SIZE=2      backend processes per set in the swap case
#   BENCH_LATENCY=1        also measure latency with 1 connection (0: skip)
#   BENCH_LATENCY_DURATION=5
#   BENCH_REQUEST_LOG=1    also measure the router with its request log on (0: skip)
#   BENCH_FLOORS=1         also measure three floors of a Go proxy, a TCP relay, a
#                          minimal net/http proxy and a minimal fasthttp proxy
#                          (bench/cmd/floorbench) (0: skip)
#   BENCH_CPUPROFILE=FILE  write a CPU profile of the router in the 1-backend case
#   BENCH_E2E=1            also measure end to end on the Docker Engine: a Go app pushed
#                          to paasd with git, through paasd's router, through nginx to
#                          the container's address (Dokku's set-up) and to a published
#                          port, and directly (0: skip; the first run makes the Go stack
#                          image, about 5 minutes)
#   BENCH_OUT=bench/results/latest.md
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-2}
conns=${BENCH_CONNECTIONS:-64}
threads=${BENCH_THREADS:-2}
swaps=${BENCH_SWAPS:-20}
swap_size=${BENCH_SWAP_SIZE:-2}
latency=${BENCH_LATENCY:-1}
latency_duration=${BENCH_LATENCY_DURATION:-5}
request_log=${BENCH_REQUEST_LOG:-1}
floors=${BENCH_FLOORS:-1}
cpuprofile=${BENCH_CPUPROFILE:-}
e2e=${BENCH_E2E:-1}
out=${BENCH_OUT:-bench/results/latest.md}
host=bench.localhost
lua=$PWD/bench/wrk/report.lua

for tool in wrk nginx go; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench: $tool not found; run 'make bench' (scripts/host-deps.sh --bench installs wrk and nginx-light)" >&2
    exit 1
  fi
done
if [ "$threads" -gt "$conns" ]; then
  echo "bench: BENCH_THREADS ($threads) must not exceed BENCH_CONNECTIONS ($conns)" >&2
  exit 1
fi
if [ -n "$cpuprofile" ]; then
  mkdir -p "$(dirname "$cpuprofile")"
  cpuprofile=$(cd "$(dirname "$cpuprofile")" && pwd)/$(basename "$cpuprofile")
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/paas-bench.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$SECONDS
echo "bench: building the backend, routerbench and floorbench"
go build -o "$tmp/bin/" ./bench/cmd/backend ./bench/cmd/routerbench ./bench/cmd/freeport ./bench/cmd/floorbench

# start NAME CMD...: starts a server that prints its address as its first line
# of output, and sets $addr and $pid.
start() {
  local name=$1
  shift
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 200); do
    if grep -q . "$tmp/$name.out" 2>/dev/null; then
      addr=$(head -n1 "$tmp/$name.out")
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "bench: $name did not start:" >&2
  cat "$tmp/$name.err" >&2
  exit 1
}

# forget PID: drops PID from the processes cleanup stops.
forget() {
  local keep=() p
  for p in "${pids[@]}"; do
    [ "$p" = "$1" ] || keep+=("$p")
  done
  pids=("${keep[@]}")
}

# stop PID: stops a server started here and waits for it.
stop() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget "$1"
}

# load ARGS...: runs wrk with ARGS. It runs in the background and is waited
# for because bash runs a signal's trap only once the foreground command ends;
# this way a TERM or Ctrl-C stops everything at once.
load() {
  local p rc=0
  wrk "$@" &
  p=$!
  pids+=("$p")
  wait "$p" || rc=$?
  forget "$p"
  return "$rc"
}

# cpu_ticks PID: CPU time (user + system, in clock ticks) used so far by PID
# and its running descendants: nginx's master and workers, one Go server, or
# a container's init, shell and app.
cpu_ticks() {
  local total=0 p t
  [ -n "$1" ] || { echo 0; return; }
  # Fields 14 and 15 of stat, counted after "pid (comm) ": comm may hold spaces.
  t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' /proc/"$1"/stat 2>/dev/null || echo 0)
  total=${t:-0}
  # shellcheck disable=SC2013 # children holds PIDs separated by spaces
  for p in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    total=$((total + $(cpu_ticks "$p")))
  done
  echo "$total"
}
clk_tck=$(getconf CLK_TCK 2>/dev/null || echo 100)

# listening PORT: whether something accepts connections on 127.0.0.1:PORT.
listening() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# start_nginx UPSTREAM: starts nginx as the current user, with everything in
# $tmp/nginx, proxying to UPSTREAM; sets $addr and $pid.
start_nginx() {
  local dir=$tmp/nginx port user=""
  mkdir -p "$dir"
  # Workers of an nginx started by root switch to "nobody" unless told.
  if [ "$(id -u)" -eq 0 ]; then
    user="user $(id -un) $(id -gn);"
  fi
  for _ in 1 2 3 4 5; do
    port=$("$tmp/bin/freeport")
    cat >"$dir/nginx.conf" <<EOF
# Tuned as for a fair comparison (see bench/README.md): upstream keep-alive,
# HTTP/1.1 to the backend, no access log; the same headers the router sets.
$user
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    # nginx closes a kept-alive connection after 1000 requests by default; Go
    # never does. Raise it so neither side pays for reconnects.
    keepalive_requests 100000;

    upstream app {
        server $1;
        keepalive 64;
        keepalive_requests 100000;
    }
    server {
        listen 127.0.0.1:$port;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$host;
            proxy_set_header X-Forwarded-Port \$server_port;
            proxy_set_header X-Request-Id \$request_id;
            add_header X-Request-Id \$request_id always;
        }
    }
}
EOF
    nginx -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/stdout" 2>&1 &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 100); do
      if listening "$port"; then
        addr=127.0.0.1:$port
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    stop "$pid" # most likely the port was taken in between: try another
  done
  echo "bench: nginx did not start:" >&2
  cat "$dir/error.log" "$dir/stdout" >&2
  exit 1
}

# measure NAME URL CONNECTIONS THREADS SECONDS [strict]: warms up, then runs
# wrk and keeps its RESULT line in $tmp/res/NAME, with the CPU time the server
# process $cpu_pid (and its children) used during the measured run appended
# as cpu_us. If $before_measure is set, it is run after the warm-up.
measure() {
  local name=$1 url=$2 c=$3 t=$4 d=$5 strict=${6:-} cpu0 cpu1
  mkdir -p "$tmp/res"
  if [ "$warmup" -gt 0 ]; then
    load -t"$t" -c"$c" -d"${warmup}s" -H "Host: $host" "$url" >/dev/null
  fi
  if [ -n "${before_measure:-}" ]; then
    $before_measure
  fi
  echo "bench: $name: ${d}s, $c connections, $t threads"
  cpu0=$(cpu_ticks "${cpu_pid:-}")
  load -t"$t" -c"$c" -d"${d}s" -H "Host: $host" -s "$lua" "$url" -- ${strict:+"$strict"} >"$tmp/res/$name.wrk"
  cpu1=$(cpu_ticks "${cpu_pid:-}")
  if ! grep '^RESULT ' "$tmp/res/$name.wrk" >"$tmp/res/$name"; then
    echo "bench: wrk printed no result for $name:" >&2
    cat "$tmp/res/$name.wrk" >&2
    exit 1
  fi
  local cpu_us=-1
  if [ -n "${cpu_pid:-}" ]; then
    cpu_us=$(((cpu1 - cpu0) * 1000000 / clk_tck))
  fi
  sed -i "s/\$/ cpu_us=$cpu_us/" "$tmp/res/$name"
}

# The backends stay up for the whole run: backend 1 serves the direct, nginx
# and router cases, all three the router x3 case. Idle, they cost nothing.
backend_addrs=()
for i in 1 2 3; do
  start "backend$i" "$tmp/bin/backend"
  backend_addrs+=("$addr")
  if [ "$i" = 1 ]; then
    b1_pid=$pid
  fi
done
b1=${backend_addrs[0]}
all3=$(IFS=,; echo "${backend_addrs[*]}")

cpu_pid=$b1_pid
measure direct "http://$b1/" "$conns" "$threads" "$duration"

start_nginx "$b1"
cpu_pid=$pid
measure nginx "http://$addr/" "$conns" "$threads" "$duration"
nginx_pid=$pid
if [ "$latency" = 1 ]; then
  measure nginx-c1 "http://$addr/" 1 1 "$latency_duration"
fi
stop "$nginx_pid"

# The floors: what any Go proxy costs here (bench/cmd/floorbench).
if [ "$floors" = 1 ]; then
  for mode in tcp nethttp fasthttp; do
    start "floor-$mode" "$tmp/bin/floorbench" -mode "$mode" -backend "$b1"
    cpu_pid=$pid
    measure "floor-$mode" "http://$addr/" "$conns" "$threads" "$duration"
    stop "$pid"
  done
fi

profile_flag=()
if [ -n "$cpuprofile" ]; then
  profile_flag=(-cpuprofile "$cpuprofile")
fi
start router "$tmp/bin/routerbench" -backends "$b1" "${profile_flag[@]}"
router_pid=$pid
cpu_pid=$pid
measure router "http://$addr/" "$conns" "$threads" "$duration"
if [ "$latency" = 1 ]; then
  measure router-c1 "http://$addr/" 1 1 "$latency_duration"
fi
stop "$router_pid"
if [ "$latency" = 1 ]; then
  cpu_pid=$b1_pid
  measure direct-c1 "http://$b1/" 1 1 "$latency_duration"
fi

if [ "$request_log" = 1 ]; then
  start router-log "$tmp/bin/routerbench" -backends "$b1" -request-log
  cpu_pid=$pid
  measure router-log "http://$addr/" "$conns" "$threads" "$duration"
  stop "$pid"
  # As paasd runs it: request log and metrics (Prometheus's and the dashboard's).
  start router-paasd "$tmp/bin/routerbench" -backends "$b1" -request-log -metrics
  cpu_pid=$pid
  measure router-paasd "http://$addr/" "$conns" "$threads" "$duration"
  stop "$pid"
  # The same without the fast path: net/http's server for every request.
  start router-nethttp "$tmp/bin/routerbench" -backends "$b1" -request-log -metrics -fast-path=false
  cpu_pid=$pid
  measure router-nethttp "http://$addr/" "$conns" "$threads" "$duration"
  stop "$pid"
fi

start router3 "$tmp/bin/routerbench" -backends "$all3"
cpu_pid=$pid
measure router3 "http://$addr/" "$conns" "$threads" "$duration"
stop "$pid"

# The swap case: routerbench starts its own backend sets and cuts over to a
# new one every $every_ms, SIGUSR1 starting the swaps once the warm-up is over.
every_ms=$((duration * 1000 / (swaps + 1)))
start swap "$tmp/bin/routerbench" -swap-spawn "$tmp/bin/backend" -swap-size "$swap_size" \
  -swaps "$swaps" -swap-every "${every_ms}ms"
swap_pid=$pid
cpu_pid="" # its children are the backends it starts and stops: not comparable
start_swaps() { kill -USR1 "$swap_pid"; }
before_measure=start_swaps measure swap "http://$addr/" "$conns" "$threads" "$duration" strict
swap_summary=""
for _ in $(seq 200); do
  swap_summary=$(grep '^swaps=' "$tmp/swap.out" || true)
  [ -n "$swap_summary" ] && break
  sleep 0.1
done
stop "$swap_pid"
if [ -z "$swap_summary" ]; then
  swap_summary="swaps did not finish"
fi
router_warnings=$(grep -c . "$tmp/swap.err" || true)

# --- End to end, on the Docker Engine ------------------------------------------

# The same app container behind each front: paasd's router (as a user deploys
# with git push), nginx to the container's address on the app's network (as
# Dokku configures it, tuned as above), nginx to a port the engine publishes
# (docker-proxy) for a second container of the same image, and no front.
if [ "$e2e" = 1 ]; then
  for tool in docker git; do
    command -v "$tool" >/dev/null 2>&1 || { echo "bench: $tool not found (BENCH_E2E=0 skips the end-to-end cases)" >&2; exit 1; }
  done
  echo "bench: building paasd and paasctl"
  go build -o "$tmp/bin/" ./cmd/paasd ./cmd/paasctl
  e2e_data=$tmp/paasd-data
  mkdir -p "$e2e_data"
  e2e_api=127.0.0.1:$("$tmp/bin/freeport")
  e2e_router=127.0.0.1:$("$tmp/bin/freeport")
  e2e_token=bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  PAAS_DATA_DIR=$e2e_data PAAS_API_ADDR=$e2e_api PAAS_ROUTER_ADDR=$e2e_router PAAS_METRICS_ADDR=off \
    PAAS_API_TOKEN=$e2e_token "$tmp/bin/paasd" >"$tmp/paasd.log" 2>&1 &
  paasd_pid=$!
  pids+=("$paasd_pid")
  e2e_published=""
  # The app and the second container go before paasd; the app's images with it.
  e2e_cleanup() {
    [ -n "$e2e_published" ] && docker rm -f "$e2e_published" >/dev/null 2>&1
    PAAS_URL=http://$e2e_api PAAS_API_TOKEN=$e2e_token HOME=$e2e_data "$tmp/bin/paasctl" apps:destroy bench --confirm bench >/dev/null 2>&1 || true
  }
  trap 'e2e_cleanup; cleanup' EXIT
  for _ in $(seq 100); do
    curl -sf "http://$e2e_api/healthz" >/dev/null 2>&1 && break
    kill -0 "$paasd_pid" 2>/dev/null || { cat "$tmp/paasd.log" >&2; exit 1; }
    sleep 0.1
  done
  export PAAS_URL=http://$e2e_api PAAS_API_TOKEN=$e2e_token
  app_src=$tmp/app
  mkdir -p "$app_src"
  printf 'module bench\n\ngo 1.22\n' >"$app_src/go.mod"
  cat >"$app_src/main.go" <<'GO'
package main

import (
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	_ = http.ListenAndServe(":"+os.Getenv("PORT"), nil)
}
GO
  (
    cd "$app_src"
    export HOME=$e2e_data
    git init -q -b main
    git add .
    git -c user.email=bench@paas -c user.name=bench commit -qm bench
    "$tmp/bin/paasctl" apps:create bench >/dev/null
    "$tmp/bin/paasctl" git:remote -a bench >/dev/null
    echo "bench: pushing the app (the first run makes the Go stack image)"
    git push -q paas main >"$tmp/push.log" 2>&1 || { cat "$tmp/push.log" >&2; exit 1; }
  )
  web=$(docker ps -q --filter label=paas.app=bench --filter label=paas.type=web | head -n1)
  e2e_image=$(docker inspect -f '{{.Config.Image}}' "$web")
  e2e_net=$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' "$web")
  e2e_container=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$web"):5000
  # The same command as web.1's (paas gives it; the image may have none).
  mapfile -t e2e_cmd < <(docker inspect -f '{{range .Config.Cmd}}{{println .}}{{end}}' "$web" | sed '/^$/d')
  e2e_published=$(docker run -d --rm --network "$e2e_net" -p 127.0.0.1::5000 -e PORT=5000 \
    --label paas.bench=1 "$e2e_image" "${e2e_cmd[@]}")
  e2e_port=$(docker port "$e2e_published" 5000/tcp | head -n1)
  for _ in $(seq 100); do
    curl -sf "http://$e2e_port/" >/dev/null 2>&1 && break
    sleep 0.1
  done
  web_pid=$(docker inspect -f '{{.State.Pid}}' "$web")

  for c in "$conns:$threads:$duration" "1:1:$latency_duration"; do
    IFS=: read -r n t d <<<"$c"
    suffix=""
    [ "$n" = 1 ] && suffix=-c1
    cpu_pid=$web_pid
    measure "e2e-direct$suffix" "http://$e2e_container/" "$n" "$t" "$d"
    start_nginx "$e2e_container"
    cpu_pid=$pid
    measure "e2e-nginx$suffix" "http://$addr/" "$n" "$t" "$d"
    stop "$pid"
    start_nginx "$e2e_port"
    cpu_pid=$pid
    measure "e2e-nginx-published$suffix" "http://$addr/" "$n" "$t" "$d"
    stop "$pid"
    cpu_pid=$paasd_pid
    measure "e2e-paasd$suffix" "http://$e2e_router/" "$n" "$t" "$d"
  done
  e2e_cleanup
  e2e_published=""
fi

# --- Report -----------------------------------------------------------------

# get NAME KEY: a field of a case's RESULT line.
get() {
  grep -o "\b$2=[^ ]*" "$tmp/res/$1" | head -n1 | cut -d= -f2
}

# row LABEL NAME [BASE_NGINX] [BASE_DIRECT]: a table row for case NAME.
row() {
  local label=$1 name=$2 nginx_case=${3:-} direct_case=${4:-}
  local rps p50 p99 socket status non2xx errors
  rps=$(get "$name" rps)
  p50=$(get "$name" p50_us)
  p99=$(get "$name" p99_us)
  socket=$(($(get "$name" connect) + $(get "$name" read) + $(get "$name" write) + $(get "$name" timeout)))
  status=$(get "$name" status)
  non2xx=$(get "$name" non2xx)
  if [ "$non2xx" -ge 0 ]; then
    errors="$socket socket, $non2xx non-2xx"
  else
    errors="$socket socket, $status 4xx/5xx"
  fi
  awk -v label="$label" -v rps="$rps" -v p50="$p50" -v p99="$p99" -v errors="$errors" \
    -v cpu="$(get "$name" cpu_us)" -v requests="$(get "$name" requests)" \
    -v nrps="${nginx_case:+$(get "$nginx_case" rps)}" \
    -v drps="${direct_case:+$(get "$direct_case" rps)}" \
    -v dp50="${direct_case:+$(get "$direct_case" p50_us)}" \
    -v dp99="${direct_case:+$(get "$direct_case" p99_us)}" '
    BEGIN {
      vs_nginx = nrps == "" ? "—" : sprintf("%.2fx", rps / nrps)
      vs_direct = drps == "" ? "—" : sprintf("%.2fx", rps / drps)
      added = dp99 == "" ? "—" : sprintf("%+.2f / %+.2f ms", (p50 - dp50) / 1000, (p99 - dp99) / 1000)
      per_req = cpu < 0 || requests == 0 ? "—" : sprintf("%.1f µs", cpu / requests)
      printf "| %s | %.0f | %.2f ms | %.2f ms | %s | %s | %s | %s | %s |\n",
        label, rps, p50 / 1000, p99 / 1000, errors, vs_nginx, vs_direct, added, per_req
    }'
}

# row_e2e LABEL NAME SUFFIX: an end-to-end row, against both nginx set-ups
# and the direct connection of the same run.
row_e2e() {
  local label=$1 name=$2 sfx=$3 socket
  socket=$(($(get "$name" connect) + $(get "$name" read) + $(get "$name" write) + $(get "$name" timeout)))
  awk -v label="$label" -v rps="$(get "$name" rps)" -v p50="$(get "$name" p50_us)" -v p99="$(get "$name" p99_us)" \
    -v errors="$socket socket, $(get "$name" status) 4xx/5xx" \
    -v cpu="$(get "$name" cpu_us)" -v requests="$(get "$name" requests)" \
    -v nc="$(get "e2e-nginx$sfx" rps)" -v np="$(get "e2e-nginx-published$sfx" rps)" -v d="$(get "e2e-direct$sfx" rps)" '
    BEGIN {
      per_req = cpu < 0 || requests == 0 ? "—" : sprintf("%.1f µs", cpu / requests)
      printf "| %s | %.0f | %.2f ms | %.2f ms | %s | %.2fx | %.2fx | %.2fx | %s |\n",
        label, rps, p50 / 1000, p99 / 1000, errors, rps / nc, rps / np, rps / d, per_req
    }'
}

header_e2e() {
  echo "| case | req/s | p50 | p99 | errors | vs nginx → container | vs nginx → published port | vs direct | CPU per request |"
  echo "|---|---:|---:|---:|---|---:|---:|---:|---:|"
}

header() {
  echo "| case | req/s | p50 | p99 | errors | req/s vs nginx | req/s vs direct | added p50 / p99 vs direct | CPU per request |"
  echo "|---|---:|---:|---:|---|---:|---:|---:|---:|"
}

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//' || true)
{
  echo "## Router load benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) CPUs (${cpu:-unknown}), Linux $(uname -r); $(go version | cut -d' ' -f3);" \
    "$(nginx -v 2>&1 | sed 's/^nginx version: //'); wrk $(wrk -v 2>&1 | head -n1 | cut -d' ' -f2)."
  echo "wrk, load generator and servers on the same machine, all on 127.0.0.1:" \
    "${duration} s per case after ${warmup} s of warm-up, $conns connections, $threads threads," \
    "a 2-byte response (\"ok\")." \
    "Load average (1, 5, 15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg);" \
    "the run took $((SECONDS - started)) s."
  echo
  header
  row "direct to the backend" direct "" ""
  row "nginx (tuned), 1 backend" nginx nginx direct
  if [ "$floors" = 1 ]; then
    row "Go TCP relay, no HTTP (floor)" floor-tcp nginx direct
    row "minimal net/http proxy (floor)" floor-nethttp nginx direct
    row "minimal fasthttp proxy (floor)" floor-fasthttp nginx direct
  fi
  row "router, 1 backend" router nginx direct
  if [ "$request_log" = 1 ]; then
    row "router + request log, 1 backend" router-log nginx direct
    row "router + request log + metrics (as paasd), 1 backend" router-paasd nginx direct
    row "the same on net/http's server alone (PAAS_ROUTER_FASTPATH=0)" router-nethttp nginx direct
  fi
  row "router, 3 backends" router3 nginx direct
  row "router, $swaps swaps of $swap_size backends under load" swap nginx direct
  echo
  echo "Swaps: $swap_summary; router warnings logged: $router_warnings."
  echo
  echo "errors: wrk's socket errors (connect, read, write, timeout) and responses with status >= 400" \
    "(the swap case counts every non-2xx). CPU per request: CPU time of the server under test" \
    "(the backend for direct, nginx's master and workers, floorbench, routerbench) during the measured run," \
    "divided by the requests; it moves less than req/s when other work shares the machine."
  if [ "$latency" = 1 ]; then
    echo
    echo "Latency without load: 1 connection, 1 thread, ${latency_duration} s per case."
    echo
    header
    row "direct to the backend" direct-c1 "" ""
    row "nginx (tuned), 1 backend" nginx-c1 nginx-c1 direct-c1
    row "router, 1 backend" router-c1 nginx-c1 direct-c1
  fi
  if [ "$e2e" = 1 ]; then
    echo
    echo "End to end on the Docker Engine: a Go net/http app pushed to paasd with git push and built by" \
      "paas's Go stack, answering \"ok\"; each front in front of the same container (the published-port" \
      "case: a second container of the same image, on the same network). CPU per request: the app's" \
      "processes for direct, nginx's, paasd's whole process for paasd."
    for sfx in "" -c1; do
      echo
      if [ -z "$sfx" ]; then
        echo "$conns connections, $threads threads, ${duration} s per case:"
      else
        echo "1 connection, 1 thread, ${latency_duration} s per case:"
      fi
      echo
      header_e2e
      row_e2e "direct to the container's address" "e2e-direct$sfx" "$sfx"
      row_e2e "nginx (tuned) to the container's address (Dokku)" "e2e-nginx$sfx" "$sfx"
      row_e2e "nginx (tuned) to a published port (docker-proxy)" "e2e-nginx-published$sfx" "$sfx"
      row_e2e "paasd's router, end to end" "e2e-paasd$sfx" "$sfx"
    done
  fi
} >"$tmp/report.md"

mkdir -p "$(dirname "$out")"
cp "$tmp/report.md" "$out"
echo
cat "$out"
echo
echo "bench: table written to $out"
if [ -n "$cpuprofile" ]; then
  echo "bench: CPU profile of the router case in $cpuprofile (go tool pprof -top $cpuprofile)"
fi

# The swap case is a correctness check as well as a measurement.
if [ "$(get swap non2xx)" != 0 ] || [ "$(($(get swap connect) + $(get swap read) + $(get swap write) + $(get swap timeout)))" != 0 ] ||
  ! grep -q "^swaps=$swaps failed=0 " <<<"$swap_summary"; then
  echo "bench: FAILED: requests failed or swaps did not complete while backends were swapped" >&2
  cat "$tmp/swap.err" >&2
  exit 1
fi

# Log collection: logplex against docker logs -f on the same engine.
if [ "${BENCH_LOGS:-1}" != 0 ]; then
  echo
  BENCH_LOGS_OUT="$(dirname "$out")/logs.md" bash "$(dirname "$0")/logs.sh"
fi
