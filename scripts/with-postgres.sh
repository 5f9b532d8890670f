#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster on a free 127.0.0.1 port.
# Installs PostgreSQL from Debian's packages when missing. Exports TEST_DATABASE_URL.
# A PostgreSQL that cannot start is a failure, never a skip.
set -euo pipefail

pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(pgbin)" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing PostgreSQL from Debian's packages..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL is not installed: sudo apt-get install postgresql" >&2
    exit 1
  fi
fi
PGBIN=$(pgbin)
PGROOT=$(mktemp -d /tmp/recovery-pg.XXXXXX)
PGDATA=$PGROOT/data
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PGROOT"; fi

cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PGROOT"
}
trap cleanup EXIT

as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --no-locale >/dev/null
if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGROOT/server.log" -w -t 30 \
    -o "-p $PGPORT -c listen_addresses=127.0.0.1 -k $PGROOT -c max_connections=200" start >/dev/null; then
  cat "$PGROOT/server.log" >&2
  echo "PostgreSQL did not start" >&2
  exit 1
fi
# No fsync for a throwaway cluster, set in postgresql.auto.conf rather than on the command line so
# that a benchmark can turn it back on (bench.throughput.durable).
"$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -q -o /dev/null \
  -c "ALTER SYSTEM SET fsync = off" -c "SELECT pg_reload_conf()" \
  -c "CREATE ROLE recovery LOGIN PASSWORD 'recovery' CREATEDB" \
  -c "CREATE DATABASE recovery OWNER recovery"
export TEST_DATABASE_URL="postgresql+psycopg://recovery:recovery@127.0.0.1:$PGPORT/recovery"
# The cluster's superuser, for benchmarks that change server settings (bench.throughput turns fsync on).
export RECOVERY_PG_ADMIN_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
"$@"
