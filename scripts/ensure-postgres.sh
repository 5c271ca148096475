#!/usr/bin/env bash
# Throwaway PostgreSQL 15 for tests (recipe: ../shared/SETUP.md).
#   ensure-postgres.sh start <dir>  → installs postgresql with apt when missing (root only),
#                                     starts a cluster in <dir> on a free loopback port and
#                                     prints its URL on stdout
#   ensure-postgres.sh stop <dir>   → stops only the cluster that `start` put in <dir>
# Fails loudly (exit 1) when PostgreSQL is missing and cannot be installed.
set -euo pipefail
cmd=${1:?usage: ensure-postgres.sh start|stop <dir>}
dir=${2:?usage: ensure-postgres.sh start|stop <dir>}

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
  start)
    if ! bin=$(find_bin); then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "ensure-postgres: installing postgresql with apt" >&2
        apt-get install -y --no-upgrade postgresql >&2 ||
          { apt-get update >&2 && apt-get install -y --no-upgrade postgresql >&2; }
        bin=$(find_bin)
      else
        echo "ensure-postgres: no PostgreSQL server binaries and cannot install them (need root and apt); set SB_SKIP_PG=1 to skip the PostgreSQL suites" >&2
        exit 1
      fi
    fi
    mkdir -p "$dir"
    chmod 711 "$dir" # mktemp -d is 0700 root: postgres could not enter it
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})")
    as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >&2 ||
      { cat "$dir/pg.log" >&2; exit 1; }
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    bin=$(find_bin)
    [ -f "$dir/data/postmaster.pid" ] && as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2
    rm -rf "$dir"
    ;;
  *) echo "usage: ensure-postgres.sh start|stop <dir>" >&2; exit 2 ;;
esac
