# Sourced by run_host and run_vm: the getting-started examples
# (examples/hello, examples/lljit), as `make` built them against this tree.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
HELLO=$top/examples/hello/build/hello
LLJIT=$top/examples/lljit/build/lljit
LLI=$top/tools/jitseal-lli/build/jitseal-lli
T=$(mktemp -d "${TMPDIR:-/tmp}/jitseal-examples.XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$top/selftests/tap.sh"

# prints PATTERN COMMAND...: COMMAND succeeds and its stdout matches
# PATTERN (grep -E), which it shows as a comment.
prints() {
	pat=$1
	shift
	if "$@" >"$T/out" 2>"$T/err" && grep -Eq "$pat" "$T/out"; then
		sed 's/^/# /' "$T/out"
		return 0
	fi
	echo "# stdout:"; sed 's/^/#   /' "$T/out" | head -5
	echo "# stderr:"; sed 's/^/#   /' "$T/err" | head -5
	return 1
}

# fails_with PATTERN COMMAND...: COMMAND exits non-zero with exactly one
# line on stderr, matching PATTERN (grep -E); the line is kept in $T/line.
fails_with() {
	pat=$1
	shift
	"$@" >"$T/out" 2>"$T/err" && { echo "# exited 0"; return 1; }
	cp "$T/err" "$T/line"
	[ "$(wc -l <"$T/err")" -eq 1 ] && grep -Eq "$pat" "$T/err" && return 0
	echo "# stderr was:"
	sed 's/^/#   /' "$T/err" | head -5
	return 1
}

have_llvm() { [ -x "$LLJIT" ]; }
