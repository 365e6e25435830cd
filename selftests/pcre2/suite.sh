# Sourced by run_host and run_vm: TAP helpers and PCRE2's own test
# scripts (RunTest, RunGrepTest) run on the sealed build, in a scratch
# folder (the tree may be read-only, as in the guest), with the binding's
# statistics file to show that the JIT ran and on which backend.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
B=$here/build
SRC=$top/.cache/pcre2/src
SEALED=$B/sealed
STOCK=$B/stock
T=$(mktemp -d "${TMPDIR:-/tmp}/jitseal-pcre2.XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$top/selftests/tap.sh"
# A C test program's TAP, renumbered into this script's.
run_c() {
	"$@" >"$T/c.out" 2>"$T/c.err"
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok [0-9]* - }" ;;
		"not ok "*) not_ok "${line#not ok [0-9]* - }" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$T/c.out"
	[ $rc = 0 ] || { not_ok "${1##*/} exited with status $rc"; sed 's/^/#   /' "$T/c.err" | head -5; }
}

# pcre2_script NAME [ARGS...]: PCRE2's NAME (RunTest or RunGrepTest) on
# the sealed build, in $T/NAME.  Leaves its output in $T/NAME.log, its
# status in $T/NAME.rc, its wall time in $T/NAME.secs and one statistics
# line per process in $T/NAME.stats.
pcre2_script() {
	name=$1
	shift
	rm -rf "${T:?}/$name"
	mkdir "$T/$name"
	# The programs themselves rather than libtool's wrapper scripts (a
	# shell per run is costly under emulation); the library path makes
	# them load the sealed libpcre2-8, which jit_ran() then confirms.
	ln -s "$SEALED/.libs/pcre2test" "$SEALED/.libs/pcre2grep" "$T/$name/"
	start=$(date +%s)
	(cd "$T/$name" && LD_LIBRARY_PATH=$SEALED/.libs JITSEAL_SLJIT_STATS=$T/$name.stats \
		srcdir=$SRC timeout "${JITSEAL_PCRE2_TIMEOUT:-900}" "$SRC/$name" "$@" </dev/null 2>&1;
		echo $? >"$T/$name.rc") | tee "$T/$name.log" | sed -n 's/^\(Test\|Testing\) /#   &/p'
	echo $(($(date +%s) - start)) >"$T/$name.secs"
}

# passed NAME: the script exited 0 and reported no failure.
passed() {
	[ "$(cat "$T/$1.rc")" = 0 ] && ! grep -Eqi 'fail|differ|^\*\*' "$T/$1.log" && return 0
	echo "# $1: status $(cat "$T/$1.rc"); its output ends:"
	tail -n 15 "$T/$1.log" | sed 's/^/#   /'
	return 1
}

# jit_ran NAME BACKEND [kept]: the JIT installed code on BACKEND in the
# processes of NAME, and every function was given back (unless "kept": a
# program such as grep exits without freeing its patterns).
jit_ran() {
	[ -s "$T/$1.stats" ] || { echo "# $1: no statistics (no pool made)"; return 1; }
	awk -v be="$2" -v kept="${3:-}" '
		{ n++; if ($2 != be) bad++; fin += $6; fr += $12; dis += $10 }
		END {
			printf "# %d processes with a pool, %d functions installed, %d freed, %d probes discarded\n", n, fin, fr, dis
			exit !(bad == 0 && fin > 0 && (kept == "kept" || fin == fr))
		}' "$T/$1.stats"
}

# The results of one RunTest: "N passed, M with JIT" for the TAP line.
runtest_counts() {
	echo "$(grep -c '^  OK$' "$T/$1.log") OK, $(grep -c '^  OK with JIT$' "$T/$1.log") OK with JIT, $(cat "$T/$1.secs") s"
}

# all_jit FILE: pcre2test's jitverify output, every result marked as the JIT's.
all_jit() {
	results=$(grep -Ec '^ 0: |^No match' "$1")
	marked=$(grep -Ec '^ 0: .*\(JIT\)$|^No match \(JIT\)$' "$1")
	[ "$results" -gt 0 ] && [ "$results" = "$marked" ] && return 0
	echo "# $1: $marked of $results results marked (JIT)"
	return 1
}

# no_jit FILE: no result of FILE came from the JIT.
no_jit() {
	! grep -q '(JIT)' "$1" && grep -Eq '^ 0: |^No match' "$1"
}
