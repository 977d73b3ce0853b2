#!/usr/bin/env bash
# Makes what paasd and its tests need available on a Debian machine: a running
# Docker Engine, git, shellcheck (make lint), bash-completion, debootstrap (the
# stack images), chromium (the dashboard's browser tests), and a static busybox (the tests'
# base image is built from it, since no registry can be reached). Installs
# only what is missing.
#
#   host-deps.sh            install what is missing and start dockerd (make deps)
#   host-deps.sh --bench    the same, and wrk and nginx for make bench
#   host-deps.sh --check    install nothing: say what is missing and how to
#                           get it, and fail if anything is (make test)
set -euo pipefail

mode=install
bench=false
for arg in "$@"; do
  case "$arg" in
    --check) mode=check ;;
    --bench) bench=true ;;
    *) echo "host-deps: unknown argument $arg (want --check or --bench)" >&2; exit 2 ;;
  esac
done

need=()
command -v git >/dev/null 2>&1 || need+=(git)
command -v busybox >/dev/null 2>&1 || need+=(busybox-static)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
# paasctl completion bash needs it, as every cobra tool's does; a test runs it.
[ -f /usr/share/bash-completion/bash_completion ] || need+=(bash-completion)
# paasd makes the stack images of apps without a Dockerfile with it.
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v docker >/dev/null 2>&1 || need+=(docker.io)
# The swarm tests put private engines in network namespaces of their own.
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v nsenter >/dev/null 2>&1 || need+=(util-linux)
# The dashboard's tests drive it headless (chromedp).
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if $bench; then
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
  command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
fi

if [ "$mode" = check ]; then
  missing=()
  [ ${#need[@]} -gt 0 ] && missing+=("the Debian packages ${need[*]}")
  if command -v docker >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
    missing+=("a running Docker Engine (docker info fails)")
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "host-deps: missing:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    echo "host-deps: run 'make deps' (as root, or with sudo) to install and start them" >&2
    exit 1
  fi
  exit 0
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "host-deps: need root to run: $*" >&2; exit 1; fi
}

if [ ${#need[@]} -gt 0 ]; then
  echo "host-deps: installing ${need[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if docker info >/dev/null 2>&1; then
  exit 0
fi
wait_for_docker() {
  for _ in $(seq 1 "$1"); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}

# A dockerd that is starting or stopping answers nothing for a while: give it
# time before starting another.
if pgrep -x dockerd >/dev/null 2>&1; then
  echo "host-deps: dockerd is running but not answering yet; waiting"
  wait_for_docker 60 && exit 0
  while pgrep -x dockerd >/dev/null 2>&1; do sleep 0.5; done
fi
echo "host-deps: Docker Engine not reachable; starting dockerd"
if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
  as_root systemctl start docker
else
  # A pid file left by a dockerd that died would stop the new one.
  as_root rm -f /var/run/docker.pid
  as_root sh -c 'nohup dockerd >/var/log/paas-dockerd.log 2>&1 &'
fi
wait_for_docker 120 && exit 0
echo "host-deps: dockerd did not come up within 60s; see /var/log/paas-dockerd.log" >&2
exit 1
