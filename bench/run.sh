#!/usr/bin/env bash
# Runs the Go benchmarks. The router-vs-nginx load benchmark joins here with
# the router issue; see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run '^$' -bench . -benchmem ./...
