#!/usr/bin/env bash
# test.sh - THE test command (README, .ci/run): every stage runs even when an earlier one
# fails, tests are counted across stages, and the last line is
#   total: N passed, M failed[, K skipped]
# with a non-zero exit status when anything failed.
#
# Stages: install-deps; asan build + unit tests (ctest -L unit); integration tests (pytest,
# Debian's /usr/bin/python3, against build/asan/smtpwarden); fuzz build + fuzz smoke (ctest -L
# fuzz-smoke, SW_FUZZ_SECONDS per harness, default 15); the release build of the gateway (what
# scripts/run.sh builds); clang-format check; banned-function grep.
# A stage that cannot run its tests (a failed build) counts as one failure; the format check
# and the grep count as one test each.
#
# Environment: SW_FUZZ_SECONDS (15), JOBS (2), SW_SKIP_FUZZ=1 to leave out the fuzz stage
# while iterating locally (CI runs everything).
set -uo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-2}
export SW_FUZZ_SECONDS=${SW_FUZZ_SECONDS:-15}
LOGS=build/test-logs
mkdir -p "$LOGS"

PASSED=0
FAILED=0
SKIPPED=0
SUMMARY=()

# note STAGE PASSED FAILED SKIPPED - add to the totals and remember a line for the summary
note() {
    PASSED=$((PASSED + $2))
    FAILED=$((FAILED + $3))
    SKIPPED=$((SKIPPED + $4))
    SUMMARY+=("$(printf '  %-16s passed=%s failed=%s skipped=%s' "[$1]" "$2" "$3" "$4")")
}

# stage_failed STAGE WHY LOG - a stage that produced no test results counts as one failure
stage_failed() {
    echo "!! $1: $2 (log: $3)"
    [ -f "$3" ] && tail -n 40 "$3" | sed 's/^/   | /'
    note "$1" 0 1 0
}

banner() { printf '\n==== %s ====\n' "$*"; }

