// SPDX-License-Identifier: GPL-2.0
/*
 * C2's one exception: RETIRE takes whole pages away.  When it returns no
 * process can run or read the retired bytes (SIGBUS, as never loaded),
 * their memory is freed and uncharged, and the range loads again into
 * fresh trap-filled pages.  Pools set up with JITSEAL_SETUP_NO_RETIRE, a
 * map-only fd and the policy knob refuse it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/io_uring.h>

#include "kselftest_harness.h"
#include "util.h"

#define CODE_PAGES	8
#define CODE_BYTES	(CODE_PAGES * JS_PAGE)

FIXTURE(pool) {
	int fd;
	uint8_t *code;
};

FIXTURE_SETUP(pool)
{
	self->fd = js_pool(CODE_BYTES, 0);
	ASSERT_LE(0, self->fd) TH_LOG("pool: %s", strerror(-self->fd));
	self->code = js_map(self->fd, CODE_BYTES, 0, PROT_READ | PROT_EXEC);
	ASSERT_NE(NULL, self->code);
}

FIXTURE_TEARDOWN(pool)
{
	munmap(self->code, CODE_BYTES);
	close(self->fd);
}

static void call(void *addr)
{
	js_call(addr);
}

/* Call @addr in a child: the signal that killed it, or 0. */
static int call_killed_by(const void *addr)
{
	return js_killed_by(call, (void *)addr);
}

TEST_F(pool, retired_page_sigbus_and_counters)
{
	uint64_t sealed = js_stat("sealed_bytes"), pages = js_stat("pages");
	uint64_t rpages = js_stat("retired_pages");
	uint64_t rbytes = js_stat("retired_bytes");
	struct jitseal_pool_info info;

	ASSERT_EQ(0, js_load_ret(self->fd, 0, 1));
	ASSERT_EQ(0, js_load_ret(self->fd, 100, 2));
	ASSERT_EQ(0, js_load_ret(self->fd, JS_PAGE, 3));
	ASSERT_EQ(1, js_call(self->code));
	ASSERT_EQ(3, js_call(self->code + JS_PAGE));

	ASSERT_EQ(0, js_retire(self->fd, 0, JS_PAGE));
	EXPECT_EQ(SIGBUS, call_killed_by(self->code));
	EXPECT_EQ(SIGBUS, call_killed_by(self->code + 100));
	/* The other page is untouched. */
	EXPECT_EQ(3, js_call(self->code + JS_PAGE));

	ASSERT_EQ(0, js_info(self->fd, &info));
	EXPECT_EQ(JS_RET_LEN, info.sealed_bytes);
	EXPECT_EQ(1, info.pages);
	EXPECT_EQ(1, info.retired_pages);
	EXPECT_EQ(1, info.retires);
	EXPECT_EQ(3, info.loads);
	EXPECT_EQ(sealed + JS_RET_LEN, js_stat("sealed_bytes"));
	EXPECT_EQ(pages + 1, js_stat("pages"));
	EXPECT_EQ(rpages + 1, js_stat("retired_pages"));
	EXPECT_EQ(rbytes + 2 * JS_RET_LEN, js_stat("retired_bytes"));
}

TEST_F(pool, reload_into_retired_range_gives_new_bytes)
{
	ASSERT_EQ(0, js_load_ret(self->fd, 0, 1));
	ASSERT_EQ(1, js_call(self->code));
	ASSERT_EQ(0, js_retire(self->fd, 0, JS_PAGE));
	/* The range is free again: the same offset loads. */
	ASSERT_EQ(0, js_load_ret(self->fd, 0, 2));
	EXPECT_EQ(2, js_call(self->code));
	/* A fresh page: everything else in it is traps, not old bytes. */
	EXPECT_TRUE(js_is_trap(self->code + JS_RET_LEN, JS_PAGE - JS_RET_LEN));
	ASSERT_EQ(0, js_load_ret(self->fd, 200, 4));
	EXPECT_EQ(4, js_call(self->code + 200));
}

