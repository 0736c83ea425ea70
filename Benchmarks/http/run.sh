#!/usr/bin/env bash
# HTTP server benchmark: our server (bench-server, on the product's HTTP module) against a minimal
# Hummingbird 2.28.1 server (hummingbird-peer), both in release, same bytes, loopback, wrk keep-alive.
# Usage: Benchmarks/http/run.sh [seconds-per-run]   (default 10)
# Prints a markdown table of median req/s and p99 over 3 alternating runs per scenario.
set -euo pipefail
cd "$(dirname "$0")"
duration="${1:-10}"
ours_port=18080
peer_port=18081
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }

echo "building bench-server (release)..." >&2
(cd bench-server && swift build -c release --scratch-path ../.build-bench >&2)
echo "building hummingbird-peer (release; the first build takes minutes)..." >&2
(cd hummingbird-peer && swift build -c release --scratch-path ../.build-peer >&2)

public_dir="$(mktemp -d)"
mkdir -p "$public_dir/admin"
# A deterministic ~4 KiB stylesheet (124 lines of 33 bytes): the static file both servers serve.
for i in $(seq 1 124); do printf '.c%03d{margin:0 auto;padding:1px}\n' "$i"; done > "$public_dir/admin/app.css"

./.build-bench/release/BenchServer "$ours_port" "$public_dir" 2>/dev/null &
ours_pid=$!
./.build-peer/release/HummingbirdPeer "$peer_port" "$public_dir" >/dev/null 2>&1 &
peer_pid=$!
cleanup() { kill "$ours_pid" "$peer_pid" 2>/dev/null || true; rm -rf "$public_dir"; }
trap cleanup EXIT
for port in "$ours_port" "$peer_port"; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
done
cmp <(curl -s "http://127.0.0.1:$ours_port/health") <(curl -s "http://127.0.0.1:$peer_port/health")
cmp <(curl -s "http://127.0.0.1:$ours_port/admin/app.css") <(curl -s "http://127.0.0.1:$peer_port/admin/app.css")
sleep 1
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
ours_idle_rss=$(rss_kb "$ours_pid")
peer_idle_rss=$(rss_kb "$peer_pid")

# run PORT PATH CONNECTIONS → "reqs_per_sec p99_ms"
run() {
  local out rps p99
  out=$(wrk -t1 -c"$3" -d"${duration}s" --latency "http://127.0.0.1:$1$2")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  echo "$rps $p99"
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "| scenario | ours req/s | peer req/s | req/s ratio | ours p99 ms | peer p99 ms | p99 ratio |"
echo "|---|---|---|---|---|---|---|"
for scenario in "/health 1" "/health 50" "/admin/app.css 1" "/admin/app.css 50"; do
  read -r path conns <<<"$scenario"
  ours_rps=(); ours_p99=(); peer_rps=(); peer_p99=()
  for round in 1 2 3; do
    # Alternate who goes first so neither always runs on a warmer machine.
    if (( round % 2 )); then order="ours peer"; else order="peer ours"; fi
    for who in $order; do
      if [[ $who == ours ]]; then read -r r p < <(run "$ours_port" "$path" "$conns"); ours_rps+=("$r"); ours_p99+=("$p")
      else read -r r p < <(run "$peer_port" "$path" "$conns"); peer_rps+=("$r"); peer_p99+=("$p"); fi
    done
  done
  o_r=$(printf '%s\n' "${ours_rps[@]}" | median); p_r=$(printf '%s\n' "${peer_rps[@]}" | median)
  o_p=$(printf '%s\n' "${ours_p99[@]}" | median); p_p=$(printf '%s\n' "${peer_p99[@]}" | median)
  awk -v s="GET $path, -t1 -c$conns" -v or="$o_r" -v pr="$p_r" -v op="$o_p" -v pp="$p_p" \
    'BEGIN {printf "| %s | %.0f | %.0f | %.2f× | %.2f | %.2f | %.2f× |\n", s, or, pr, or/pr, op, pp, op/pp}'
  echo "  runs ours: ${ours_rps[*]} req/s, p99 ${ours_p99[*]} ms; peer: ${peer_rps[*]} req/s, p99 ${peer_p99[*]} ms" >&2
done
echo
echo "Idle RSS after start: ours $((ours_idle_rss / 1024)) MB ($ours_idle_rss kB), peer $((peer_idle_rss / 1024)) MB ($peer_idle_rss kB)."
echo "RSS after the load: ours $(( $(rss_kb "$ours_pid") / 1024 )) MB, peer $(( $(rss_kb "$peer_pid") / 1024 )) MB."
