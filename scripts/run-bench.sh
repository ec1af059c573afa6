#!/usr/bin/env bash
# `make bench`: the national-scale benchmark on PostgreSQL (docs/performance.md).
#
#   BENCH_MEMBERS=200000 make bench      # quick run (default); 1000000 and 5600000 are supported
#
# Needs a PostgreSQL server (BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432, a role
# that may create databases). Creates the database `quantriet_bench` (BENCH_DB) when missing,
# generates or reuses a dataset of BENCH_MEMBERS members (BENCH_REGENERATE=1 forces a new one),
# starts the production server on a free 127.0.0.1 port, loads it with wrk (installed with
# apt-get when missing and we are root; else a bounded Python load generator), prints a table
# and writes bench/results.json. Extra options for `quantriet bench` go in BENCH_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
MEMBERS="${BENCH_MEMBERS:-200000}"
PG_URL="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}"
DB_NAME="${BENCH_DB:-quantriet_bench}"
PG_URL="${PG_URL%/}"

if ! [[ "$MEMBERS" =~ ^[0-9]+$ ]] || [ "$MEMBERS" -lt 1 ]; then
  echo "!! BENCH_MEMBERS must be a positive integer (got '$MEMBERS')" >&2
  exit 2
fi
if ! [[ "$DB_NAME" =~ ^[a-z_][a-z0-9_]*$ ]]; then
  echo "!! BENCH_DB must be a plain lower-case identifier (got '$DB_NAME')" >&2
  exit 2
fi

# 1. PostgreSQL: reachable, and our database exists.
if ! "$BIN/python" - "$PG_URL" "$DB_NAME" <<'PY'
import sys, psycopg, dj_database_url
url, name = sys.argv[1], sys.argv[2]
cfg = dj_database_url.parse(url + "/postgres")
try:
    conn = psycopg.connect(host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
                           password=cfg["PASSWORD"] or None, dbname="postgres", connect_timeout=5, autocommit=True)
except Exception as exc:
    print(f"""!! The benchmark needs a PostgreSQL server and none answered at {url}:
   {exc}
   Start one (Debian: apt-get install postgresql && pg_ctlcluster 15 main start), or point
   BENCH_PG_URL at one, e.g. BENCH_PG_URL=postgres://user:password@host:5432, with a role
   allowed to create the database '{name}'.""", file=sys.stderr)
    sys.exit(1)
with conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
        print(f"== created database {name}")
PY
then
  exit 1
fi

# 2. wrk, the load generator (Debian package); without it the Python one is used.
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "== installing wrk (apt-get)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
      || echo "!! could not install wrk: using the Python load generator (slower, noisier)"
  else
    echo "!! wrk is not installed: using the Python load generator (apt-get install wrk for better figures)"
  fi
fi

# 3. Redis, the shared cache of production (docs/deployment.md): sessions, role scopes and the
#    tree pages are cached there. BENCH_REDIS_URL (default redis://127.0.0.1:6379/15, a database
#    number of its own); started here when nothing answers and redis-server is installed (or
#    installed with apt-get when we are root). BENCH_REDIS_URL=none runs without it.
REDIS="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/15}"
redis_ping() { "$BIN/python" - "$1" <<'PY'
import sys, redis
try:
    redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2).ping()
except Exception as exc:
    print(f"   {exc}", file=sys.stderr)
    sys.exit(1)
PY
}
if [ "$REDIS" = "none" ]; then
  echo "!! running without Redis (BENCH_REDIS_URL=none): no shared cache, as a single-process deployment"
  unset REDIS_URL
else
  if ! redis_ping "$REDIS" 2>/dev/null; then
    if ! command -v redis-server >/dev/null && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
      echo "== installing redis-server (apt-get)"
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) || true
    fi
    if command -v redis-server >/dev/null; then
      port="$("$BIN/python" -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).port or 6379)' "$REDIS")"
      echo "== starting redis-server on 127.0.0.1:$port (no persistence)"
      redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes >/dev/null
      sleep 1
    fi
  fi
  if redis_ping "$REDIS"; then
    export REDIS_URL="$REDIS"
    echo "== Redis at $REDIS_URL"
  else
    echo "!! no Redis at $REDIS: running without the shared cache (figures as a single-process deployment)"
    unset REDIS_URL
  fi
fi

# 4. Production settings for every process of the run (the server included).
export DATABASE_URL="$PG_URL/$DB_NAME"
export SECRET_KEY="${SECRET_KEY:-$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))')}"
export ALLOWED_HOSTS="127.0.0.1,localhost"
export DEBUG=0
unset QUANTRIET_DEMO QUANTRIET_TESTING

echo "== migrating $DB_NAME"
"$BIN/quantriet" migrate --noinput -v 0

args=(--members "$MEMBERS" --output bench/results.json)
[ "${BENCH_REGENERATE:-0}" = "1" ] && args+=(--regenerate)
# shellcheck disable=SC2086
exec "$BIN/quantriet" bench "${args[@]}" ${BENCH_ARGS:-}
