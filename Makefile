# paas — the two commands a new machine needs: `make run` and `make test`.
GO      ?= go
BIN     := bin
PKGS    := ./...
# Tests that need Docker fail rather than skip under `make test`.
export PAAS_REQUIRE_DOCKER := 1

.PHONY: all build run test unit lint bench deps busybox-image clean

all: build

build:
	$(GO) build -o $(BIN)/paasd ./cmd/paasd
	$(GO) build -o $(BIN)/paasctl ./cmd/paasctl

# Runs paasd in the foreground with its embedded defaults (API and git on
# 127.0.0.1:7070, router on 127.0.0.1:8080, apps at http://<app>.localhost:8080/).
run: deps build
	./$(BIN)/paasd

deps:
	./scripts/host-deps.sh

test: deps lint
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

# Unit tests only: no Docker needed.
unit:
	PAAS_REQUIRE_DOCKER= $(GO) test -race -count=1 -short $(PKGS)

lint:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

bench: build
	./scripts/host-deps.sh --bench
	./bench/run.sh

# A 2 MB base image (paas/busybox) for trying paas without a registry.
busybox-image: deps
	./scripts/busybox-image.sh

clean:
	rm -rf $(BIN)
