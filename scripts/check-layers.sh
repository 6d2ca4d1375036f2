#!/usr/bin/env bash
# Checks the dependency rules of docs/ARCHITECTURE.md: which files may include
# which library headers, and that SQL text stays in src/store/sql.c.
# Prints each violation; exits non-zero when there is one.
set -uo pipefail
cd "$(dirname "$0")/.."
bad=0
allow() { # header, allowed path regex
    local hits
    hits=$(grep -rlE "#include <$1>" src | grep -vE "$2" || true)
    [ -z "$hits" ] || { echo "layers: <$1> included outside $2: $hits"; bad=1; }
}
allow 'microhttpd\.h' '^src/http/server\.c$'
allow 'sqlite3\.h' '^src/store/sqlite\.c$'
allow 'libpq-fe\.h' '^src/store/postgres\.c$'
allow 'curl/curl\.h' '^src/(oauth|imap|net)/'
# SQL keywords in string literals outside sql.c mean SQL escaped its one home.
sql=$(grep -rnE '"(SELECT|INSERT INTO|UPDATE [a-z_]+ SET|DELETE FROM|CREATE TABLE) ' src --include='*.c' \
      | grep -v '^src/store/sql\.c:' || true)
[ -z "$sql" ] || { echo "layers: SQL outside src/store/sql.c:"; echo "$sql"; bad=1; }
[ "$bad" -eq 0 ] && echo "layers: ok"
exit "$bad"
