#!/usr/bin/env bash
# `make test`'s two passes at once, one per core: the suite on SQLite with the browser journeys
# (output shown as it runs) and the suite on PostgreSQL without them and without the tests marked
# no_test_database, which never touch the database under test and so would only repeat the SQLite
# pass (output saved to build/test-postgres.log, shown when the SQLite pass is done). Both run to the end;
# the exit status fails if either pass failed. Usage: scripts/test-both.sh PYTHON
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${1:?usage: scripts/test-both.sh PYTHON}
mkdir -p build
PG_LOG=build/test-postgres.log

# One test clock for both passes (tests/clock.py): a seed drawn here picks the hour of the day the
# suite lives at; RECOVERY_CLOCK_SEED, RECOVERY_CLOCK_AT or RECOVERY_CLOCK_HOUR set by the caller win.
export RECOVERY_CLOCK_SEED=${RECOVERY_CLOCK_SEED:-$(( (RANDOM << 15 | RANDOM) % 1000000 ))}
echo "== test clock: seed $RECOVERY_CLOCK_SEED for both passes${RECOVERY_CLOCK_AT:+, pinned at $RECOVERY_CLOCK_AT}${RECOVERY_CLOCK_HOUR:+, pinned at hour $RECOVERY_CLOCK_HOUR}; replay with RECOVERY_CLOCK_SEED=$RECOVERY_CLOCK_SEED make test (the hour is in each pass's last line) =="

# The PostgreSQL pass in its own process group, so an interrupt can stop all of it: TERM, because
# a test may turn SIGINT into a failure and go on; with-postgres.sh still removes its cluster.
set -m
scripts/with-postgres.sh "$PY" -m pytest -m "not browser and not no_test_database" > "$PG_LOG" 2>&1 &
pg_pid=$!
set +m
stop_pg() { kill -TERM -- "-$pg_pid" 2>/dev/null; wait "$pg_pid" 2>/dev/null; exit 130; }
trap stop_pg INT TERM

start=$(date +%s)
echo "== tests on SQLite (with the browser journeys; PostgreSQL runs alongside) =="
"$PY" -m pytest
sqlite_rc=$?
echo "SQLite pass: exit $sqlite_rc after $(( $(date +%s) - start )) s"

echo "== tests on PostgreSQL (without the browser journeys; $PG_LOG) =="
wait "$pg_pid"
pg_rc=$?
cat "$PG_LOG"
echo "PostgreSQL pass: exit $pg_rc after $(( $(date +%s) - start )) s"

if [ "$sqlite_rc" -ne 0 ] || [ "$pg_rc" -ne 0 ]; then
  echo "make test FAILED: SQLite pass exit $sqlite_rc, PostgreSQL pass exit $pg_rc" >&2
  exit 1
fi
