#!/usr/bin/env bash
# Builds the libFuzzer target for the HTTP request parser into .build-fuzz/ and runs it.
# Usage: Tests/Fuzz/run.sh [seconds]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"
out=.build-fuzz
mkdir -p "$out/corpus"
sources=(
  Sources/HTTP/HTTPRequestParser.swift
  Sources/HTTP/HTTPParseError.swift
  Sources/HTTP/HTTPParserLimits.swift
  Sources/HTTP/HTTPHeaders.swift
  Sources/HTTP/HTTPMethod.swift
  Sources/HTTP/HTTPStatus.swift
  Sources/HTTP/HTTPVersion.swift
  Sources/HTTP/HTTPRequest.swift
  Sources/HTTP/HTTPTarget.swift
  Tests/Fuzz/FuzzHTTPParser.swift
)
swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name HTTPFuzz "${sources[@]}" -o "$out/http-parser-fuzzer"
# Seeds are copied so new corpus entries land in .build-fuzz, not in the repository.
cp -n Tests/Fuzz/corpus/http/* "$out/corpus/" 2>/dev/null || true
"$out/http-parser-fuzzer" -max_total_time="$seconds" -max_len=8192 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$out/" "$out/corpus"
