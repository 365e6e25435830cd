# Sourced by run_host and run_vm: TAP helpers and the program runner.
# Each check prints one `ok N - ...` or `not ok N - ...`; tap_end prints
# the plan and exits non-zero if anything failed.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
B=$here/build
LLI=$top/tools/jitseal-lli/build/jitseal-lli
T=$(mktemp -d "${TMPDIR:-/tmp}/jitseal-llvm.XXXXXX")
trap 'rm -rf "$T"' EXIT
unset JITSEAL_BACKEND
. "$top/selftests/tap.sh"

# The bitcode of program $1 and the options it needs.
inputs() {
	case $1 in
	many) echo "$B"/many/many.*.bc ;;
	zlib) echo "--dlopen libz.so.1 $B/zlib.bc" ;;
	*) echo "$B/$1.bc" ;;
	esac
}

# same PROG [JITSEAL-LLI OPTIONS...]: the program's stdout and exit status
# through jitseal-lli equal the native binary's, byte for byte.  The
# reference output is made once per program.  Leaves stderr in $T/err.
same() {
	p=$1
	shift
	if [ ! -f "$T/$p.ref" ]; then
		"$B/$p.native" >"$T/$p.ref" 2>/dev/null
		echo $? >"$T/$p.refrc"
	fi
	# shellcheck disable=SC2046
	"$LLI" "$@" $(inputs "$p") >"$T/out" 2>"$T/err"
	echo $? >"$T/rc"
	cmp -s "$T/$p.ref" "$T/out" && cmp -s "$T/$p.refrc" "$T/rc" && return 0
	echo "# $p: status $(cat "$T/rc"), native $(cat "$T/$p.refrc"); stderr:"
	sed 's/^/#   /' "$T/err" | head -5
	return 1
}

# fails_with PATTERN COMMAND...: COMMAND exits non-zero with exactly one
# line on stderr, and that line matches PATTERN (grep -E).
fails_with() {
	pat=$1
	shift
	"$@" >"$T/out" 2>"$T/err" && { echo "# exited 0"; return 1; }
	[ "$(wc -l <"$T/err")" -eq 1 ] && grep -Eq "$pat" "$T/err" && return 0
	echo "# stderr was:"
	sed 's/^/#   /' "$T/err" | head -5
	return 1
}

# The -v statistics line: field value, e.g. stat finalizes.
stat() {
	sed -n "s/.* \([0-9][0-9]*\) $1[,;].*/\1/p" "$T/err" | tail -n1
}

# The -v line says every allocation went back (jitseal_free) at the end.
all_freed() {
	grep -Eq '; ([1-9][0-9]*) of \1 allocations freed$' "$T/err"
}

# perf_map_names PROG: with JITSEAL_PERF=map, the perf map of the
# jitseal-lli process names the program's main (the adapter passes
# LLVM's symbol names to jitseal_symbol()).
perf_map_names() {
	# shellcheck disable=SC2016,SC2046
	sh -c 'echo $$ >"$0/pid"; exec env JITSEAL_PERF=map "$@"' "$T" \
		"$LLI" --backend memfd $(inputs "$1") >/dev/null 2>"$T/err" || return 1
	map=/tmp/perf-$(cat "$T/pid").map
	grep -Eq '^[0-9a-f]+ [0-9a-f]+ main$' "$map"
	rc=$?
	[ $rc = 0 ] || { echo "# $map:"; sed 's/^/#   /' "$map" | head -5; }
	rm -f "$map"
	return $rc
}
