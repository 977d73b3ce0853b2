#!/usr/bin/env bash
# Log collection benchmark: paasd's logplex against `docker logs -f`, reading
# N containers that each write M numbered lines as fast as they can, on the
# local Docker Engine. Builds and runs bench/cmd/logbench; see bench/README.md
# for what is measured and how to read the table. Exits non-zero if logplex
# lost, repeated or disordered a line.
#
# Needs a reachable Docker Engine, the docker CLI and the host's busybox
# (Debian: busybox-static); nothing is pulled. The busybox image and the
# containers get unique names and are removed at the end, also on Ctrl-C.
#
# Settings (environment):
#   BENCH_LOGS_CONTAINERS=4    containers written and read at once (N)
#   BENCH_LOGS_LINES=50000     lines each container writes (M)
#   BENCH_LOGS_WIDTH=100       bytes per line (0: just "c<i> <n>")
#   BENCH_LOGS_MODE=live       live: fresh containers per reader, followed while
#                              they write; finished: both readers read the same
#                              stopped containers
#   BENCH_LOGS_ROUNDS=3        measurements of each reader (the order alternates)
#   BENCH_LOGS_BUFFER=10000    logplex BufferLines (paasd's default)
#   BENCH_LOGS_TAIL_BUFFER=0   TailBuffer of the bench's tail (0: never drops)
#   BENCH_LOGS_TIMEOUT=5m      longest one reader may take
#   BENCH_LOGS_CPUPROFILE=FILE CPU profile of the first logplex measurement
#   BENCH_LOGS_OUT=FILE        also write the table to FILE
set -euo pipefail
caller=$PWD
cd "$(dirname "$0")/.."

for tool in go docker busybox; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench/logs.sh: $tool not found" >&2
    exit 1
  fi
done

args=(
  -containers "${BENCH_LOGS_CONTAINERS:-4}"
  -lines "${BENCH_LOGS_LINES:-50000}"
  -width "${BENCH_LOGS_WIDTH:-100}"
  -mode "${BENCH_LOGS_MODE:-live}"
  -rounds "${BENCH_LOGS_ROUNDS:-3}"
  -buffer "${BENCH_LOGS_BUFFER:-10000}"
  -tail-buffer "${BENCH_LOGS_TAIL_BUFFER:-0}"
  -timeout "${BENCH_LOGS_TIMEOUT:-5m}"
)
# A relative path is meant from where the script was called.
abspath() {
  case $1 in
    /*) echo "$1" ;;
    *) echo "$caller/$1" ;;
  esac
}
if [ -n "${BENCH_LOGS_CPUPROFILE:-}" ]; then
  args+=(-cpuprofile "$(abspath "$BENCH_LOGS_CPUPROFILE")")
fi
if [ -n "${BENCH_LOGS_OUT:-}" ]; then
  out=$(abspath "$BENCH_LOGS_OUT")
  mkdir -p "$(dirname "$out")"
  args+=(-out "$out")
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/paas-logbench.XXXXXX")
pid=""
# shellcheck disable=SC2317 # run by the EXIT trap, which shellcheck does not follow
cleanup() {
  if [ -n "$pid" ]; then
    # logbench removes its containers and image when told to stop.
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "bench/logs.sh: building logbench" >&2
go build -o "$tmp/logbench" ./bench/cmd/logbench

# In the background and waited for, so that a TERM or Ctrl-C reaches the
# script's trap at once, and through it logbench.
rc=0
"$tmp/logbench" "${args[@]}" &
pid=$!
wait "$pid" || rc=$?
pid=""
exit "$rc"