TEST_F(pool, retire_inside_sealed_range_splits_it)
{
	uint8_t *buf = malloc(3 * JS_PAGE);
	struct jitseal_segment s;

	ASSERT_NE(NULL, buf);
	js_fill_ret(buf, 3 * JS_PAGE);
	js_emit_ret(buf, 10);
	js_emit_ret(buf + 2 * JS_PAGE, 12);
	s = js_seg(buf, 0, 3 * JS_PAGE, JITSEAL_PROT_RX);
	ASSERT_EQ(0, js_load(self->fd, &s, 1, 0, NULL));

	ASSERT_EQ(0, js_retire(self->fd, JS_PAGE, JS_PAGE));
	EXPECT_EQ(SIGBUS, call_killed_by(self->code + JS_PAGE));
	EXPECT_EQ(10, js_call(self->code));
	EXPECT_EQ(12, js_call(self->code + 2 * JS_PAGE));
	/* Both ends are still sealed ... */
	EXPECT_EQ(-EEXIST, js_load_ret(self->fd, JS_PAGE - 1, 7));
	EXPECT_EQ(-EEXIST, js_load_ret(self->fd, 2 * JS_PAGE - 3, 7));
	/* ... and the middle is not. */
	EXPECT_EQ(0, js_load_ret(self->fd, JS_PAGE, 11));
	EXPECT_EQ(11, js_call(self->code + JS_PAGE));
	free(buf);
}

TEST_F(pool, range_with_never_loaded_page_enoent_changes_nothing)
{
	struct jitseal_pool_info before, after;

	ASSERT_EQ(0, js_load_ret(self->fd, 0, 5));
	ASSERT_EQ(0, js_info(self->fd, &before));
	EXPECT_EQ(-ENOENT, js_retire(self->fd, 0, 2 * JS_PAGE));
	EXPECT_EQ(-ENOENT, js_retire(self->fd, JS_PAGE, JS_PAGE));
	ASSERT_EQ(0, js_info(self->fd, &after));
	EXPECT_EQ(before.sealed_bytes, after.sealed_bytes);
	EXPECT_EQ(before.pages, after.pages);
	EXPECT_EQ(0, after.retires);
	EXPECT_EQ(5, js_call(self->code));
	/* Retired already: the page is never loaded again until a LOAD. */
	ASSERT_EQ(0, js_retire(self->fd, 0, JS_PAGE));
	EXPECT_EQ(-ENOENT, js_retire(self->fd, 0, JS_PAGE));
}

TEST_F(pool, refused_by_policy_map_only_and_no_retire_pool)
{
	struct jitseal_pool_info info;
	char saved[8];
	int mfd, nfd;

	ASSERT_EQ(0, js_load_ret(self->fd, 0, 5));
	ASSERT_EQ(0, js_sysfs_read("retire", saved, sizeof(saved)));
	EXPECT_STREQ("1", saved);
	ASSERT_EQ(0, js_sysfs_write("retire", "0"));
	EXPECT_EQ(-EACCES, js_retire(self->fd, 0, JS_PAGE));
	ASSERT_EQ(0, js_sysfs_write("retire", "1"));

	mfd = js_map_fd(self->fd, JITSEAL_MAP_FD_CLOEXEC);
	ASSERT_LE(0, mfd);
	EXPECT_EQ(-EPERM, js_retire(mfd, 0, JS_PAGE));
	close(mfd);

	nfd = js_pool_flags(JS_PAGE, 0, JITSEAL_SETUP_NO_RETIRE);
	ASSERT_LE(0, nfd);
	ASSERT_EQ(0, js_load_ret(nfd, 0, 6));
	EXPECT_EQ(-EPERM, js_retire(nfd, 0, JS_PAGE));
	ASSERT_EQ(0, js_info(nfd, &info));
	EXPECT_TRUE(info.flags & JITSEAL_INFO_NO_RETIRE);
	EXPECT_EQ(1, info.pages);
	close(nfd);

	ASSERT_EQ(0, js_info(self->fd, &info));
	EXPECT_FALSE(info.flags & JITSEAL_INFO_NO_RETIRE);
	EXPECT_EQ(0, info.retires);
	EXPECT_EQ(5, js_call(self->code));
}

