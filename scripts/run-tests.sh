#!/usr/bin/env bash
# Runs the whole suite on SQLite, then on PostgreSQL when one is reachable.
# REQUIRE_POSTGRES=1 (set by .ci/run) makes a missing PostgreSQL an error.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
unset QUANTRIET_DEMO

# Browser tests need Debian's chromium; install it when we can (root with apt), else they skip loudly.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "== installing chromium for the browser tests (apt-get)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "!! could not install chromium: browser tests will be skipped"
fi
# The PDF sign-in sheet needs a font with Vietnamese glyphs (DejaVu Serif, Debian's fonts-dejavu-core).
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "== installing fonts-dejavu-core for the PDF sign-in sheet (apt-get)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null) \
    || echo "!! could not install fonts-dejavu-core: the PDF sign-in sheet tests will fail"
fi

PG_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/quantriet}"
# Sequential by default: pytest-django runs the transactional tests (which flush the database,
# data migrations included) after the others only within one process. TEST_WORKERS=N runs
# N xdist workers, one test file per worker, for a quicker local run.
PARALLEL=()
if [ -n "${TEST_WORKERS:-}" ] && [ "${TEST_WORKERS}" != "0" ]; then PARALLEL=(-n "$TEST_WORKERS" --dist loadfile); fi
legs=()
status=0

echo "== leg 1: SQLite"
env -u DATABASE_URL "$BIN/python" -m pytest -q "${PARALLEL[@]}" "$@"
rc=$?
legs+=("SQLite: $([ $rc = 0 ] && echo passed || echo FAILED rc=$rc)")
[ $rc = 0 ] || status=$rc

if "$BIN/python" - "$PG_URL" <<'PY'
import sys, psycopg, dj_database_url
cfg = dj_database_url.parse(sys.argv[1])
try:
    with psycopg.connect(host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
                         password=cfg["PASSWORD"] or None, dbname="postgres", connect_timeout=3,
                         autocommit=True) as conn:
        # A run that was killed may have left sessions on the test database, which would stop
        # pytest-django from re-creating it.
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = %s AND pid <> pg_backend_pid()", ["test_" + (cfg["NAME"] or "")])
except Exception as exc:
    print(f"PostgreSQL not reachable: {exc}")
    sys.exit(1)
PY
then
  echo "== leg 2: PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" "$BIN/python" -m pytest -q "${PARALLEL[@]}" "$@"
  rc=$?
  legs+=("PostgreSQL: $([ $rc = 0 ] && echo passed || echo FAILED rc=$rc)")
  [ $rc = 0 ] || status=$rc
else
  legs+=("PostgreSQL: NOT RUN (no server reachable at $PG_URL)")
  if [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
    echo "!! REQUIRE_POSTGRES=1 but PostgreSQL is not reachable"
    status=1
  fi
fi

echo "== test legs"
for leg in "${legs[@]}"; do echo "   $leg"; done
exit $status
