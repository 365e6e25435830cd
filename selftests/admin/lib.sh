# selftests/admin: TAP helpers, sourced by run_host and vm_tests.
# t DESCRIPTION COMMAND...: one result; the command's output is shown as
# comments when it fails.  expect_fail PATTERN COMMAND...: the command must
# fail and print PATTERN (grep -E) on its output.
n=0
failed=0
tap_out=$(mktemp)

t() {
	local desc=$1
	shift
	n=$((n + 1))
	if "$@" >"$tap_out" 2>&1; then
		echo "ok $n $desc"
	else
		echo "not ok $n $desc"
		sed 's/^/# /' "$tap_out" | head -n 40
		failed=$((failed + 1))
	fi
}

expect_fail() {
	local pattern=$1 _out rc
	shift
	_out=$("$@" 2>&1)
	rc=$?
	echo "$_out"
	if [ $rc -eq 0 ]; then
		echo "(exit status 0, expected a failure)"
		return 1
	fi
	echo "$_out" | grep -Eq -- "$pattern" || {
		echo "(no line matching: $pattern)"
		return 1
	}
}

skip() {
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
}

tap_done() {
	rm -f "$tap_out"
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