TEST_F(pool, audit_logs_retire)
{
	char line[512], want[128];
	struct jitseal_pool_info info;
	int kmsg = js_kmsg_open();

	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, js_load_ret(self->fd, JS_PAGE, 5));
	ASSERT_EQ(0, js_info(self->fd, &info));
	ASSERT_EQ(0, js_sysfs_write("audit", "1"));
	ASSERT_EQ(0, js_retire(self->fd, JS_PAGE, JS_PAGE));
	ASSERT_EQ(0, js_sysfs_write("audit", "0"));
	snprintf(want, sizeof(want),
		 "jitseal: audit: retire pid=%d comm=retire_test uid=0 pool=%llu offset=%lu pages=1 bytes=%d",
		 getpid(), (unsigned long long)info.pool_id, JS_PAGE,
		 JS_RET_LEN);
	EXPECT_TRUE(js_kmsg_find(kmsg, want, line, sizeof(line)))
		TH_LOG("no line: %s", want);
	close(kmsg);
}

/*
 * Other processes lose the page too: a forked child that inherited the
 * mapping and a process that mapped a map-only fd.  Each waits for the
 * retire, then calls: it must die of SIGBUS.
 */
static int holder(int fd, const uint8_t *code, int go, int ready)
{
	const uint8_t *p = code;
	char c = 0;

	js_no_core();
	if (fd >= 0) {
		p = js_map(fd, JS_PAGE, 0, PROT_READ | PROT_EXEC);
		if (!p)
			return 2;
	}
	if (js_call(p) != 9)	/* mapped and faulted in before */
		return 3;
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1)
		return 4;
	js_call(p);
	return 0;	/* ran retired code */
}

/*
 * Nothing may hold a pool page past RETIRE (issue 20): vmsplice() used to
 * keep a reference in a pipe, so the retired bytes stayed readable there
 * and their memory allocated, outside every quota.  Pool pages are mapped
 * so that no get_user_pages() finds them: every pinning path is refused.
 */
TEST_F(pool, vmsplice_of_sealed_page_refused)
{
	struct iovec iov = { self->code, JS_RET_LEN };
	int p[2];

	ASSERT_EQ(0, js_load_ret(self->fd, 0, 7));
	ASSERT_EQ(7, js_call(self->code));
	ASSERT_EQ(0, pipe(p));
	/* The errno is get_user_pages()'s: EFAULT, or EEXIST on 6.1. */
	EXPECT_EQ(-1, vmsplice(p[1], &iov, 1, SPLICE_F_NONBLOCK))
		TH_LOG("a pipe holds the sealed page");
	EXPECT_TRUE(errno == EFAULT || errno == EEXIST) TH_LOG("%m");
	close(p[0]);
	close(p[1]);
}

TEST_F(pool, io_uring_buffer_of_pool_refused)
{
	struct io_uring_params params = { 0 };
	struct iovec iov = { self->code, JS_PAGE };
	int ring;

	ASSERT_EQ(0, js_load_ret(self->fd, 0, 7));
	ring = syscall(__NR_io_uring_setup, 4, &params);
	if (ring < 0)
		SKIP(return, "no io_uring: %s", strerror(errno));
	/*
	 * A long-term pin of the page: refused, so nothing holds it (io_uring
	 * asks for write access, which the mapping never had, too).
	 */
	EXPECT_EQ(-1, syscall(__NR_io_uring_register, ring,
			      IORING_REGISTER_BUFFERS, &iov, 1));
	EXPECT_EQ(EFAULT, errno);
	close(ring);
}

/* Debuggers read sealed code through /proc/PID/mem until it is retired. */
TEST_F(pool, proc_mem_reads_until_retire)
{
	uint8_t buf[JS_RET_LEN], want[JS_RET_LEN];
	int mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, mem);
	ASSERT_EQ(0, js_load_ret(self->fd, JS_PAGE + 8, 9));
	js_emit_ret(want, 9);
	ASSERT_EQ(JS_RET_LEN, pread(mem, buf, sizeof(buf),
				    (off_t)(uintptr_t)(self->code + JS_PAGE + 8)));
	EXPECT_EQ(0, memcmp(buf, want, sizeof(buf)));
	ASSERT_EQ(0, js_retire(self->fd, JS_PAGE, JS_PAGE));
	EXPECT_EQ(-1, pread(mem, buf, sizeof(buf),
			    (off_t)(uintptr_t)(self->code + JS_PAGE + 8)));
	EXPECT_EQ(EIO, errno);
	close(mem);
}

