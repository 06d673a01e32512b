# Edgedesk developer targets. `make run` starts a development edge node;
# `make test` is what CI runs (.ci/run): `make check`, the OpenAPI lint, the widget's unit
# tests (Vitest), then every Go test with -race, the browser test among
# them.

GO       ?= go
DATA     ?= ./.edgedesk-data
FUZZTIME ?= 20s
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

# Two Go modules, tied by go.work: the edge, hub and TURN server (the
# root), and the Grafana data source's backend (grafana-plugin, which has
# the Grafana SDK's dependencies to itself). `./...` stops at a module's
# edge, so every Go target names both.
GOPKGS   := ./... ./grafana-plugin/...
GOMODS   := . grafana-plugin

.PHONY: build web plugins packages grafana grafana-backend chromium coturn mailtools run test screenshots fuzz check bench clean openapi

# The edge embeds the browser code that `web` builds (web/dist).
build: web
	$(GO) build -o bin/ ./edge/cmd/... ./hub/cmd/... ./turn/cmd/...

# The Grafana app: npm packages, typecheck, the AMD modules Grafana loads
# and the panel's test page, then the data source's backend beside them.
# An npm package ships Go files: a go.mod in node_modules keeps them out
# of the grafana-plugin module's ./... (docs/grafana.md).
grafana:
	cd grafana-plugin && npm ci --no-audit --no-fund --loglevel=error && npm run build
	printf 'module edgedesk.invalid/node_modules\n' > grafana-plugin/node_modules/go.mod
	$(MAKE) grafana-backend

# The Grafana data source's backend, named as Grafana looks for it
# (docs/grafana.md).
grafana-backend:
	mkdir -p grafana-plugin/dist
	cd grafana-plugin && CGO_ENABLED=0 $(GO) build -trimpath -o dist/gpx_edgedesk_$$($(GO) env GOOS)_$$($(GO) env GOARCH) ./pkg

# npm packages (exactly as package-lock.json has them) and the widget bundle.
web:
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build

# The shipped plugins, built from source to WebAssembly with the standard
# toolchain (docs/plugins.md).
# `make run` signs them with a development key (bin/plugin-dev.key, made
# once) into packages its edges install; a version names the module's hash.
PLUGIN_KEY ?= bin/plugin-dev
plugins:
	mkdir -p bin/plugins
	GOOS=wasip1 GOARCH=wasm $(GO) build -trimpath -buildmode=c-shared -o bin/plugins/routing.wasm ./plugins/routing
	GOOS=wasip1 GOARCH=wasm $(GO) build -trimpath -buildmode=c-shared -o bin/plugins/nlp.wasm ./plugins/nlp
	GOOS=wasip1 GOARCH=wasm $(GO) build -trimpath -buildmode=c-shared -o bin/plugins/triage.wasm ./plugins/triage

packages: build plugins
	@[ -f $(PLUGIN_KEY).key ] || bin/edge plugin keygen --out $(PLUGIN_KEY)
	bin/edge plugin pack --wasm bin/plugins/routing.wasm --name routing --kind routing \
		--version 1.0.0+$$(sha256sum bin/plugins/routing.wasm | cut -c1-12) --key $(PLUGIN_KEY).key --out bin/plugins/routing
	bin/edge plugin pack --wasm bin/plugins/nlp.wasm --name nlp --kind nlp \
		--version 1.0.0+$$(sha256sum bin/plugins/nlp.wasm | cut -c1-12) --key $(PLUGIN_KEY).key --out bin/plugins/nlp
	bin/edge plugin pack --wasm bin/plugins/triage.wasm --name triage --kind automation --caps config \
		--version 1.0.0+$$(sha256sum bin/plugins/triage.wasm | cut -c1-12) --key $(PLUGIN_KEY).key --out bin/plugins/triage

# Debian's chromium, which the browser tests drive (playwright-core never
# downloads a browser of its own).
CHROMIUM ?= /usr/bin/chromium
chromium:
	@if [ ! -x $(CHROMIUM) ] || [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then 		echo "installing Debian's chromium and a CJK font for the browser tests"; 		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); 		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; 	fi

# Debian's coturn: its test client and peer check the embedded TURN server
# (turn/interop_test.go), and its server is what the relay benchmark
# compares with.
coturn:
	@if ! command -v turnutils_uclient >/dev/null; then \
		echo "installing Debian's coturn for the TURN interoperability test"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq coturn >/dev/null; \
	fi

# Debian's swaks and dovecot: swaks sends mail to the edge's SMTP server
# and dovecot holds the mailbox an inbox polls over IMAP, in the e-mail
# channel's tests (edge/email).
mailtools:
	@if ! command -v swaks >/dev/null || [ ! -x /usr/sbin/dovecot ]; then \
		echo "installing Debian's swaks and dovecot for the e-mail tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq swaks dovecot-imapd >/dev/null; \
	fi

run: packages
	DATA=$(DATA) BIN=bin PLUGIN_KEY=$(PLUGIN_KEY) deploy/run-local.sh

# check first: a finding fails before the long part.
test: check web grafana chromium coturn mailtools openapi
	cd web && npm test
	cd grafana-plugin && npm test
	CHROMIUM=$(CHROMIUM) $(GO) test -race -count=1 -timeout 25m $(GOPKGS)

# Screenshots of the browser tests for docs/ui.md.
screenshots: web grafana chromium
	SCREENSHOT_DIR=$(CURDIR)/docs/img CHROMIUM=$(CHROMIUM) $(GO) test -count=1 -run 'InChromium|DatasourceAgainstTheHub' ./web ./grafana-plugin/...

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

# Fails on unformatted code, vet or staticcheck findings, an untidy go.mod
# (of either module), or an edge, hub or TURN server that does not build
# for macOS (Linux-only calls belong behind build tags with a fallback).
# `go mod tidy -diff` prints what tidy would change and fails without
# touching go.mod/go.sum; run `go mod tidy` in that module's directory to
# apply it.
# The REST API's OpenAPI document, linted with Redocly's recommended rules.
openapi:
	cd tools/openapi && npm ci --no-audit --no-fund --loglevel=error && npm run lint --silent

check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt -l: these files need gofmt -w:"; echo "$$out"; exit 1; fi
	$(GO) vet $(GOPKGS)
	$(GO) run $(STATICCHECK) $(GOPKGS)
	@set -e; for m in $(GOMODS); do echo "(cd $$m && $(GO) mod tidy -diff)"; (cd $$m && $(GO) mod tidy -diff); done
	GOOS=darwin GOARCH=arm64 $(GO) build ./...

bench:
	$(GO) test -run='^$$' -bench=. -benchmem -count=1 $(GOPKGS)

clean:
	rm -rf bin/ web/node_modules
	find web/dist -mindepth 1 ! -name .gitkeep -delete
