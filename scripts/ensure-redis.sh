#!/usr/bin/env bash
# Throwaway Redis 7 for tests (recipe: ../shared/SETUP.md).
#   ensure-redis.sh start <dir>  → installs redis-server with apt when missing (root only),
#                                  starts it in <dir> on a free loopback port (no persistence)
#                                  and prints its URL on stdout
#   ensure-redis.sh stop <dir>   → stops only the server that `start` put in <dir>
# Fails loudly (exit 1) when Redis is missing and cannot be installed.
# Installing the package may start Debian's own service on port 6379: it is not ours, and
# is neither used nor stopped here.
set -euo pipefail
cmd=${1:?usage: ensure-redis.sh start|stop <dir>}
dir=${2:?usage: ensure-redis.sh start|stop <dir>}

have_redis() { command -v redis-server >/dev/null && command -v redis-cli >/dev/null; }

case "$cmd" in
  start)
    if ! have_redis; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "ensure-redis: installing redis-server with apt" >&2
        apt-get install -y --no-upgrade redis-server >&2 ||
          { apt-get update >&2 && apt-get install -y --no-upgrade redis-server >&2; }
        have_redis || { echo "ensure-redis: apt did not install redis-server" >&2; exit 1; }
      else
        echo "ensure-redis: no redis-server and cannot install it (need root and apt); set SB_SKIP_REDIS=1 to skip the Redis suites" >&2
        exit 1
      fi
    fi
    mkdir -p "$dir"
    port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})")
    echo "$port" >"$dir/port"
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir" \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save '' --appendonly no >&2 ||
      { cat "$dir/redis.log" >&2 2>/dev/null; exit 1; }
    # Daemonized: wait (bounded, ~10 s) until it answers.
    for _ in $(seq 1 100); do
      [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && { echo "redis://127.0.0.1:$port"; exit 0; }
      sleep 0.1
    done
    echo "ensure-redis: redis-server on port $port did not answer PING" >&2
    cat "$dir/redis.log" >&2 2>/dev/null || true
    exit 1
    ;;
  stop)
    if [ -f "$dir/port" ] && [ -f "$dir/redis.pid" ]; then
      port=$(cat "$dir/port")
      pid=$(cat "$dir/redis.pid")
      redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
      # Bounded wait (~10 s) until the process we started is gone.
      for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      if kill -0 "$pid" 2>/dev/null; then
        echo "ensure-redis: redis-server (pid $pid) did not stop" >&2
        exit 1
      fi
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: ensure-redis.sh start|stop <dir>" >&2; exit 2 ;;
esac
