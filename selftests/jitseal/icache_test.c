// SPDX-License-Identifier: GPL-2.0
/*
 * Instruction-cache coherence of appends (C2 on an architecture whose
 * instruction fetch does not snoop stores, arm64): one thread, pinned to
 * one CPU, runs in a loop through the functions of a page; another,
 * pinned to another CPU, appends new functions into the same page, calls
 * each at once, and publishes it to the runner, which calls it in its next
 * sweep.  The kernel writes the code through its own alias of the page, so
 * without its D-cache clean and I-cache invalidation to the point of
 * unification, and the context synchronisation of the CPUs that run the
 * pool, either thread could execute the trap fill or old bytes that an
 * earlier fetch left in its I-cache or pipeline: a SIGTRAP, or a wrong
 * value, fails the test.
 *
 * JITSEAL_ICACHE_FUNCS sets how many functions are appended (default
 * 8192, over 8 fresh pages of each of 4 pools).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "util.h"

#define STRIDE		16	/* one function per 16 bytes: 4 per 64-byte line */
#define PAGES		8
#define PER_PAGE	(JS_PAGE / STRIDE)
#define POOLS		4
#define MAX_POOLS	64	/* kept mapped until the end: the runner may lag */

struct sweep {
	_Atomic(const uint8_t *) page;	/* the page being appended to */
	_Atomic uint32_t published;	/* functions of it callable */
	_Atomic uint32_t gen;		/* page generation (changes with page) */
	_Atomic bool stop;
	_Atomic uint64_t calls;
	_Atomic uint32_t bad;
	uint32_t first_bad, first_got, first_sig;
};

/* The value function @i of page @gen returns: unique per append. */
static uint32_t value(uint32_t gen, uint32_t i)
{
	return gen << 12 | i;
}

static void bad(struct sweep *s, uint32_t i, int got, int sig)
{
	if (!atomic_fetch_add(&s->bad, 1)) {
		s->first_bad = i;
		s->first_got = (uint32_t)got;
		s->first_sig = (uint32_t)sig;
	}
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *runner(void *arg)
{
	struct sweep *s = arg;

	pin(1);
	while (!atomic_load(&s->stop)) {
		uint32_t gen = atomic_load_explicit(&s->gen, memory_order_acquire);
		const uint8_t *page = atomic_load_explicit(&s->page,
							   memory_order_acquire);
		uint32_t i, n = atomic_load_explicit(&s->published,
						     memory_order_acquire);
		int ret, sig;

		/*
		 * The appender sets published to 0, then page, then gen:
		 * a count read after them belongs to this gen's page only if
		 * gen has not moved on meanwhile.
		 */
		if (atomic_load(&s->gen) != gen)
			continue;
		for (i = 0; i < n; i++) {
			sig = js_guarded_call(page + i * STRIDE, &ret);
			if (sig || (uint32_t)ret != value(gen, i))
				bad(s, i, ret, sig);
		}
		atomic_fetch_add(&s->calls, n);
	}
	return NULL;
}

static int funcs_wanted(void)
{
	const char *e = getenv("JITSEAL_ICACHE_FUNCS");
	int n = e ? atoi(e) : 0;

	int max = (int)(MAX_POOLS * PAGES * PER_PAGE);

	if (n <= 0)
		n = (int)(POOLS * PAGES * PER_PAGE);
	return n < max ? n : max;
}

/* 8192 LOADs with IPIs under emulation: past the 30 s default on a busy host. */
FIXTURE(icache) {};
FIXTURE_SETUP(icache) {}
FIXTURE_TEARDOWN(icache) {}

TEST_F_TIMEOUT(icache, append_and_call_at_once_on_two_cpus, 600)
{
	struct sweep s = { 0 };
	int total = funcs_wanted(), done = 0, fd[MAX_POOLS], pools = 0;
	uint8_t *code = NULL, *map[MAX_POOLS];
	uint32_t gen = 0, i;
	int sig, ret;
	pthread_t t;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "one CPU: the runner must run on another CPU");
	js_guard_signals();
	pin(0);
	ASSERT_EQ(0, pthread_create(&t, NULL, runner, &s));
	while (done < total) {
		if (gen % PAGES == 0) {		/* a fresh pool every PAGES pages */
			fd[pools] = js_pool(PAGES * JS_PAGE, 0);
			ASSERT_LE(0, fd[pools]) TH_LOG("pool: %s", strerror(-fd[pools]));
			code = js_map(fd[pools], PAGES * JS_PAGE, 0,
				      PROT_READ | PROT_EXEC);
			ASSERT_NE(NULL, code);
			map[pools++] = code;
		}
		atomic_store(&s.published, 0);
		atomic_store_explicit(&s.page, code + (gen % PAGES) * JS_PAGE,
				      memory_order_release);
		atomic_store_explicit(&s.gen, ++gen, memory_order_release);
		for (i = 0; i < PER_PAGE && done < total; i++, done++) {
			ASSERT_EQ(0, js_load_ret(fd[pools - 1],
						 (gen - 1) % PAGES * JS_PAGE +
						 i * STRIDE, value(gen, i)));
			sig = js_guarded_call(code + (gen - 1) % PAGES * JS_PAGE +
					      i * STRIDE, &ret);
			if (sig || (uint32_t)ret != value(gen, i))
				bad(&s, i, ret, sig);
			atomic_store_explicit(&s.published, i + 1,
					      memory_order_release);
		}
	}
	atomic_store(&s.stop, true);
	pthread_join(t, NULL);
	TH_LOG("%d functions appended into %u pages, each called at once; the other CPU made %llu calls into the pages meanwhile",
	       done, gen, (unsigned long long)atomic_load(&s.calls));
	EXPECT_EQ(0, atomic_load(&s.bad))
		TH_LOG("first stale result: function %u gave %#x, signal %u",
		       s.first_bad, s.first_got, s.first_sig);
	EXPECT_LT(0, atomic_load(&s.calls));
	while (pools--) {
		munmap(map[pools], PAGES * JS_PAGE);
		close(fd[pools]);
	}
}

TEST_HARNESS_MAIN
