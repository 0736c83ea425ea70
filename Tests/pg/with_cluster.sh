#!/usr/bin/env bash
# Runs COMMAND with a throwaway PostgreSQL cluster (Tests/pg/cluster.sh) started for it and stopped afterwards,
# whatever COMMAND's outcome:
#
#   Tests/pg/with_cluster.sh make test-suites
#
# COMMAND sees BILLING_TEST_DATABASE_URL (the cluster's postgres:// URL; suites create their own databases in
# it) and BILLING_TEST_PG_DIR (its directory, for tests that restart it). Exits with COMMAND's status.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
dir="$(mktemp -d /tmp/billing-test-pg.XXXXXX)"
cleanup() { "$here/cluster.sh" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
BILLING_TEST_DATABASE_URL="$("$here/cluster.sh" start "$dir")"
export BILLING_TEST_DATABASE_URL BILLING_TEST_PG_DIR="$dir"
echo "PostgreSQL test cluster: $BILLING_TEST_DATABASE_URL ($dir)"
set +e
"$@"
status=$?
set -e
exit $status