TEST_F(pool, forked_child_and_map_only_holder_lose_page)
{
	int go[2], ready[2], status, mfd, i;
	pid_t pid[2];
	char c;

	ASSERT_EQ(0, js_load_ret(self->fd, 0, 9));
	ASSERT_EQ(9, js_call(self->code));
	mfd = js_map_fd(self->fd, 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));
	for (i = 0; i < 2; i++) {
		fflush(NULL);
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i]) {
			if (i == 1)
				munmap(self->code, CODE_BYTES);
			_exit(holder(i ? mfd : -1, self->code, go[0],
				     ready[1]));
		}
	}
	close(mfd);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, js_retire(self->fd, 0, JS_PAGE));
	ASSERT_EQ(2, write(go[1], "gg", 2));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS)
			TH_LOG("%s: status 0x%x", i ? "map-only holder" :
			       "forked child", status);
	}
	EXPECT_EQ(SIGBUS, call_killed_by(self->code));
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
}

/*
 * A thread runs the function on page 0 in a loop while the main thread
 * loads generation g there, waits until the thread has run it, retires
 * it and then publishes g as retired.  The thread reads the published
 * generation before each call; a call that started after RETIRE returned
 * must fault, so it may never return a generation it knew was retired.
 */
#define GENERATIONS	500

struct executor {
	const uint8_t *code;
	atomic_int retired;	/* last generation whose RETIRE returned */
	atomic_int seen;	/* last value a call returned */
	atomic_int stale;
	atomic_long faults;
	atomic_long calls;
	atomic_bool stop;
};

static __thread sigjmp_buf exec_jmp;

static void exec_sigbus(int sig)
{
	(void)sig;
	siglongjmp(exec_jmp, 1);
}

static void *executor_run(void *arg)
{
	struct executor *e = arg;

	while (!atomic_load(&e->stop)) {
		int retired = atomic_load(&e->retired), v;

		if (sigsetjmp(exec_jmp, 1)) {
			atomic_fetch_add(&e->faults, 1);
			continue;
		}
		v = js_call(e->code);
		atomic_fetch_add(&e->calls, 1);
		if (v <= retired)
			atomic_fetch_add(&e->stale, 1);
		atomic_store(&e->seen, v);
	}
	return NULL;
}

TEST_F_TIMEOUT(pool, executor_never_runs_stale_bytes, 300)
{
	struct executor e = { .code = self->code, .retired = -1, .seen = -1 };
	struct sigaction sa = { .sa_handler = exec_sigbus };
	pthread_t t;
	int g;

	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, executor_run, &e));
	for (g = 0; g < GENERATIONS; g++) {
		ASSERT_EQ(0, js_load_ret(self->fd, 0, g));
		/*
		 * Every other generation is retired right away, while the
		 * executor may be in the middle of faulting the page in.
		 */
		while (g % 2 && atomic_load(&e.seen) != g)
			sched_yield();
		ASSERT_EQ(0, js_retire(self->fd, 0, JS_PAGE));
		atomic_store(&e.retired, g);
	}
	atomic_store(&e.stop, true);
	pthread_join(t, NULL);
	signal(SIGBUS, SIG_DFL);
	TH_LOG("%ld calls, %ld faults over %d generations",
	       atomic_load(&e.calls), atomic_load(&e.faults), GENERATIONS);
	EXPECT_EQ(0, atomic_load(&e.stale));
	EXPECT_LT(0, atomic_load(&e.faults));
}

/* --- quota and memory cgroup --- */

