#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the server's tests and prints its URL.
#
#   scripts/start-postgres.sh          start (or find running) and print postgres://...
#   scripts/start-postgres.sh --stop   stop it and remove its directory
#
# Idempotent: a second start prints the URL of the running cluster. The cluster lives in
# $STUDIO_PG_DIR (default /tmp/studio-pg), runs as the `postgres` user on a free port,
# trusts local connections and trades durability for speed (fsync off): test data only.
# Installs Debian's postgresql package when no server binaries are found.
set -euo pipefail

dir="${STUDIO_PG_DIR:-/tmp/studio-pg}"
db="${STUDIO_PG_DB:-studio}"

find_bin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; fi
}

as_pg() {
    if [ "$(id -un)" = postgres ]; then "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
}

bin=$(find_bin)

if [ "${1:-}" = "--stop" ]; then
    if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
        as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    exit 0
fi

if [ -z "$bin" ]; then
    echo "installing postgresql..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    bin=$(find_bin)
    [ -n "$bin" ] || { echo "no PostgreSQL server binaries after install" >&2; exit 1; }
fi
id postgres >/dev/null 2>&1 || { echo "no postgres user" >&2; exit 1; }

url() { echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/$db"; }

if [ -f "$dir/port" ] && as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    url
    exit 0
fi

mkdir -p "$dir"
chown postgres "$dir"
if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
fi

# A free port: ask the kernel for one.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "$port" > "$dir/port"
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null

if ! as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" postgres | grep -q 1; then
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
fi
url
