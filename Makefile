# billing-server — `make run` starts the server, `make test` runs the whole suite.
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
SWIFT ?= swift

# Debian packages the product needs to build and run.
RUN_PACKAGES := libsqlite3-dev libpq-dev libcurl4-openssl-dev libssl-dev libhpdf-dev fonts-dejavu-core
# Extra Debian packages the tests need (postgresql-15: the throwaway clusters of Tests/pg/cluster.sh).
TEST_PACKAGES := $(RUN_PACKAGES) sqlite3 postgresql-15 curl poppler-utils

.PHONY: run build release test test-suites deps test-deps fuzz soak clean

## Install only the Debian packages that are missing.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
endef

deps:
	$(call apt_install,$(RUN_PACKAGES))

test-deps:
	$(call apt_install,$(TEST_PACKAGES))

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## Build in release mode and serve on 127.0.0.1:8080 with ./data/billing.sqlite.
run: release
	./.build/release/billing-server serve

## The whole suite: unit and socket-level tests, crash safety (kill -9 during usage ingestion, Asaas
## webhook deliveries and generate_invoices), the dashboard in headless Chromium, the API contract (the generated
## OpenAPI document validated, schemathesis against a live server, a generated Python client), a short soak, and a
## short fuzzing run of the HTTP and JSON parsers with a replay of the actions and Asaas webhook fuzz corpora.
## A throwaway PostgreSQL cluster (Tests/pg/with_cluster.sh) runs for the whole suite: the schema parity check, the
## storage suites on both backends, the billing and Admin API suites a second time on PostgreSQL, and the
## multi-instance harness (three servers on one database, kill -9 and a PostgreSQL restart under load).
## Every server it starts logs at debug level into BILLING_TEST_LOG_DIR; Tests/logscan.py then fails the run
## on any secret in those lines (docs/SECURITY.md, "Secrets never logged").
test: export BILLING_TEST_LOG_DIR := $(CURDIR)/test-output/logs
test: test-deps
	rm -rf "$$BILLING_TEST_LOG_DIR" && mkdir -p "$$BILLING_TEST_LOG_DIR"
	$(SWIFT) build --build-tests
	Tests/pg/with_cluster.sh $(MAKE) --no-print-directory test-suites

## The suites of `make test`, run inside Tests/pg/with_cluster.sh (BILLING_TEST_DATABASE_URL is set).
test-suites:
	python3 Tests/pg/schema_parity.py "$$BILLING_TEST_DATABASE_URL"
	$(SWIFT) test --skip-build
	BILLING_TEST_BACKEND=postgres $(SWIFT) test --skip-build --filter 'BillingTests|AdminAPITests'
	python3 Tests/fault/multi_instance.py
	python3 Tests/fault/rotate_data_key.py
	python3 Tests/fault/crash_test.py --rounds 5
	python3 Tests/fault/crash_webhooks.py --rounds 5 --invoices 60
	python3 Tests/fault/crash_invoices.py --rounds 4 --subscriptions 600
	python3 Tests/fault/soak.py --seconds 20 --rate 200
	Tests/e2e/run.sh
	Tests/contract/run.sh
	Tests/Fuzz/run.sh 10 http json
	Tests/Fuzz/run.sh --replay
	python3 Tests/logscan.py "$$BILLING_TEST_LOG_DIR" --expect swift-AdminAPITests,swift-AsaasTests,crash_test,crash_webhooks,crash_invoices,multi_instance,rotate_data_key,soak,e2e,contract

## Longer fault runs: 25 kill -9 rounds each for usage ingestion, webhooks and generate_invoices,
## then 10 minutes of mixed traffic under slow-client attacks.
soak: build
	$(call apt_install,slowhttptest)
	python3 Tests/fault/crash_test.py --rounds 25
	python3 Tests/fault/crash_webhooks.py --rounds 25 --invoices 200
	python3 Tests/fault/crash_invoices.py --rounds 25 --subscriptions 4000
	python3 Tests/fault/soak.py --seconds 600 --slow

## Longer fuzzing (FUZZ_SECONDS per target, default 600) of the HTTP parser, the JSON parser, every
## Admin API action and the Asaas webhook decoder (Tests/Fuzz/run.sh; FUZZ_OPTIONS=-runs=N for a count).
fuzz: test-deps
	Tests/Fuzz/run.sh $${FUZZ_SECONDS:-600}

clean:
	rm -rf .build .build-*