# run_ctest STAGE BUILD_DIR LABEL TIMEOUT - run ctest and count from its summary line
run_ctest() {
    local stage=$1 dir=$2 label=$3 tmo=$4 log="$LOGS/$1.log" rc total failed skipped
    ctest --test-dir "$dir" -L "$label" --output-on-failure -j "$JOBS" --timeout "$tmo" \
        >"$log" 2>&1
    rc=$?
    tail -n 60 "$log"
    if grep -q 'No tests were found' "$log"; then
        echo "   ($stage: no tests with label $label)"
        note "$stage" 0 0 0
        return
    fi
    local line
    line=$(grep -E '[0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        stage_failed "$stage" "ctest exited $rc without a summary" "$log"
        return
    fi
    failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
    skipped=$(grep -cE '^\s*[0-9]+ - .*\(Skipped\)' "$log")
    note "$stage" $((total - failed - skipped)) "$failed" "$skipped"
}

# build PRESET - configure and build a preset; 0 on success
build() {
    local log="$LOGS/build-$1.log"
    echo "building preset $1 (log: $log)"
    { cmake --preset "$1" && cmake --build "build/$1" -j "$JOBS"; } >"$log" 2>&1
}

# ---------------------------------------------------------------------------------------------
banner "dependencies"
if ! bash scripts/install-deps.sh >"$LOGS/install-deps.log" 2>&1; then
    stage_failed deps "scripts/install-deps.sh failed" "$LOGS/install-deps.log"
else
    tail -n 1 "$LOGS/install-deps.log"
fi

# ---------------------------------------------------------------------------------------------
banner "asan build + unit tests"
ASAN_OK=0
if build asan; then
    ASAN_OK=1
    run_ctest unit build/asan unit 300
else
    stage_failed build-asan "cmake --preset asan / build failed" "$LOGS/build-asan.log"
fi

# ---------------------------------------------------------------------------------------------
banner "integration tests"
XML="$LOGS/integration.xml"
rm -f "$XML"
if [ "$ASAN_OK" -eq 1 ] && [ -x build/asan/smtpwarden ]; then
    SMTPWARDEN_BIN="$PWD/build/asan/smtpwarden" \
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        timeout -k 10 900 /usr/bin/python3 -m pytest tests/integration -q -rfE \
        -p no:cacheprovider --junitxml="$XML" 2>&1 | tee "$LOGS/integration.log"
    rc=${PIPESTATUS[0]}
    if [ "$rc" -eq 5 ]; then
        echo "   (integration: pytest collected no tests)"
        note integration 0 0 0
    elif [ -s "$XML" ]; then
        counts=$(/usr/bin/python3 - "$XML" <<'EOF'
import sys
import xml.etree.ElementTree as ET
status = {}
for tc in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    key = (tc.get("classname"), tc.get("name"))
    kids = {c.tag for c in tc}
    s = "failed" if kids & {"failure", "error"} else "skipped" if "skipped" in kids else "passed"
    prev = status.get(key)
    if prev != "failed":
        status[key] = s if prev is None or s == "failed" else prev
vals = list(status.values())
print(vals.count("passed"), vals.count("failed"), vals.count("skipped"))
EOF
)
        read -r p f s <<<"${counts:-0 1 0}"
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
            # pytest failed without a failed test case (internal error, timeout): count it
            f=1
            echo "!! integration: pytest exited $rc"
        fi
        note integration "$p" "$f" "$s"
    else
        stage_failed integration "pytest exited $rc without a report" "$LOGS/integration.log"
    fi
else
    stage_failed integration "no build/asan/smtpwarden to test" "$LOGS/build-asan.log"
fi

# ---------------------------------------------------------------------------------------------
banner "fuzz build + smoke (${SW_FUZZ_SECONDS}s per harness)"
if [ "${SW_SKIP_FUZZ:-0}" = 1 ]; then
    echo "   (left out: SW_SKIP_FUZZ=1)"
elif build fuzz; then
    run_ctest fuzz-smoke build/fuzz fuzz-smoke $((SW_FUZZ_SECONDS + 120))
else
    stage_failed build-fuzz "cmake --preset fuzz / build failed" "$LOGS/build-fuzz.log"
fi

# ---------------------------------------------------------------------------------------------
# the README's first command (scripts/run.sh) builds the gateway in the release preset: gcc -O3
# warns about things -O1 does not see, and -Werror makes those errors there
banner "release build (what scripts/run.sh builds)"
if { cmake --preset release && cmake --build build/release -j "$JOBS" --target smtpwarden &&
    build/release/smtpwarden --version; } >"$LOGS/build-release.log" 2>&1; then
    tail -n 1 "$LOGS/build-release.log"
    note release-build 1 0 0
else
    stage_failed release-build "cmake --preset release / smtpwarden failed" "$LOGS/build-release.log"
fi

# ---------------------------------------------------------------------------------------------
banner "clang-format"
mapfile -t SOURCES < <(find src tests fuzz -type f \( -name '*.c' -o -name '*.h' \) \
    -not -path '*/corpus/*' 2>/dev/null | sort)
if [ "${#SOURCES[@]}" -eq 0 ]; then
    echo "   (no C sources)"
    note clang-format 1 0 0
elif clang-format --dry-run -Werror "${SOURCES[@]}" >"$LOGS/clang-format.log" 2>&1; then
    echo "   ${#SOURCES[@]} files formatted"
    note clang-format 1 0 0
else
    echo "!! clang-format: these files need formatting:"
    grep -oE '^[^:]+\.[ch]:' "$LOGS/clang-format.log" | sort -u | sed 's/^/   /'
    head -n 30 "$LOGS/clang-format.log" | sed 's/^/   | /'
    note clang-format 0 1 0
fi

# ---------------------------------------------------------------------------------------------
banner "banned functions in src/"
BANNED='\b(strcpy|strcat|sprintf|vsprintf|strncpy|strtok|atoi)[[:space:]]*\('
hits=$(grep -rnE --include='*.c' --include='*.h' "$BANNED" src/ 2>/dev/null |
    grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|//|/\*)' || true)
if [ -n "$hits" ]; then
    echo "!! banned functions (use snprintf, buf_*, strtol/strtoul...):"
    sed 's/^/   /' <<<"$hits"
    note banned-functions 0 1 0
else
    echo "   none"
    note banned-functions 1 0 0
fi

# ---------------------------------------------------------------------------------------------
banner "summary"
printf '%s\n' "${SUMMARY[@]}"
line="total: $PASSED passed, $FAILED failed"
[ "$SKIPPED" -gt 0 ] && line="$line, $SKIPPED skipped"
echo "$line"
[ "$FAILED" -eq 0 ]
