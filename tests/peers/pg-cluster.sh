#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for the tests, on 127.0.0.1 only, with
# password (SCRAM) authentication so the password path is exercised.
#   pg-cluster.sh start DIR   prints the admin URL on stdout
#   pg-cluster.sh stop DIR
#   pg-cluster.sh pause DIR / resume DIR   stop and start it again, same port
# initdb refuses to run as root, so the cluster runs as the postgres user.
set -euo pipefail
cmd=${1:?usage: $0 start|stop DIR}
dir=${2:?usage: $0 start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
start)
    mkdir -p "$dir"
    chmod 755 "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir"
    if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$dir"; then
        echo "pg-cluster: user postgres cannot reach $dir (a parent directory is private); use a directory under /tmp" >&2
        exit 1
    fi
    port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    printf '%s\n' "$password" >"$dir/pwfile"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir/pwfile"
    as_pg "$bin/initdb" -D "$dir/data" -U passagent --pwfile="$dir/pwfile" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --no-locale >"$dir/initdb.log" 2>&1
    rm -f "$dir/pwfile"
    printf '%s' "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" >"$dir/opts"
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$(cat "$dir/opts")" start >/dev/null
    echo "postgres://passagent:$password@127.0.0.1:$port/postgres"
    ;;
pause)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
resume)
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$(cat "$dir/opts")" start >/dev/null
    ;;
stop)
    [ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 start|stop|pause|resume DIR" >&2; exit 2 ;;
esac
