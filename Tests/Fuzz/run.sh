#!/usr/bin/env bash
# Builds the libFuzzer targets into .build-fuzz/ and runs each for the given time.
# Targets: http (the HTTP request parser), json (the JSON parser behind every request body and
# every Asaas webhook payload).
# Usage: Tests/Fuzz/run.sh [seconds per target, default 60] [target ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(http json)
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

for target in "${targets[@]}"; do
  "build_$target"
  mkdir -p "$out/corpus-$target"
  # Seeds are copied so new corpus entries land in .build-fuzz, not in the repository.
  cp -n Tests/Fuzz/corpus/$target/* "$out/corpus-$target/" 2>/dev/null || true
  "$out/$target-fuzzer" -max_total_time="$seconds" -max_len=8192 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$out/$target-" "$out/corpus-$target"
done