TEST(user_quota_freed_by_retire)
{
	uint64_t base = js_stat("sealed_bytes");
	uint8_t *buf = malloc(4 * JS_PAGE);
	struct jitseal_segment s;
	char saved[32], val[32];
	int fd;

	ASSERT_NE(NULL, buf);
	js_fill_ret(buf, 4 * JS_PAGE);
	ASSERT_EQ(0, js_sysfs_read("max_user_bytes", saved, sizeof(saved)));
	snprintf(val, sizeof(val), "%lu", base + 2 * JS_PAGE);
	ASSERT_EQ(0, js_sysfs_write("max_user_bytes", val));
	fd = js_pool(4 * JS_PAGE, 0);
	ASSERT_LE(0, fd);
	s = js_seg(buf, 0, 2 * JS_PAGE, JITSEAL_PROT_RX);
	EXPECT_EQ(0, js_load(fd, &s, 1, 0, NULL));
	s = js_seg(buf, 2 * JS_PAGE, JS_PAGE, JITSEAL_PROT_RX);
	EXPECT_EQ(-EDQUOT, js_load(fd, &s, 1, 0, NULL));
	/* Give back a page: its bytes are uncharged, the load fits. */
	EXPECT_EQ(0, js_retire(fd, 0, JS_PAGE));
	EXPECT_EQ(0, js_load(fd, &s, 1, 0, NULL));
	s = js_seg(buf, 3 * JS_PAGE, JS_PAGE, JITSEAL_PROT_RX);
	EXPECT_EQ(-EDQUOT, js_load(fd, &s, 1, 0, NULL));
	close(fd);
	EXPECT_EQ(0, js_sysfs_write("max_user_bytes", saved));
	EXPECT_EQ(base, js_stat("sealed_bytes"));
	free(buf);
}

#define CG_ROOT		"/sys/fs/cgroup"
#define CG_BYTES	(4UL << 20)

