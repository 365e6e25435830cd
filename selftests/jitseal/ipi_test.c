// SPDX-License-Identifier: GPL-2.0
/*
 * JITSEAL_LOAD_SYNC_CORE interrupts only the CPUs that may run the pool's
 * code (issue 20: it interrupted every CPU, isolated and real-time ones
 * included, on every such LOAD).  Counted with the per-CPU "Function call
 * interrupts" of /proc/interrupts (x86 CAL, arm64 IPI1) on the second CPU
 * while the loader is pinned to the first:
 * - the loader's mm never ran on CPU 1: (almost) no interrupt there;
 * - a thread of the loader spins on CPU 1: one interrupt per LOAD;
 * - another process maps the pool: the module cannot tell where that one
 *   runs, so every CPU is interrupted, as before.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "util.h"

#define LOADS	300
/* Interrupts CPU 1 may get from elsewhere while LOADS run. */
#define NOISE	30

/* The "Function call interrupts" count of @cpu, or -1. */
static long long call_irqs(int cpu)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[4096], *p, *end;
	long long v = -1;
	int i;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "Function call interrupts"))
			continue;
		p = strchr(line, ':');
		for (i = 0; p && i <= cpu; i++) {
			v = strtoll(p + 1, &end, 10);
			p = end == p + 1 ? NULL : end - 1;
		}
		break;
	}
	fclose(f);
	return v;
}

static int pin(pthread_t t, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(t, sizeof(set), &set);
}

static atomic_int spin_stop;

static void *spinner(void *arg)
{
	(void)arg;
	while (!atomic_load(&spin_stop))
		;
	return NULL;
}

/* LOADS sync-core loads into @fd: how many call interrupts CPU 1 got. */
static long long loads_on(int fd, unsigned int *off)
{
	long long before = call_irqs(1);
	uint8_t code[JS_RET_LEN];
	struct jitseal_segment s;
	int i;

	for (i = 0; i < LOADS; i++, *off += 16) {
		s = js_seg(code, *off, js_emit_ret(code, i), JITSEAL_PROT_RX);
		if (js_load(fd, &s, 1, JITSEAL_LOAD_SYNC_CORE, NULL))
			return -1;
	}
	return call_irqs(1) - before;
}

struct counts {
	long long alone, spinning, shared;
};

/* In a process born on CPU 0, so that its mm never ran on CPU 1. */
static int measure(void *arg)
{
	struct counts *c = arg;
	unsigned int off = 0;
	pthread_t t;
	int fd, p[2];
	pid_t pid;
	char x;

	fd = js_pool(64 * JS_PAGE, 0);
	if (fd < 0)
		return 1;
	c->alone = loads_on(fd, &off);

	if (pthread_create(&t, NULL, spinner, NULL) || pin(t, 1))
		return 2;
	/* Always on CPU 1 while the loads run, whatever else runs there. */
	pthread_setschedparam(t, SCHED_FIFO, &(struct sched_param){ .sched_priority = 1 });
	usleep(100000);
	c->spinning = loads_on(fd, &off);
	atomic_store(&spin_stop, 1);
	pthread_join(t, NULL);

	/* A child with the pool mapped, waiting on CPU 0. */
	if (!js_map(fd, JS_PAGE, 0, PROT_READ | PROT_EXEC) || pipe(p))
		return 3;
	pid = fork();
	if (!pid) {
		close(p[1]);
		_exit(read(p[0], &x, 1) < 0);
	}
	c->shared = loads_on(fd, &off);
	close(p[1]);
	waitpid(pid, NULL, 0);
	return 0;
}

#define RT_RUNTIME	"/proc/sys/kernel/sched_rt_runtime_us"

TEST(sync_core_interrupts_only_cpus_running_the_pool)
{
	char rt_runtime[32];
	struct counts *c;
	int err;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "one CPU");
	if (call_irqs(1) < 0)
		SKIP(return, "no per-CPU function call interrupt count");
	ASSERT_EQ(0, pin(pthread_self(), 0));
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, c);
	/*
	 * The spinner must stay on CPU 1 (arm64 interrupts only the CPUs a
	 * thread of the pool's mm is on): no RT throttling, which under
	 * emulation on a busy host dequeues it (the guest clock runs on
	 * while its CPU waits for the host).
	 */
	ASSERT_EQ(0, js_read_file(RT_RUNTIME, rt_runtime, sizeof(rt_runtime)));
	ASSERT_EQ(0, js_write_file(RT_RUNTIME, "-1"));
	err = js_in_child(measure, c);
	js_write_file(RT_RUNTIME, rt_runtime);
	ASSERT_EQ(0, err);
	TH_LOG("CPU 1 interrupts for %d loads: alone %lld, with a thread there %lld, pool shared %lld",
	       LOADS, c->alone, c->spinning, c->shared);
	EXPECT_GT(NOISE, c->alone);
	EXPECT_LE(LOADS - NOISE, c->spinning);
	EXPECT_LE(LOADS - NOISE, c->shared);
}

TEST_HARNESS_MAIN
