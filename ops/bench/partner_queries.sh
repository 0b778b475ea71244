#!/usr/bin/env bash
# The partner-website queries at district scale, the Hub against PostGraphile 4.14.1
# on the same PostgreSQL database. Writes the table into ops/bench/RESULTS.md.
#
#   bash ops/bench/partner_queries.sh [ORGANISATIONS] [SECONDS_PER_RUN]
#
# Defaults: 10,000 organisations (50,000 services, 200,000 events; seed 2001) and
# 10-second runs at concurrency 8. Needs the local PostgreSQL, Node.js with npm,
# Python 3 and wrk (Debian's `wrk`; installed here with apt-get when missing and root).
set -euo pipefail
cd "$(dirname "$0")/../.."

SCALE="${1:-10000}"
SECONDS_PER_RUN="${2:-10}"
CONCURRENCY=8
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DB_NAME="netzwerk_bench"
# Both servers talk to PostgreSQL in plain text, as PostGraphile (node-postgres) does by
# default; libpq would otherwise negotiate TLS on loopback for the Hub alone.
DB_URL="${PG_ADMIN_URL%/*}/$DB_NAME?sslmode=disable"
HUB_PORT=18480
PEER_PORT=18481
DEBUG_PORT=18482
WORK="$(mktemp -d)"
export BENCH_TMP="$WORK"
# The release build without debug info (Cargo.toml: profile bench-release).
export HUB_BIN=target/bench-release/netzwerk
started=$(date +%s)
say() { echo "== $* ($(( $(date +%s) - started )) s)"; }

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q wrk >/dev/null; else echo "install wrk (apt-get install wrk)"; exit 1; fi
fi

say "release build"
cargo build --profile bench-release -q -p netzwerk-cli
say "PostGraphile (npm ci)"
npm ci --prefix ops/bench --no-audit --no-fund --silent

say "fresh database $DB_NAME with $SCALE synthetic organisations"
psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB_NAME" -c "CREATE DATABASE $DB_NAME"
export NETZWERK__DATABASE__URL="$DB_URL"
"$HUB_BIN" migrate >/dev/null
"$HUB_BIN" demo --scale "$SCALE" --seed 2001
psql -q "$DB_URL" -c "VACUUM ANALYZE"
sizes="$(psql -At "$DB_URL" -c "SELECT format('%s organisations, %s services, %s locations, %s events (%s weekly series)', (SELECT count(*) FROM organisations), (SELECT count(*) FROM services), (SELECT count(*) FROM locations), (SELECT count(*) FROM events), (SELECT count(*) FROM events WHERE rrule IS NOT NULL))")"
echo "$sizes"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

say "starting the Hub and PostGraphile"
# The load comes from one address: the anonymous limit is set out of its way.
NETZWERK__SERVER__STATEMENT_HEADER=true NETZWERK__CALENDAR__POLL=false NETZWERK__FUNDING__POLL=false \
  NETZWERK__MAIL__SEND=false NETZWERK__LOG__LEVEL=warn NETZWERK__SERVER__ANONYMOUS_RATE_LIMIT_PER_MINUTE=1000000 \
  "$HUB_BIN" serve --listen "127.0.0.1:$HUB_PORT" > "$WORK/hub.log" 2>&1 &
hub_pid=$!; pids+=("$hub_pid")
( cd ops/bench && PEER_DATABASE_URL="$DB_URL" PEER_PORT=$PEER_PORT exec node node_modules/postgraphile/cli.js ) \
  > "$WORK/peer.log" 2>&1 &
peer_pid=$!; pids+=("$peer_pid")
# A second PostGraphile that logs its SQL, only to count statements per request.
( cd ops/bench && PEER_DATABASE_URL="$DB_URL" PEER_PORT=$DEBUG_PORT DEBUG=postgraphile:postgres exec node node_modules/postgraphile/cli.js ) \
  > "$WORK/peer-debug.log" 2>&1 &
pids+=("$!")
for port in $HUB_PORT $PEER_PORT $DEBUG_PORT; do
  for _ in $(seq 1 120); do
    curl -s -o /dev/null -X POST -H 'content-type: application/json' -d '{"query":"{__typename}"}' "http://127.0.0.1:$port/graphql" && break
    sleep 0.5
  done
done

say "equivalence, statements, load"
python3 ops/bench/partner_queries.py "http://127.0.0.1:$HUB_PORT" "http://127.0.0.1:$PEER_PORT" \
  "http://127.0.0.1:$DEBUG_PORT" "$WORK/peer-debug.log" "$hub_pid" "$peer_pid" \
  "$SECONDS_PER_RUN" "$CONCURRENCY" "$sizes"
say "done; the table is in ops/bench/RESULTS.md"
