#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: initdb in DIR, trust auth, 127.0.0.1 on a free port.
#
#   Tests/pg/cluster.sh start DIR     initdb (first time) and start; prints ONE line on stdout, the URL
#                                     postgres://billing@127.0.0.1:PORT/billing (also written to DIR/url)
#   Tests/pg/cluster.sh stop DIR      fast shutdown (no-op when not running)
#   Tests/pg/cluster.sh restart DIR   pg_ctl restart -m fast on the same port; prints the URL again
#   Tests/pg/cluster.sh status DIR    prints "running URL" (exit 0) or "stopped" (exit 3)
#
# Layout: DIR/data (PGDATA), DIR/socket (unix socket directory), DIR/log (server log), DIR/url, DIR/port.
# As root the server runs as the `postgres` OS user: DIR is created (or chowned) postgres-owned, mode 0700,
# and its parents must be traversable by postgres (anything under /tmp is). As another user it runs as that user.
#
# Environment: PG_FSYNC=on (default off; turn on for benchmarks), PG_SYNCHRONOUS_COMMIT (default on),
# PG_BIN (directory with initdb/pg_ctl; default /usr/lib/postgresql/15/bin, else the newest installed).
# The cluster is initialised with encoding UTF8 and locale C, so text compares and sorts bytewise like SQLite's
# BINARY collation and lower()/upper() fold ASCII only, like SQLite's.
set -euo pipefail

usage() { echo "usage: $0 start|stop|restart|status DIR" >&2; exit 2; }
die() { echo "cluster.sh: $*" >&2; exit 1; }

[ $# -eq 2 ] || usage
cmd="$1"
DIR="$2"
case "$cmd" in start|stop|restart|status) ;; *) usage ;; esac
if [ "$cmd" = start ]; then
  # Created 0700 (and handed to postgres below when we are root).
  [ -d "$DIR" ] || { mkdir -p "$(dirname "$DIR")" && mkdir -m 0700 "$DIR"; }
fi
[ -d "$DIR" ] || die "no such directory: $DIR"
DIR="$(cd "$DIR" && pwd -P)"
DATA="$DIR/data"
SOCK="$DIR/socket"
LOG="$DIR/log"

find_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  if [ -x /usr/lib/postgresql/15/bin/initdb ]; then echo /usr/lib/postgresql/15/bin; return; fi
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
}

BIN="$(find_bin)"
if [ -z "$BIN" ] && [ "$cmd" = start ]; then
  # A fresh machine: install the server like `make test-deps` would (only when missing).
  SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
  echo "installing: postgresql-15" >&2
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql-15; } >&2
  BIN="$(find_bin)"
fi
[ -n "$BIN" ] && [ -x "$BIN/pg_ctl" ] || die "no PostgreSQL server binaries found (install postgresql-15 or set PG_BIN)"

# Run a server-side command as the cluster's owner: postgres when we are root, ourselves otherwise.
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || die "running as root but there is no postgres OS user"
  as_owner() {
    if command -v runuser >/dev/null 2>&1; then (cd "$DIR" && runuser -u postgres -- "$@")
    else (cd "$DIR" && su postgres -s /bin/sh -c "$(printf '%q ' "$@")"); fi
  }
else
  as_owner() { (cd "$DIR" && "$@"); }
fi

read_port() { [ -f "$DIR/port" ] && cat "$DIR/port" || true; }
url_for() { echo "postgres://billing@127.0.0.1:$1/billing"; }
running() { [ -f "$DATA/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
  else
    echo $(( 20000 + RANDOM % 40000 ))
  fi
}

write_conf() {  # PORT: the settings live in DIR/data/cluster.conf, included from postgresql.conf
  local port="$1"
  cat > "$DIR/cluster.conf.tmp" <<EOF
# Written by Tests/pg/cluster.sh; rewritten on every start.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$SOCK'
fsync = ${PG_FSYNC:-off}
synchronous_commit = ${PG_SYNCHRONOUS_COMMIT:-on}
max_connections = 300
EOF
  if [ "$(id -u)" = "0" ]; then chown postgres: "$DIR/cluster.conf.tmp"; fi
  mv "$DIR/cluster.conf.tmp" "$DATA/cluster.conf"
  echo "$port" > "$DIR/port"
}

wait_ready() {  # PORT
  local i
  for i in $(seq 1 300); do
    if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -d postgres -U postgres; then return 0; fi
    sleep 0.1
  done
  return 1
}

fail_with_log() { echo "cluster.sh: $1; last lines of $LOG:" >&2; tail -n 20 "$LOG" >&2 || true; exit 1; }

start() {
  if running; then
    local port; port="$(read_port)"
    wait_ready "$port" || fail_with_log "server running but not ready on port $port"
    url_for "$port" | tee "$DIR/url"
    return
  fi
  if [ "$(id -u)" = "0" ]; then
    chown postgres: "$DIR"
    chmod 0700 "$DIR"
    as_owner test -w "$DIR" -a -x "$DIR" \
      || die "the postgres OS user cannot write $DIR (every parent must be traversable by postgres: use a DIR such as \$(mktemp -d) itself, not a directory inside it)"
  fi
  # The unix socket path must fit in sun_path (107 bytes): DIR/socket/.s.PGSQL.NNNNN
  [ ${#SOCK} -le 90 ] || die "$DIR is too long for a unix socket directory (keep it under ~80 characters)"
  local fresh=0
  if [ ! -f "$DATA/PG_VERSION" ]; then
    as_owner mkdir -p "$SOCK"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
    echo "include_if_exists = 'cluster.conf'" | as_owner tee -a "$DATA/postgresql.conf" >/dev/null
    fresh=1
  fi
  # Try the previous port first (a stopped cluster keeps its URL), then fresh free ports.
  local port attempt
  port="$(read_port)"
  [ -n "$port" ] || port="$(free_port)"
  for attempt in 1 2 3 4 5 6 7 8; do
    write_conf "$port"
    if as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null 2>&1 && wait_ready "$port"; then
      break
    fi
    if running; then fail_with_log "server started but is not accepting connections on port $port"; fi
    if ! tail -n 30 "$LOG" 2>/dev/null | grep -q -E 'could not bind|Address already in use|could not create any TCP/IP sockets'; then
      fail_with_log "pg_ctl start failed"
    fi
    echo "cluster.sh: port $port is taken, trying another" >&2
    port="$(free_port)"
    [ "$attempt" -lt 8 ] || fail_with_log "no free port found"
  done
  if [ "$fresh" = 1 ]; then
    "$BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
      -c "CREATE ROLE billing SUPERUSER LOGIN" -c "CREATE DATABASE billing OWNER billing" >/dev/null \
      || fail_with_log "could not create the billing role and database"
  fi
  url_for "$port" > "$DIR/url.tmp" && mv "$DIR/url.tmp" "$DIR/url"
  cat "$DIR/url"
}

stop() {
  if ! running; then echo "cluster.sh: not running ($DIR)" >&2; return 0; fi
  as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null || fail_with_log "pg_ctl stop failed"
}

restart() {
  [ -f "$DATA/PG_VERSION" ] || die "no cluster in $DIR (run start first)"
  local port; port="$(read_port)"
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -m fast -w -t 60 restart >/dev/null 2>&1 || fail_with_log "pg_ctl restart failed"
  wait_ready "$port" || fail_with_log "server not ready on port $port after restart"
  cat "$DIR/url"
}

status() {
  if running; then echo "running $(cat "$DIR/url" 2>/dev/null || url_for "$(read_port)")"; return 0; fi
  echo "stopped"
  return 3
}

"$cmd"
