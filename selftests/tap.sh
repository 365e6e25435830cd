# Sourced by the shell suites (selftests/llvm/tap.sh, selftests/pcre2/
# suite.sh): each check prints one `ok N - ...` or `not ok N - ...`;
# tap_end prints the plan and exits non-zero if anything failed.
tap_n=0
tap_rc=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_rc=1; echo "not ok $tap_n - $*"; }
check() {	# check DESCRIPTION COMMAND...: ok when COMMAND succeeds
	d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
tap_end() { echo "1..$tap_n"; exit $tap_rc; }
