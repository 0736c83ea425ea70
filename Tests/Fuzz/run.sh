#!/usr/bin/env bash
# Builds the libFuzzer targets into .build-fuzz/ and runs each for the given time.
# Targets: http (the HTTP request parser), json (the JSON parser behind every request body and
# every Asaas webhook payload), actions (every Admin API action, in-process through AdminResponder
# over a real SQLite database: Tests/Fuzz/Actions), asaas-webhook (AsaasWebhookEvent.decode and
# what the webhook endpoint stores: Tests/Fuzz/AsaasWebhook).
# Usage: Tests/Fuzz/run.sh [seconds per target, default 60] [target ...]
#        Tests/Fuzz/run.sh --replay [target ...]   replays the committed corpora of actions and
#        asaas-webhook through a normal (uninstrumented) build, as a regression check.
# Extra libFuzzer options can be passed in FUZZ_OPTIONS (e.g. FUZZ_OPTIONS=-runs=10000000).
set -euo pipefail
cd "$(dirname "$0")/../.."
# The Swift runtime's backtracer would handle a failed precondition before libFuzzer could save the input.
export SWIFT_BACKTRACE=enable=no

if [ "${1:-}" = "--replay" ]; then
  shift
  products=("$@")
  [ ${#products[@]} -eq 0 ] && products=(actions asaas-webhook)
  bin="$(swift build --show-bin-path)"
  for target in "${products[@]}"; do
    swift build --product "fuzz-$target" >/dev/null
    "$bin/fuzz-$target" "Tests/Fuzz/corpus/$target"
  done
  exit 0
fi

seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(http json actions asaas-webhook)
out=.build-fuzz
mkdir -p "$out"

build_http() {
  swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name HTTPFuzz \
    Sources/HTTP/HTTPRequestParser.swift Sources/HTTP/HTTPParseError.swift Sources/HTTP/HTTPParserLimits.swift \
    Sources/HTTP/HTTPHeaders.swift Sources/HTTP/HTTPMethod.swift Sources/HTTP/HTTPStatus.swift \
    Sources/HTTP/HTTPVersion.swift Sources/HTTP/HTTPRequest.swift Sources/HTTP/HTTPTarget.swift \
    Tests/Fuzz/FuzzHTTPParser.swift -o "$out/http-fuzzer"
}

build_json() {
  swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name JSONFuzz \
    Sources/Support/JSON.swift Sources/Support/JSON+Parse.swift Sources/Support/JSON+Serialize.swift \
    Tests/Fuzz/FuzzJSON.swift -o "$out/json-fuzzer"
}

# The SwiftPM targets: every module is built with coverage instrumentation (no address sanitizer:
# the code under test is Swift, and SQLite, the only C on the path, is the system's uninstrumented library).
build_swiftpm() {
  local product="$1" target="$2"
  swift build --scratch-path .build-fuzz-swiftpm -c release --product "$product" \
    -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING
  cp .build-fuzz-swiftpm/release/"$product" "$out/$target-fuzzer"
}

build_actions() {
  build_swiftpm fuzz-actions actions
  # Parameter names and enumeration values the actions accept, as JSON strings.
  dictionary Sources/AdminAPI Sources/Billing > "$out/actions.dict"
  printf '"$T"\n"$O"\n"$U"\n"$K"\n"\\xFF"\n' >> "$out/actions.dict"
}

build_asaas-webhook() {
  build_swiftpm fuzz-asaas-webhook asaas-webhook
  dictionary Sources/Asaas > "$out/asaas-webhook.dict"
}

# Every lower-case string literal of the given sources as libFuzzer dictionary entries, bare (for
# queries) and quoted (for JSON bodies): `"word"` and `"\"word\""`.
dictionary() {
  local words
  words="$(grep -rhoE '"[a-z][a-zA-Z0-9_.]{1,40}"' "$@" --include='*.swift' | sort -u)"
  echo "$words"
  echo "$words" | sed 's/"/\\"/g; s/.*/"&"/'
}

# Databases the actions target left in /dev/shm when it was killed rather than exiting.
remove_stale_databases() {
  for directory in /dev/shm/billing-fuzz-* /tmp/billing-fuzz-*; do
    [ -d "$directory" ] || continue
    pid="${directory##*/billing-fuzz-}"
    pid="${pid%%-*}"
    kill -0 "$pid" 2>/dev/null || rm -rf "$directory"
  done
}

for target in "${targets[@]}"; do
  "build_$target"
  mkdir -p "$out/corpus-$target"
  # Seeds are copied so new corpus entries land in .build-fuzz, not in the repository.
  cp -n Tests/Fuzz/corpus/$target/* "$out/corpus-$target/" 2>/dev/null || true
  dict=()
  [ -f "$out/$target.dict" ] && dict=(-dict="$out/$target.dict")
  # shellcheck disable=SC2086
  "$out/$target-fuzzer" -max_total_time="$seconds" -max_len=8192 -timeout=10 -print_final_stats=1 \
    "${dict[@]}" ${FUZZ_OPTIONS:-} -artifact_prefix="$out/$target-" "$out/corpus-$target"
  remove_stale_databases
done
