# Edgedesk developer targets. `make run` starts a development edge node;
# `make test` is what CI runs (.ci/run); `make check` must pass before a merge.

GO       ?= go
DATA     ?= ./.edgedesk-data
FUZZTIME ?= 20s
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: build run test fuzz check bench clean

build:
	$(GO) build -o bin/ ./edge/cmd/...

run: build
	bin/edge --dev --data $(DATA)

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 25m ./...

# Runs every Fuzz target in the repository for FUZZTIME each.
# go test -fuzz accepts one package and one target per run, hence the loop.
fuzz:
	@set -e; \
	for file in $$(grep -rl --include='*_test.go' --exclude-dir=testdata --exclude-dir=node_modules '^func Fuzz' . | sort); do \
		pkg=./$$(dirname "$${file#./}"); \
		for name in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$$file"); do \
			echo "== $$pkg $$name"; \
			$(GO) test -run='^$$' -fuzz="^$$name$$" -fuzztime=$(FUZZTIME) "$$pkg"; \
		done; \
	done

# Fails on unformatted code, vet or staticcheck findings, or an untidy go.mod.
# `go mod tidy -diff` prints what tidy would change and fails without
# touching go.mod/go.sum; run `go mod tidy` to apply it.
check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt -l: these files need gofmt -w:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) mod tidy -diff

bench:
	$(GO) test -run='^$$' -bench=. -benchmem -count=1 ./...

clean:
	rm -rf bin/
