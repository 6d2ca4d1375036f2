#!/usr/bin/env bash
# Runs every suite and sums them into one closing line "N passed, N failed".
#   1. normal build (gcc, hardened): cmocka unit tests, black-box tests (node)
#      on SQLite, then the black-box tests again on a throw-away PostgreSQL
#   2. sanitizer build (clang, ASan+UBSan): the same unit and black-box tests
#   3. libFuzzer targets: a short run of each over its seed corpus
#   plus static checks first: layering rules (scripts/check-layers.sh) and cppcheck
# Logs of each suite go to build/test-logs/. Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

LOGS=build/test-logs
FUZZ_SECONDS=${FUZZ_SECONDS:-15}
mkdir -p "$LOGS"
passed=0 failed=0 skipped=0

note() { printf '== %s\n' "$*"; }

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s), listed below:".
unit_suite() {
    local flavour=$1 dir=$2
    note "unit tests ($flavour)"
    if ! make --no-print-directory -s FLAVOUR="$flavour" all unit >"$LOGS/build-$flavour.log" 2>&1; then
        echo "build failed ($flavour): see $LOGS/build-$flavour.log"; tail -20 "$LOGS/build-$flavour.log"
        failed=$((failed + 1)); return
    fi
    for t in "$dir"/tests/test_*; do
        [ -x "$t" ] || continue
        local name log p f
        name=$(basename "$t"); log="$LOGS/$flavour-$name.log"
        "$t" >"$log" 2>&1; local rc=$?
        p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
        f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
        p=${p:-0}; f=${f:-0}
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # crashed or sanitizer report
        passed=$((passed + p)); failed=$((failed + f))
        printf '   %-28s %3d passed, %d failed\n' "$name" "$p" "$f"
        [ "$f" -eq 0 ] || { echo "--- $log"; tail -30 "$log"; }
    done
}

# node --test with the TAP reporter ends with "# pass N", "# fail N", "# skipped N".
blackbox_suite() {
    local flavour=$1 bin=$2 log="$LOGS/blackbox-$1.log"
    note "black-box tests ($flavour, $bin)"
    PASSAGENT_BIN="$bin" node --test --test-reporter=tap tests/blackbox/ >"$log" 2>&1
    local rc=$? p f s
    p=$(sed -n 's/^# pass \([0-9]*\)/\1/p' "$log" | tail -1)
    f=$(sed -n 's/^# fail \([0-9]*\)/\1/p' "$log" | tail -1)
    s=$(sed -n 's/^# skipped \([0-9]*\)/\1/p' "$log" | tail -1)
    p=${p:-0}; f=${f:-0}; s=${s:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    printf '   %d passed, %d failed, %d skipped\n' "$p" "$f" "$s"
    [ "$f" -eq 0 ] || grep -E '^not ok|^# Subtest|error:|expected|actual' "$log" | head -60
}

# Any sanitizer report a server wrote during the black-box run is a failure.
sanitizer_reports() {
    local dir=$1 n
    n=$(find "$dir" -type f 2>/dev/null | wc -l)
    if [ "$n" -gt 0 ]; then
        echo "   $n sanitizer report(s) from the server:"; head -40 "$dir"/* ; failed=$((failed + n))
    else
        echo "   no sanitizer reports from the server"; passed=$((passed + 1))
    fi
}

fuzz_suite() {
    note "fuzz targets (${FUZZ_SECONDS}s each)"
    if ! make --no-print-directory -s FLAVOUR=fuzz fuzz >"$LOGS/build-fuzz.log" 2>&1; then
        echo "fuzz build failed: see $LOGS/build-fuzz.log"; tail -20 "$LOGS/build-fuzz.log"
        failed=$((failed + 1)); return
    fi
    for t in build-fuzz/fuzz/fuzz_*; do
        [ -x "$t" ] || continue
        local name=${t##*/fuzz_} work="build-fuzz/corpus-work/${t##*/fuzz_}" log="$LOGS/fuzz-${t##*/fuzz_}.log"
        mkdir -p "$work"
        # Seeds are read from the repository (and from the folders listed in
        # tests/fuzz/seeds/<name>.txt, e.g. the shared fixtures beside the
        # repository); new inputs go to a scratch folder.
        local extra=()
        if [ -f "tests/fuzz/seeds/$name.txt" ]; then
            while IFS= read -r d; do [ -d "$d" ] && extra+=("$d"); done <"tests/fuzz/seeds/$name.txt"
        fi
        if "$t" -max_total_time="$FUZZ_SECONDS" -artifact_prefix="build-fuzz/" "$work" \
            "tests/fuzz/corpus/$name" "${extra[@]}" >"$log" 2>&1; then
            passed=$((passed + 1))
            printf '   %-24s ok (%s)\n' "$name" "$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1)"
        else
            failed=$((failed + 1)); echo "   $name FAILED: see $log"; tail -30 "$log"
        fi
    done
}

# Layering rules and cppcheck, one test each.
static_suite() {
    note "static checks"
    local name
    for name in layers cppcheck; do
        local cmd=(scripts/check-layers.sh)
        [ "$name" = cppcheck ] && cmd=(make --no-print-directory -s lint)
        if "${cmd[@]}" >"$LOGS/static-$name.log" 2>&1; then
            passed=$((passed + 1)); printf '   %-24s ok\n' "$name"
        else
            failed=$((failed + 1)); printf '   %-24s FAILED\n' "$name"; tail -20 "$LOGS/static-$name.log"
        fi
    done
}

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

static_suite
unit_suite normal build
blackbox_suite normal build/passagent

# Under /tmp: the postgres user must reach it, and a clone may sit in a
# private directory such as /root.
pg_dir=$(mktemp -d /tmp/passagent-pg-XXXXXX)
if pg_admin=$(tests/peers/pg-cluster.sh start "$pg_dir" 2>"$LOGS/pg-cluster.log"); then
    trap 'tests/peers/pg-cluster.sh stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
    PASSAGENT_TEST_PG_ADMIN="$pg_admin" blackbox_suite postgres build/passagent
else
    echo "could not start PostgreSQL: see $LOGS/pg-cluster.log"; failed=$((failed + 1))
fi

unit_suite asan build-asan
rm -rf build-asan/server-reports && mkdir -p build-asan/server-reports
ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$PWD/build-asan/server-reports/asan" \
UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$PWD/build-asan/server-reports/ubsan" \
    blackbox_suite asan build-asan/passagent
sanitizer_reports build-asan/server-reports

fuzz_suite

echo
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