static uint64_t cg_current(const char *cg)
{
	char buf[32];

	if (js_cg_read(cg, "memory.current", buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 10);
}

/* In a child inside @cg: load CG_BYTES, retire them; memory.current drops. */
static int cg_child(void *arg)
{
	static uint8_t code[CG_BYTES];
	const char *cg = arg;
	struct jitseal_segment s;
	uint64_t loaded, retired;
	int fd;

	js_fill_ret(code, sizeof(code));
	fd = js_pool(CG_BYTES, 0);
	if (fd < 0)
		return 1;
	if (js_cg_write(cg, "cgroup.procs", "0"))
		return 2;
	s = js_seg(code, 0, CG_BYTES, JITSEAL_PROT_RX);
	if (js_load(fd, &s, 1, 0, NULL))
		return 3;
	loaded = cg_current(cg);
	if (js_retire(fd, 0, CG_BYTES))
		return 4;
	retired = cg_current(cg);
	/* Per-cpu charge caches keep up to 64 pages back. */
	if (loaded < CG_BYTES || loaded - retired < CG_BYTES - (64 * JS_PAGE)) {
		printf("# memory.current %llu after load, %llu after retire\n",
		       (unsigned long long)loaded, (unsigned long long)retired);
		return 5;
	}
	return 0;
}

TEST(memcg_uncharged_by_retire)
{
	char cg[64], buf[256];
	bool enabled = false;

	if (js_cg_read(CG_ROOT, "cgroup.controllers", buf, sizeof(buf)) ||
	    !strstr(buf, "memory"))
		SKIP(return, "no cgroup v2 memory controller");
	ASSERT_EQ(0, js_cg_read(CG_ROOT, "cgroup.subtree_control", buf,
				sizeof(buf)));
	if (!strstr(buf, "memory")) {
		ASSERT_EQ(0, js_cg_write(CG_ROOT, "cgroup.subtree_control",
					 "+memory"));
		enabled = true;
	}
	snprintf(cg, sizeof(cg), CG_ROOT "/jitseal-retire-%d", getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	EXPECT_EQ(0, js_in_child(cg_child, cg));
	while (rmdir(cg) && errno == EBUSY)
		usleep(100000);
	if (enabled)
		js_cg_write(CG_ROOT, "cgroup.subtree_control", "-memory");
}

/* --- races --- */

/*
 * Threads load, call, retire, map, unmap, fork and close on a few shared
 * pools at random; calls may fault (retired or never loaded) and are run
 * under a SIGBUS handler.  Afterwards every pool is closed and every
 * counter is back where it started: nothing leaked, nothing freed twice
 * (the kernel log would show it).
 */
#define RACE_POOLS	3
#define RACE_THREADS	4
#define RACE_ITERS	1500
#define RACE_BYTES	(4 * JS_PAGE)

struct race {
	atomic_int fds[RACE_POOLS];
	uint8_t *maps[RACE_POOLS];
	unsigned int seed;
};

static __thread sigjmp_buf race_jmp;

static void race_sigbus(int sig)
{
	(void)sig;
	siglongjmp(race_jmp, 1);
}

static void race_call(const uint8_t *p)
{
	if (!sigsetjmp(race_jmp, 1))
		js_call(p);
}

static void race_step(struct race *r, unsigned int *seed)
{
	unsigned int op = rand_r(seed) % 8, i = rand_r(seed) % RACE_POOLS;
	unsigned long page = rand_r(seed) % (RACE_BYTES / JS_PAGE);
	int fd = atomic_load(&r->fds[i]), nfd;
	uint8_t *p;
	pid_t pid;

	switch (op) {
	case 0:
	case 1:
		js_load_ret(fd, page * JS_PAGE + (rand_r(seed) % 8) * 64, op);
		break;
	case 2:
		js_retire(fd, page * JS_PAGE, JS_PAGE);
		break;
	case 3:
		race_call(r->maps[i] + page * JS_PAGE);
		break;
	case 4:
		p = js_map(fd, RACE_BYTES, 0, PROT_READ | PROT_EXEC);
		if (p) {
			race_call(p + page * JS_PAGE);
			munmap(p, RACE_BYTES);
		}
		break;
	case 5:
		pid = fork();
		if (!pid) {
			race_call(r->maps[i] + page * JS_PAGE);
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
		break;
	case 6:
		/* Replace the pool: the old one goes with its last user. */
		nfd = js_pool(RACE_BYTES, 0);
		if (nfd >= 0) {
			fd = atomic_exchange(&r->fds[i], nfd);
			usleep(rand_r(seed) % 100);
			close(fd);
		}
		break;
	case 7:
		js_retire(fd, 0, RACE_BYTES);
		break;
	}
}

static void *race_run(void *arg)
{
	struct race *r = arg;
	unsigned int seed = __atomic_add_fetch(&r->seed, 7919, __ATOMIC_RELAXED);
	int n;

	for (n = 0; n < RACE_ITERS; n++)
		race_step(r, &seed);
	return NULL;
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

TEST_F_TIMEOUT(race, retire_load_fault_munmap_fork_close, 600)
{
	uint64_t pools = js_stat("pools"), sealed = js_stat("sealed_bytes");
	uint64_t pages = js_stat("pages");
	struct sigaction sa = { .sa_handler = race_sigbus };
	struct race r = { .seed = 1 };
	pthread_t t[RACE_THREADS];
	int i, fd;

	/* Calls land on loaded code, traps or retired pages. */
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	ASSERT_EQ(0, sigaction(SIGTRAP, &sa, NULL));
	for (i = 0; i < RACE_POOLS; i++) {
		fd = js_pool(RACE_BYTES, 0);
		ASSERT_LE(0, fd);
		atomic_store(&r.fds[i], fd);
		/* A mapping of the first pool of each slot, kept throughout. */
		r.maps[i] = js_map(fd, RACE_BYTES, 0, PROT_READ | PROT_EXEC);
		ASSERT_NE(NULL, r.maps[i]);
	}
	for (i = 0; i < RACE_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, race_run, &r));
	for (i = 0; i < RACE_THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < RACE_POOLS; i++) {
		close(atomic_load(&r.fds[i]));
		munmap(r.maps[i], RACE_BYTES);
	}
	signal(SIGBUS, SIG_DFL);
	signal(SIGTRAP, SIG_DFL);
	EXPECT_EQ(pools, js_stat("pools"));
	EXPECT_EQ(sealed, js_stat("sealed_bytes"));
	EXPECT_EQ(pages, js_stat("pages"));
}

TEST_HARNESS_MAIN
