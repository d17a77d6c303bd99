#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for the store tests and prints, on stdout and nothing else:
#   export STEWARD_TEST_PG_URL=postgres://steward:<pw>@127.0.0.1:55432/postgres
# so that `eval "$(.ci/postgres.sh)"` sets it. Everything else goes to stderr.
#
# Debian's postgresql (installed when missing), a cluster of its own under $STEWARD_PG_DIR (default
# /tmp/steward-pg-<port>) owned by the `postgres` user, listening on 127.0.0.1 only, fsync off (test data only),
# a `steward` superuser with a generated password. Idempotent: when it is already up, it only prints the export.
# Run as root (or as a user who can sudo/runuser to postgres).
set -euo pipefail

PORT="${STEWARD_PG_PORT:-55432}"
ROOT="${STEWARD_PG_DIR:-/tmp/steward-pg-${PORT}}"
DATA="$ROOT/data"
SOCK="$ROOT/sock"
LOG="$ROOT/postgres.log"
PWFILE="$ROOT/steward.password"
HOST=127.0.0.1

cd /  # the postgres user may not be able to read the caller's working directory

# From here on our stdout is stderr; the export line goes to the saved stdout (fd 3).
exec 3>&1 1>&2

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

as_postgres() {
  if [ "$(id -un)" = postgres ]; then
    "$@"
  elif command -v runuser >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    sudo -n -u postgres -- "$@"
  fi
}

find_bindir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$d" ] && [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
    printf '%s\n' "$d"
  fi
}

url() { printf 'postgres://steward:%s@%s:%s/postgres' "$(cat "$PWFILE")" "$HOST" "$PORT"; }

can_login() {
  [ -s "$PWFILE" ] || return 1
  PGCONNECT_TIMEOUT=3 "$BIN/psql" "$(url)" -XAtqc 'SELECT 1' >/dev/null 2>&1
}

emit() { printf 'export STEWARD_TEST_PG_URL=%s\n' "$(url)" >&3; }

BIN="$(find_bindir)"
if [ -z "$BIN" ] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
  log "installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The package would also create and start a default cluster on 5432; we use our own and leave that one alone.
  apt-get install -y -qq postgresql >/dev/null
  BIN="$(find_bindir)"
  [ -n "$BIN" ] || die "postgresql installed but no server binaries under /usr/lib/postgresql/*/bin"
fi
log "using $("$BIN/postgres" --version)"

# Already up (an earlier run): just hand out the URL.
if "$BIN/pg_isready" -q -h "$HOST" -p "$PORT" && can_login; then
  log "already running on $HOST:$PORT ($DATA)"
  emit
  exit 0
fi

id postgres >/dev/null 2>&1 || die "no 'postgres' system user (is the postgresql package installed properly?)"
mkdir -p "$ROOT"
chown postgres:postgres "$ROOT"
chmod 0711 "$ROOT"
as_postgres mkdir -p "$SOCK"

if [ ! -s "$DATA/PG_VERSION" ]; then
  log "creating a cluster in $DATA"
  rm -rf "$DATA"
  as_postgres "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  cat <<EOF | as_postgres tee -a "$DATA/postgresql.conf" >/dev/null

# steward test cluster (.ci/postgres.sh)
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = '$SOCK'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
fi

if [ ! -s "$PWFILE" ]; then
  umask 077
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$PWFILE"
fi

if ! as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  if "$BIN/pg_isready" -q -h "$HOST" -p "$PORT"; then
    die "something else already listens on $HOST:$PORT and does not accept our steward login"
  fi
  log "starting on $HOST:$PORT (log: $LOG)"
  # 3>&- : the server must not inherit the saved stdout, or `eval "$(.ci/postgres.sh)"` waits for it to exit.
  as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null 3>&- </dev/null || {
    tail -n 30 "$LOG" >&2 || true
    die "postgres did not start"
  }
fi

# (Re)set the role every time: the password file is the source of truth.
as_postgres "$BIN/psql" -h "$SOCK" -p "$PORT" -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 \
  -v pw="$(cat "$PWFILE")" >/dev/null <<'SQL'
SELECT format('CREATE ROLE steward SUPERUSER LOGIN PASSWORD %L', :'pw')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'steward') \gexec
SELECT format('ALTER ROLE steward SUPERUSER LOGIN PASSWORD %L', :'pw') \gexec
SQL

for _ in $(seq 1 60); do
  if "$BIN/pg_isready" -q -h "$HOST" -p "$PORT" && can_login; then
    log "ready on $HOST:$PORT"
    emit
    exit 0
  fi
  sleep 1
done
die "postgres on $HOST:$PORT did not accept the steward login within 60s (log: $LOG)"
