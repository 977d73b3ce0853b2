# paas — the two commands a new machine needs: `make run` and
# `make deps test` (deps installs host packages and starts Docker; test only
# checks for them and says what is missing).
GO      ?= go
BIN     := bin
PKGS    := ./...
# Both binaries say which build they are (paasd --version, paasctl version,
# /healthz).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X github.com/paas-dev/paas/internal/version.Version=$(VERSION) \
           -X github.com/paas-dev/paas/internal/version.Commit=$(COMMIT)
SHELL_SCRIPTS := $(wildcard scripts/*.sh bench/*.sh) .ci/run
# staticcheck finds bugs vet does not (SA4006: a value never used); pinned,
# and fetched through the module proxy by go run on a fresh machine.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Tests that need Docker fail rather than skip under `make test`.
export PAAS_REQUIRE_DOCKER := 1

.PHONY: all build run test unit lint bench bench-build deps check-deps busybox-image clean faults stacks

# How many times make faults kills paasd; make test runs 10.
FAULTS ?= 100

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/paasd ./cmd/paasd
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/paasctl ./cmd/paasctl

# Runs paasd in the foreground with its embedded defaults (API and git on
# 127.0.0.1:7070, router on 127.0.0.1:8080, apps at http://<app>.localhost:8080/).
run: deps build
	./$(BIN)/paasd

# Makes the stack images apps without a Dockerfile build on (Debian
# bookworm by debootstrap, and each language's toolchain from Debian's
# packages), once per machine; a push makes the ones it needs otherwise.
stacks: deps build
	./$(BIN)/paasd stacks

# Installs what is missing (git, busybox-static, shellcheck, bash-completion,
# debootstrap, docker.io, iproute2, util-linux) and starts dockerd: needs root
# or sudo.
deps:
	./scripts/host-deps.sh

# Installs nothing: says what is missing and that make deps gets it.
check-deps:
	./scripts/host-deps.sh --check

test: check-deps lint
	$(GO) test -race -count=1 -timeout 30m $(PKGS)
	$(MAKE) faults FAULTS=10

# The fault suite: kill -9 of paasd at random points of pushes, config
# changes, scales and rollbacks, and a full disk during a push; after each,
# no release lost or half-written, the chain intact, the current release
# serving, no container left over. FAULTS_SEED=N replays a run. Needs root
# (it mounts a small tmpfs) and Docker; sends traffic to loopback only.
faults: check-deps
	FAULTS=$(FAULTS) $(GO) test -count=1 -timeout 60m -run '^TestFaults' -v ./e2e

# Unit tests only: no Docker needed.
unit:
	PAAS_REQUIRE_DOCKER= $(GO) test -race -count=1 -short $(PKGS)

lint:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run $(STATICCHECK) $(PKGS)
	$(GO) mod tidy -diff
	@# api is the wire types and the Go client, for paasctl and anyone's
	@# tools: it must not pull in paasd's insides (nomad checks its api the same way).
	@deps=$$($(GO) list -deps ./api | grep 'github.com/paas-dev/paas/internal/' || true); \
	  if [ -n "$$deps" ]; then echo "lint: package api imports internal packages:"; echo "$$deps"; exit 1; fi
	@command -v shellcheck >/dev/null || { echo "lint: shellcheck is missing: run make deps (or apt-get install shellcheck)"; exit 1; }
	shellcheck $(SHELL_SCRIPTS)
	@# The systemd unit, as systemd would load it (pointed at this build).
	@if command -v systemd-analyze >/dev/null; then \
	  $(GO) build -o $(BIN)/paasd ./cmd/paasd && tmp=$$(mktemp -d) && \
	  sed "s#/usr/local/bin/paasd#$(CURDIR)/$(BIN)/paasd#" contrib/systemd/paasd.service >$$tmp/paasd.service && \
	  out=$$(systemd-analyze verify $$tmp/paasd.service 2>&1); rc=$$?; rm -rf $$tmp; \
	  if [ $$rc -ne 0 ] || [ -n "$$out" ]; then echo "$$out"; echo "lint: contrib/systemd/paasd.service: fix the above"; exit 1; fi; \
	else echo "lint: systemd-analyze not found: contrib/systemd/paasd.service not checked"; fi

bench: build
	./scripts/host-deps.sh --bench
	./bench/run.sh

# Push-to-serving of a source-only change against docker build + run of the
# same generated Dockerfile (bench/README.md).
bench-build: build
	./bench/build.sh

# A 2 MB base image (paas/busybox) for trying paas without a registry.
busybox-image: check-deps
	./scripts/busybox-image.sh

clean:
	rm -rf $(BIN)
