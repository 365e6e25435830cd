// SPDX-License-Identifier: GPL-2.0
/*
 * A page fault racing RETIRE must never take a page the pool no longer
 * owns (issue 20: the fault read the page slot unlocked and took its
 * reference after RETIRE had freed it, freeing it twice: list corruption,
 * a page freed while mapped, bytes of a later LOAD landing in someone
 * else's memory).
 *
 * One process, unprivileged after opening the device (the bug was
 * reachable without root), loads a function into each of 8 pages, spins a
 * little, retires them, spins, and again; forked children touch random
 * pages (a read, and now and then a call: SIGBUS while retired) and
 * MADV_DONTNEED them so that the next touch faults again.  Every read must
 * see, and every call return, what a LOAD of that very page put there.  The kernel's own checks decide the
 * rest: a double free or a freed page still mapped is a BUG or a "Bad
 * page" report (loud on the debug kernel: DEBUG_VM, page poisoning), and
 * tools/vm-run fails the run on any.  The pool's and the user's counters
 * must be back at zero afterwards.
 *
 * JITSEAL_FAULT_RACE_SECONDS sets the duration (default 5; the debug tier
 * runs minutes).  The old code failed within seconds on 2 vCPUs.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "util.h"

#define RACE_PAGES	8
#define RACE_BYTES	(RACE_PAGES * JS_PAGE)
/* Touchers per CPU: preempted ones widen the window (preempt=full). */
#define RACE_PER_CPU	4
#define RACE_MAX_KIDS	64
#define NOBODY		65534

static unsigned int race_seconds(void)
{
	const char *s = getenv("JITSEAL_FAULT_RACE_SECONDS");

	return s && atoi(s) > 0 ? (unsigned int)atoi(s) : 5;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void spin(uint64_t *rng)
{
	volatile uint64_t n = js_rand_below(rng, 4000);

	while (n)
		n--;
}

/* The value page @pg returns in generation @gen: the page is in it. */
static uint32_t race_val(uint32_t gen, unsigned int pg)
{
	return gen << 4 | pg;
}

/*
 * A toucher: exit 0 after @deadline if every call that returned gave its
 * own page's value, 1 on a wrong value, 2 if it never saw a function.
 */
static int toucher(uint8_t *code, double deadline, uint64_t seed)
{
	uint64_t rng = seed, hits = 0, traps = 0;
	uint32_t got_val;

	js_guard_signals();
	while (now() < deadline) {
		unsigned int pg = js_rand_below(&rng, RACE_PAGES);
		uint8_t *p = code + pg * JS_PAGE, got[JS_RET_LEN];
		int val, sig;

		if (js_rand_below(&rng, 16)) {
			sig = js_guarded_read(p, got, sizeof(got));
			/* Any generation, but this page's function. */
			if (!sig && (!js_arch_ret_value(got, &got_val) ||
				     (got_val & 0xf) != pg)) {
				fprintf(stderr, "page %u holds %02x %02x %02x\n",
					pg, got[0], got[1], got[2]);
				return 1;
			}
		} else {
			sig = js_guarded_call(p, &val);
			if (!sig && (val & 0xf) != (int)pg) {
				fprintf(stderr, "page %u returned %#x\n", pg,
					val);
				return 1;
			}
		}
		if (sig)
			traps++;
		else
			hits++;
		madvise(p, JS_PAGE, MADV_DONTNEED);
	}
	fprintf(stderr, "# toucher %d: %llu hits, %llu SIGBUS\n", getpid(),
		(unsigned long long)hits, (unsigned long long)traps);
	return hits ? 0 : 2;
}

static int load_all(int fd, uint32_t gen)
{
	uint8_t code[RACE_PAGES][JS_RET_LEN];
	struct jitseal_segment segs[RACE_PAGES];
	unsigned int pg;

	for (pg = 0; pg < RACE_PAGES; pg++)
		segs[pg] = js_seg(code[pg], pg * JS_PAGE,
				  js_emit_ret(code[pg], race_val(gen, pg)),
				  JITSEAL_PROT_RX);
	return js_load(fd, segs, RACE_PAGES, 0, NULL);
}

FIXTURE(race) {
	int unused;
};

FIXTURE_SETUP(race)
{
}

FIXTURE_TEARDOWN(race)
{
}

/* Minutes on the debug kernel: the harness's 30 s would cut it. */
TEST_F_TIMEOUT(race, fault_against_retire_never_takes_a_freed_page, 3600)
{
	double deadline = now() + race_seconds();
	struct jitseal_pool_info info;
	int nkids = RACE_PER_CPU * sysconf(_SC_NPROCESSORS_ONLN);
	pid_t kids[RACE_MAX_KIDS];
	uint64_t rng = 42, cycles = 0;
	uint32_t gen = 0;
	uint8_t *code;
	int fd, i, status;

	fd = js_pool(RACE_BYTES, 0);
	ASSERT_LE(0, fd) TH_LOG("pool: %s", strerror(-fd));
	code = js_map(fd, RACE_BYTES, 0, PROT_READ | PROT_EXEC);
	ASSERT_NE(NULL, code);
	/* Everything below runs as an ordinary user. */
	ASSERT_EQ(0, setresuid(NOBODY, NOBODY, NOBODY));

	if (nkids > RACE_MAX_KIDS)
		nkids = RACE_MAX_KIDS;
	for (i = 0; i < nkids; i++) {
		kids[i] = fork();
		ASSERT_LE(0, kids[i]);
		if (!kids[i])
			_exit(toucher(code, deadline, 1000 + i));
	}

	while (now() < deadline) {
		ASSERT_EQ(0, load_all(fd, ++gen));
		spin(&rng);
		ASSERT_EQ(0, js_retire(fd, 0, RACE_BYTES));
		spin(&rng);
		cycles++;
	}
	TH_LOG("%llu load/retire cycles", (unsigned long long)cycles);

	for (i = 0; i < nkids; i++) {
		ASSERT_EQ(kids[i], waitpid(kids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("toucher %d: status %#x", i, status);
	}

	ASSERT_EQ(0, js_info(fd, &info));
	EXPECT_EQ(0, info.pages);
	EXPECT_EQ(0, info.sealed_bytes);
	EXPECT_EQ(cycles, info.retires);
	munmap(code, RACE_BYTES);
	close(fd);
}

TEST_HARNESS_MAIN
