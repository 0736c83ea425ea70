#!/usr/bin/env bash
# The API contract checked by tools written elsewhere (issue 15): the generated OpenAPI 3.1 document validated by
# openapi-spec-validator, schemathesis against a live server, and a Python client generated from the document
# running the integration guide's flow. Installs the PyPI tools when missing; builds nothing unless the binary is absent.
#   Tests/contract/run.sh            BILLING_SERVER_BIN / ASAAS_FAKE_BIN override .build/debug/…
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import openapi_spec_validator, schemathesis, openapi_python_client' >/dev/null 2>&1; then
  "$PYTHON" -m pip install -q -r Tests/contract/requirements.txt \
    || "$PYTHON" -m pip install -q --break-system-packages -r Tests/contract/requirements.txt
fi
[ -n "${BILLING_SERVER_BIN:-}" ] || [ -x .build/debug/billing-server ] || swift build --product billing-server
[ -n "${ASAAS_FAKE_BIN:-}" ] || [ -x .build/debug/asaas-fake ] || swift build --product asaas-fake
exec "$PYTHON" Tests/contract/contract.py "$@"
