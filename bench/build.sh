#!/usr/bin/env bash
# Push-to-serving benchmark of a build without a Dockerfile: a Go app with no
# dependencies is pushed once, then changed in its source only and pushed
# again, timed from `git push` to the router's first 200 with the new body.
# The baseline, in the same run: `docker build` of the very Dockerfile paas
# generated for the app (paasctl builds:dockerfile) on the same tree, then
# `docker run` of the image and its first 200. All on 127.0.0.1; `make
# bench-build` runs this. See bench/README.md.
#
# Settings (environment):
#   BENCH_BUILD_ROUNDS=3   source-only changes timed, for each side
#   BENCH_OUT=bench/results/build.md
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

rounds=${BENCH_BUILD_ROUNDS:-3}
out=${BENCH_OUT:-bench/results/build.md}
for tool in docker git curl go awk; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench-build: $tool not found (make deps installs what paas needs)" >&2
    exit 1
  fi
done
if [ ! -x bin/paasd ] || [ ! -x bin/paasctl ]; then
  echo "bench-build: bin/paasd and bin/paasctl are missing: run make build (make bench-build does)" >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/paas-bench-build.XXXXXX")
paasd_pid=
baseline_container=
app=bench-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
cleanup() {
  if [ -n "$baseline_container" ]; then docker rm -f "$baseline_container" >/dev/null 2>&1 || true; fi
  docker images -q "paas-bench-build-$app" | sort -u | xargs -r docker rmi -f >/dev/null 2>&1 || true
  if [ -n "$paasd_pid" ]; then
    ctl apps:destroy "$app" --confirm "$app" >/dev/null 2>&1 || true
    kill -TERM "$paasd_pid" 2>/dev/null || true
    wait "$paasd_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

go build -o "$tmp/bin/" ./bench/cmd/freeport
api_port=$("$tmp/bin/freeport")
router_port=$("$tmp/bin/freeport")
token=bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
export PAAS_URL=http://127.0.0.1:$api_port PAAS_API_TOKEN=$token
mkdir -p "$HOME"
ctl() { bin/paasctl "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }

echo "bench-build: making the stack images if this machine lacks them (once per machine)"
bin/paasd stacks >"$tmp/stacks.log" 2>&1 || { cat "$tmp/stacks.log" >&2; exit 1; }

PAAS_DATA_DIR=$tmp/data PAAS_API_ADDR=127.0.0.1:$api_port PAAS_ROUTER_ADDR=127.0.0.1:$router_port \
  PAAS_STOP_TIMEOUT=5s bin/paasd >"$tmp/paasd.log" 2>&1 &
paasd_pid=$!
deadline=$((SECONDS + 30))
until curl -fs "$PAAS_URL/healthz" >/dev/null; do
  if [ $SECONDS -ge $deadline ]; then
    echo "bench-build: paasd did not answer within 30s:" >&2
    cat "$tmp/paasd.log" >&2
    exit 1
  fi
  sleep 0.1
done

# waitbody URL HOST BODY: polls until the answer is 200 with BODY.
waitbody() {
  local limit=$((SECONDS + 300))
  until [ "$(curl -s -H "Host: $2" "$1" 2>/dev/null || true)" = "$3" ]; do
    if [ $SECONDS -ge $limit ]; then
      echo "bench-build: $1 (Host $2) did not answer $3 within 300s" >&2
      return 1
    fi
    sleep 0.05
  done
}

# write_main BODY: the app's only Go file, answering BODY.
write_main() {
  printf 'package main\n\nimport (\n\t"fmt"\n\t"net/http"\n\t"os"\n)\n\nfunc main() {\n\thttp.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "%s") })\n\tpanic(http.ListenAndServe(":"+os.Getenv("PORT"), nil))\n}\n' "$1"
}

repo=$tmp/repo
mkdir -p "$repo"
git -C "$repo" init -q -b main
printf 'module example.com/bench\n\ngo 1.22\n' >"$repo/go.mod"
: >"$repo/go.sum"
printf 'web: /app/bin/bench\n' >"$repo/Procfile"
write_main v0 >"$repo/main.go"
git -C "$repo" add -A
git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -q -m v0
ctl apps:create "$app" >/dev/null
(cd "$repo" && "$root/bin/paasctl" git:remote -a "$app" >/dev/null)
echo "bench-build: first push of $app (builds the dependency layers)"
git -C "$repo" push -q paas main >"$tmp/push0.log" 2>&1 || { cat "$tmp/push0.log" >&2; exit 1; }
waitbody "http://127.0.0.1:$router_port/" "$app.localhost" v0

# The baseline builds the same tree with the same Dockerfile; like paas's
# build context, without .git (neither file is committed).
mkdir -p "$repo/.paas"
printf '.git\n' >"$repo/.dockerignore"
ctl builds:dockerfile -a "$app" >"$repo/.paas/Dockerfile" 2>/dev/null

paas_times=()
base_times=()
for i in $(seq 1 "$rounds"); do
  write_main "v$i" >"$repo/main.go"
  git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -q -am "v$i"
  t0=$(now)
  git -C "$repo" push -q paas main >"$tmp/push$i.log" 2>&1 || { cat "$tmp/push$i.log" >&2; exit 1; }
  waitbody "http://127.0.0.1:$router_port/" "$app.localhost" "v$i"
  paas_times+=("$(since "$t0")")

  write_main "b$i" >"$repo/main.go"
  port=$("$tmp/bin/freeport")
  t0=$(now)
  DOCKER_BUILDKIT=0 docker build -q -f "$repo/.paas/Dockerfile" -t "paas-bench-build-$app:$i" "$repo" >/dev/null 2>"$tmp/build$i.err" || { cat "$tmp/build$i.err" >&2; exit 1; }
  baseline_container=$(docker run -d -e PORT=5000 -p "127.0.0.1:$port:5000" "paas-bench-build-$app:$i" /app/bin/bench)
  waitbody "http://127.0.0.1:$port/" "localhost" "b$i"
  base_times+=("$(since "$t0")")
  docker rm -f "$baseline_container" >/dev/null
  baseline_container=
  git -C "$repo" checkout -q -- main.go
  echo "bench-build: round $i: paas ${paas_times[-1]}s, docker build + run ${base_times[-1]}s"
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
paas_med=$(median "${paas_times[@]}")
base_med=$(median "${base_times[@]}")
ratio=$(awk -v a="$paas_med" -v b="$base_med" 'BEGIN { printf "%.2f", a / b }')
mkdir -p "$(dirname "$out")"
{
  echo "# Push to serving, source-only change of a Go app without a Dockerfile"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $rounds rounds"
  echo
  echo "| case | median s | rounds s |"
  echo "|---|---|---|"
  echo "| paas: git push to first 200 through the router | $paas_med | ${paas_times[*]} |"
  echo "| docker build of the same Dockerfile + docker run to first 200 | $base_med | ${base_times[*]} |"
  echo
  echo "paas / baseline: **$ratio**"
} | tee "$out"
