#!/usr/bin/env bash
# Reads the output of `swift test` (a file, or stdin) and prints how many tests
# ran, passed, failed and were skipped, with the name of each failure and the
# reason of each skip. XCTest's per-case lines and Swift Testing's are both
# counted. The last line has the plain form "summary: N passed, N failed, N skipped".
set -euo pipefail
awk '
function trim(s) { sub(/^[ \t"]+/, "", s); sub(/[ \t".]+$/, "", s); return s }
# XCTest: Test Case '\''Suite.test'\'' passed|failed|skipped (...)
/^Test Case '\''.*'\'' (passed|failed|skipped) \(/ {
    name = $0; sub(/^Test Case '\''/, "", name); sub(/'\'' .*/, "", name)
    status = $0; sub(/^Test Case '\''[^'\'']*'\'' /, "", status); sub(/ .*/, "", status)
    result[name] = status; order[++n] = name
    next
}
# XCTest skip reasons: "<file>:<line>: Suite.test : Test skipped - reason"
/ : Test skipped - / {
    name = $0; sub(/ : Test skipped - .*/, "", name); sub(/^.*: /, "", name)
    reason = $0; sub(/^.* : Test skipped - /, "", reason); why[name] = reason
    next
}
# XCTest failure messages: "<file>:<line>: error: Suite.test : message" (the first one per test)
/: error: [^ ]+ : / {
    name = $0; sub(/^.*: error: /, "", name); message = name; sub(/ : .*/, "", name); sub(/^[^ ]+ : /, "", message)
    if (!(name in firstError)) firstError[name] = message
}
# Swift Testing: "✔ Test name() passed", "✘ Test name() failed", "➜ Test name() skipped: reason"
/^[^ ]+ Test [^ ].* (passed|failed|skipped)/ && !/Test run with/ {
    line = $0; sub(/^[^ ]+ Test /, "", line)
    if (line ~ / skipped/) { name = line; sub(/ skipped.*/, "", name); reason = line; sub(/^.* skipped:? ?/, "", reason)
        result["swift-testing " name] = "skipped"; why["swift-testing " name] = trim(reason) }
    else if (line ~ / failed/) { name = line; sub(/ failed.*/, "", name); result["swift-testing " name] = "failed" }
    else { name = line; sub(/ passed.*/, "", name); result["swift-testing " name] = "passed" }
    order[++n] = "swift-testing " name
}
END {
    passed = failed = skipped = 0
    for (i = 1; i <= n; i++) {
        k = order[i]; if (seen[k]++) continue
        if (result[k] == "passed") passed++
        else if (result[k] == "failed") { failed++; failures[failed] = k }
        else if (result[k] == "skipped") { skipped++; skips[skipped] = k }
    }
    print ""
    print "==== " passed + failed + skipped " tests: " passed " passed, " failed " failed, " skipped " skipped"
    for (i = 1; i <= failed; i++) print "  failed:  " failures[i] (failures[i] in firstError ? " (" firstError[failures[i]] ")" : "")
    for (i = 1; i <= skipped; i++) print "  skipped: " skips[i] " (" (skips[i] in why ? why[skips[i]] : "no reason given") ")"
    print "summary: " passed " passed, " failed " failed, " skipped " skipped"
}
' "${1:-/dev/stdin}"
