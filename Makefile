# TraceVault. `make run` runs the product (server with embedded store and
# demo data); `make test` is the full test suite (what CI runs).
GO      ?= go
BIN     ?= bin
PREFIX  ?= $(shell $(GO) env GOPATH)
export GOFLAGS := -buildvcs=false

.PHONY: all build install test unit lint e2e bench demo run generate clean

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/tracevault
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $(BIN)/ ./cmd/tracevault-hook ./cmd/tracevault-hookd ./cmd/tracevault-githook
	$(GO) build -tags nomsgpack -o $(BIN)/ ./cmd/tracevault-server
	cp $(BIN)/tracevault $(BIN)/git-tracevault

## install: tracevault, git-tracevault (so `git tracevault` works), tracevault-hook, tracevault-hookd, tracevault-githook and tracevault-server into $(PREFIX)/bin
install: build
	install -d $(PREFIX)/bin
	install -m 0755 $(BIN)/tracevault $(BIN)/git-tracevault $(BIN)/tracevault-hook $(BIN)/tracevault-hookd $(BIN)/tracevault-githook $(BIN)/tracevault-server $(PREFIX)/bin/

## test: everything CI runs: tools, lint, then every test (unit, real git, real agent CLIs)
test:
	@eval "$$(scripts/deps.sh)" && $(MAKE) --no-print-directory lint && $(GO) test -count=1 -timeout 25m ./...

## unit: tests without installing anything
unit:
	$(GO) test ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@PATH="$$($(GO) env GOPATH)/bin:$$PATH" staticcheck ./...

e2e:
	$(GO) test ./cmd/...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

## run: the product with embedded defaults and demo data (server on 127.0.0.1:3000)
run: build
	BIN=$(BIN) scripts/run.sh

demo: build
	$(BIN)/tracevault demo

generate:
	$(GO) generate ./...

clean:
	rm -rf $(BIN)
