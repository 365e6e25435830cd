// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal_free: a finalized allocation goes back; a page whose
 * allocations are all freed is reclaimed (kmod: retired) and reused; a
 * freed page traps; bad frees change nothing; a long run of
 * alloc/finalize/free with a bounded working set keeps pages and VMAs
 * bounded; JITSEAL_POOL_NO_RETIRE pools keep every page.
 */
#include <sys/ioctl.h>

#include <linux/jitseal.h>

#include "jstest.h"

#define PG	page_size()

/* Two code pages, no growth: reuse is the only way to get more room. */
static struct jitseal_pool *small_pool(unsigned int flags)
{
	return test_pool_flags(2 * PG, PG, PG, JITSEAL_POOL_NO_GROW | flags);
}

/* One code allocation of @len bytes returning @v, finalized. */
static void *fn_ret(struct jitseal_pool *p, size_t len, size_t align,
		    uint32_t v)
{
	struct jitseal_mem m;

	if (jitseal_alloc(p, len, align, JITSEAL_CODE, &m))
		return NULL;
	trap_fill(m.stage, len);
	emit_ret_imm(m.stage, v);
	if (jitseal_finalize(p, NULL))
		return NULL;
	return m.addr;
}

/* The signal a call of @fn dies of in a child, 0 if it returns. */
static int call_signal(void *fn)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		((fn_v)fn)();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static bool is_kmod(struct jitseal_pool *p)
{
	return jitseal_pool_backend(p) == JITSEAL_BACKEND_KMOD;
}

/* kmod: the module's view of region 0, through a map-only fd. */
static int kernel_info(struct jitseal_pool *p, struct jitseal_pool_info *info)
{
	int fd = jitseal_pool_export(p, 0, NULL), err;

	if (fd < 0)
		return fd;
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	err = ioctl(fd, JITSEAL_IOC_INFO, info) ? -errno : 0;
	close(fd);
	return err;
}

/* A freed page comes back: the new bytes are what a call returns. */
TEST(free_then_reuse)
{
	struct jitseal_pool *p = small_pool(0);
	void *a, *b, *c;

	ASSERT_NE(NULL, p);
	TH_LOG("backend %s", test_backend(p));
	a = fn_ret(p, PG, 16, 1);		/* all of page 0 */
	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, jitseal_free(p, a));
	b = fn_ret(p, PG, 16, 2);		/* page 1 */
	ASSERT_NE(NULL, b);
	c = fn_ret(p, PG, 16, 3);		/* no room but page 0 */
	ASSERT_EQ(a, c);
	EXPECT_EQ(3, ((fn_v)c)());
	EXPECT_EQ(2, ((fn_v)b)());
	EXPECT_EQ(1, test_stats(p).regions);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* Without the free, the same pool is full. */
TEST(no_free_no_room)
{
	struct jitseal_pool *p = small_pool(0);
	struct jitseal_mem m;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, fn_ret(p, PG, 16, 1));
	ASSERT_NE(NULL, fn_ret(p, PG, 16, 2));
	EXPECT_EQ(-ENOSPC, jitseal_alloc(p, PG, 16, JITSEAL_CODE, &m));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* A call into a freed page faults: SIGBUS (kmod) or SIGSEGV/SIGBUS. */
TEST(call_after_free_faults)
{
	struct jitseal_pool *p = small_pool(0);
	void *a;
	int sig;

	ASSERT_NE(NULL, p);
	a = fn_ret(p, PG, 16, 7);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, fn_ret(p, 16, 16, 8));	/* the bump leaves page 0 */
	EXPECT_EQ(0, call_signal(a));
	ASSERT_EQ(0, jitseal_free(p, a));
	sig = call_signal(a);
	if (is_kmod(p)) {
		EXPECT_EQ(SIGBUS, sig);
	} else {
		EXPECT_TRUE(sig == SIGSEGV || sig == SIGBUS) TH_LOG("signal %d", sig);
	}
	EXPECT_EQ(1, read_faults(a));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(double_free)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_pool_stats st;
	void *a;

	ASSERT_NE(NULL, p);
	a = fn_ret(p, 64, 16, 1);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, jitseal_free(p, a));
	st = test_stats(p);
	EXPECT_EQ(-EINVAL, jitseal_free(p, a));
	EXPECT_EQ(st.frees, test_stats(p).frees);
	EXPECT_EQ(1, st.frees);
	EXPECT_EQ(64, st.freed_bytes);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* An address inside an allocation is refused; the allocation stays. */
TEST(interior_address)
{
	struct jitseal_pool *p = test_pool();
	void *a;

	ASSERT_NE(NULL, p);
	a = fn_ret(p, 64, 16, 5);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(-EINVAL, jitseal_free(p, (char *)a + 16));
	EXPECT_EQ(-EINVAL, jitseal_free(p, (char *)a + 64));
	EXPECT_EQ(-EINVAL, jitseal_free(p, &p));	/* not the pool's */
	EXPECT_EQ(0, test_stats(p).frees);
	EXPECT_EQ(5, ((fn_v)a)());
	EXPECT_EQ(0, jitseal_free(p, a));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* Pending (allocated, not finalized): -EBUSY; freeable once finalized. */
TEST(pending_is_busy)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_batch *b;
	struct jitseal_mem c, d, e;

	ASSERT_NE(NULL, p);
	b = jitseal_batch_create(p);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, 16, JITSEAL_CODE, &c));
	emit_ret_imm(c.stage, 4);
	ASSERT_EQ(0, jitseal_batch_alloc(b, 64, 16, JITSEAL_DATA, &d));
	ASSERT_EQ(0, jitseal_batch_alloc(b, 8, 8, JITSEAL_RODATA, &e));
	EXPECT_EQ(-EBUSY, jitseal_free(p, c.addr));
	EXPECT_EQ(-EBUSY, jitseal_free(p, d.addr));
	EXPECT_EQ(-EBUSY, jitseal_free(p, e.addr));
	EXPECT_EQ(0, test_stats(p).frees);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(4, ((fn_v)c.addr)());
	EXPECT_EQ(-EBUSY, jitseal_free(p, d.addr));	/* other batch */
	ASSERT_EQ(0, jitseal_batch_finalize(b, NULL));
	EXPECT_EQ(0, jitseal_free(p, c.addr));
	EXPECT_EQ(0, jitseal_free(p, d.addr));
	EXPECT_EQ(0, jitseal_free(p, e.addr));
	EXPECT_EQ(0, jitseal_batch_destroy(b));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* A discarded batch's data allocations stay live, and freeable. */
TEST(discarded_data_freeable)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem c, d;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, 16, JITSEAL_CODE, &c));
	ASSERT_EQ(0, jitseal_alloc(p, 64, 16, JITSEAL_DATA, &d));
	ASSERT_EQ(0, jitseal_discard(p));
	EXPECT_EQ(-EINVAL, jitseal_free(p, c.addr));
	EXPECT_EQ(0, jitseal_free(p, d.addr));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(bad_pool)
{
	struct jitseal_pool *p = test_pool();
	void *a;

	ASSERT_NE(NULL, p);
	a = fn_ret(p, 16, 16, 1);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(-EINVAL, jitseal_free(NULL, a));
	EXPECT_EQ(-EINVAL, jitseal_free(p, NULL));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
	EXPECT_EQ(-EBADF, jitseal_free(p, a));	/* type-stable storage */
}

/* A forked child shares the parent's pages: it may not free them. */
TEST(child_cannot_free)
{
	struct jitseal_pool *p = test_pool();
	int status;
	void *a;
	pid_t pid;

	ASSERT_NE(NULL, p);
	a = fn_ret(p, 16, 16, 9);
	ASSERT_NE(NULL, a);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(jitseal_free(p, a) == -ECHILD ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(9, ((fn_v)a)());
	EXPECT_EQ(0, jitseal_free(p, a));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* The last free on a page reclaims it, not one before. */
TEST(last_free_reclaims_page)
{
	struct jitseal_pool *p = small_pool(0);
	struct jitseal_pool_info info;
	struct jitseal_pool_stats st;
	void *f[16];
	int i, n = (int)(PG / 256);

	ASSERT_NE(NULL, p);
	ASSERT_GE(16, n);
	for (i = 0; i < n; i++) {
		f[i] = fn_ret(p, 256, 256, (uint32_t)i);
		ASSERT_NE(NULL, f[i]);
	}
	ASSERT_NE(NULL, fn_ret(p, 16, 16, 99));	/* the bump leaves page 0 */
	EXPECT_EQ(2, test_stats(p).pages);
	for (i = 0; i < n - 1; i++)
		ASSERT_EQ(0, jitseal_free(p, f[i]));
	st = test_stats(p);
	EXPECT_EQ(0, st.reclaimed[JITSEAL_CODE]);
	EXPECT_EQ(2, st.pages);
	EXPECT_EQ(n - 1, ((fn_v)f[n - 1])());
	ASSERT_EQ(0, jitseal_free(p, f[n - 1]));
	st = test_stats(p);
	EXPECT_EQ(1, st.reclaimed[JITSEAL_CODE]);
	EXPECT_EQ(1, st.pages);
	EXPECT_EQ(0, st.kept_pages);
	EXPECT_EQ(0, st.reclaim_refusals);
	EXPECT_EQ((uint64_t)n, st.frees);
	if (is_kmod(p)) {
		ASSERT_EQ(0, kernel_info(p, &info));
		EXPECT_EQ(1, info.retired_pages);
		EXPECT_EQ(1, info.retires);
		EXPECT_EQ(1, info.pages);
	}
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/*
 * The page of the bump pointer is kept while allocations may land in it,
 * and a page held only by an alignment gap goes with its allocation.
 */
TEST(bump_page_and_gap)
{
	struct jitseal_pool *p = small_pool(0);
	struct jitseal_pool_stats st;
	void *a, *b;

	ASSERT_NE(NULL, p);
	a = fn_ret(p, 256, 16, 1);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, jitseal_free(p, a));
	st = test_stats(p);
	EXPECT_EQ(0, st.reclaimed[JITSEAL_CODE]);	/* bump page */
	EXPECT_EQ(1, st.pages);
	b = fn_ret(p, PG, PG, 2);	/* page 1; its gap fills page 0 */
	ASSERT_NE(NULL, b);
	EXPECT_EQ(2, test_stats(p).pages);
	ASSERT_EQ(0, jitseal_free(p, b));
	st = test_stats(p);
	EXPECT_EQ(2, st.reclaimed[JITSEAL_CODE]);
	EXPECT_EQ(0, st.pages);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* Rodata and data pages are reclaimed too; data comes back zeroed. */
TEST(rodata_and_data)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem r1, r2, d1, d2;
	struct jitseal_pool_stats st;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, PG, PG, JITSEAL_RODATA, &r1));
	memset(r1.stage, 0x5a, PG);
	ASSERT_EQ(0, jitseal_alloc(p, 8, 8, JITSEAL_RODATA, &r2));
	ASSERT_EQ(0, jitseal_alloc(p, PG, PG, JITSEAL_DATA, &d1));
	memset(d1.addr, 0x5a, PG);
	ASSERT_EQ(0, jitseal_alloc(p, 8, 8, JITSEAL_DATA, &d2));
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(0x5a, *(volatile uint8_t *)r1.addr);
	ASSERT_EQ(0, jitseal_free(p, r1.addr));
	ASSERT_EQ(0, jitseal_free(p, d1.addr));
	st = test_stats(p);
	EXPECT_EQ(1, st.reclaimed[JITSEAL_RODATA]);
	EXPECT_EQ(1, st.reclaimed[JITSEAL_DATA]);
	EXPECT_EQ(1, read_faults(r1.addr));
	EXPECT_EQ(0, *(volatile uint8_t *)d1.addr);	/* MADV_DONTNEED */
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* JITSEAL_POOL_NO_RETIRE: freed, counted, but every page stays as it was. */
TEST(no_retire_keeps_pages)
{
	struct jitseal_pool *p = small_pool(JITSEAL_POOL_NO_RETIRE);
	struct jitseal_pool_info info;
	struct jitseal_pool_stats st;
	struct jitseal_mem m;
	void *a;

	ASSERT_NE(NULL, p);
	a = fn_ret(p, PG, 16, 1);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, fn_ret(p, 16, 16, 2));
	ASSERT_EQ(0, jitseal_free(p, a));
	EXPECT_EQ(-EINVAL, jitseal_free(p, a));
	st = test_stats(p);
	EXPECT_EQ(1, st.frees);
	EXPECT_EQ(0, st.reclaimed[JITSEAL_CODE]);
	EXPECT_EQ(1, st.kept_pages);
	EXPECT_EQ(1, st.reclaim_refusals);
	EXPECT_EQ(2, st.pages);
	EXPECT_EQ(1, ((fn_v)a)());	/* the bytes never changed */
	/* the kept page is never reused */
	EXPECT_EQ(-ENOSPC, jitseal_alloc(p, PG, 16, JITSEAL_CODE, &m));
	if (is_kmod(p)) {
		ASSERT_EQ(0, kernel_info(p, &info));
		EXPECT_EQ(0, info.retired_pages);
		EXPECT_EQ(2, info.pages);
		EXPECT_TRUE(info.flags & JITSEAL_INFO_NO_RETIRE);
	}
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

static int vma_count(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int c, n = 0;

	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* Resident pages of [@addr, @addr + @len) (host backends: real memory). */
static size_t resident(const void *addr, size_t len)
{
	size_t n = len / PG, i, r = 0;
	unsigned char *v = calloc(n, 1);

	if (!v || mincore((void *)addr, len, v)) {
		free(v);
		return SIZE_MAX;
	}
	for (i = 0; i < n; i++)
		r += v[i] & 1;
	free(v);
	return r;
}

#define CYCLES	100000	/* JITSEAL_FREE_CYCLES changes it (at least 3 * LIVE) */
#define LIVE	1000
#define FN_SIZE	256

/*
 * 100,000 alloc/finalize/free cycles, 1,000 functions of 256 bytes live:
 * pages held (and, on the host, resident) stay within 1.1 times the live
 * bytes in pages, plus the page of the bump pointer; VMAs stay constant.
 */
/* 100,000 cycles take minutes on a debug kernel under emulation. */
FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

TEST_F_TIMEOUT(slow, bounded_working_set, 600)
{
	const size_t live_pages = (LIVE * FN_SIZE + PG - 1) / PG;
	const size_t bound = live_pages + live_pages / 10 + 1;
	const char *env = getenv("JITSEAL_FREE_CYCLES");
	int cycles = env && atoi(env) >= 3 * LIVE ? atoi(env) : CYCLES;
	struct jitseal_pool *p = test_pool();
	size_t max_pages = 0, max_res = 0, res;
	int vma0 = 0, vma_max = 0, i, n, bad = 0;
	struct jitseal_pool_stats st;
	void **ring = calloc(LIVE, sizeof(*ring));
	char *code0 = NULL;
	bool host;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, ring);
	host = !is_kmod(p);
	for (i = 0; i < cycles; i++) {
		void **slot = &ring[i % LIVE];
		void *f;

		if (*slot) {
			if (((fn_v)*slot)() != i - LIVE)
				bad++;
			ASSERT_EQ(0, jitseal_free(p, *slot));
		}
		f = fn_ret(p, FN_SIZE, 16, (uint32_t)i);
		ASSERT_NE(NULL, f) TH_LOG("cycle %d", i);
		*slot = f;
		if (!code0)
			code0 = f;
		if (i % 1000 != 999 || i < 2 * LIVE)
			continue;
		st = test_stats(p);
		if (st.pages > max_pages)
			max_pages = st.pages;
		n = vma_count();
		if (!vma0)
			vma0 = n;
		if (n > vma_max)
			vma_max = n;
		res = host ? resident(code0, st.reserved[JITSEAL_CODE]) : 0;
		if (res > max_res)
			max_res = res;
	}
	st = test_stats(p);
	TH_LOG("%s: %d cycles, %zu pages at most (bound %zu), %zu resident, VMAs %d..%d, %u regions, %llu reclaimed",
	       test_backend(p), cycles, max_pages, bound, max_res, vma0, vma_max,
	       st.regions, (unsigned long long)st.reclaimed[JITSEAL_CODE]);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(1, st.regions);
	EXPECT_LE(max_pages, bound);
	if (host) {
		EXPECT_LE(max_res, bound);
	}
	/* mprotect: one VMA per rebuilt page group at most */
	EXPECT_LE(vma_max, vma0 + (host && jitseal_pool_backend(p) ==
				   JITSEAL_BACKEND_MPROTECT ? (int)bound : 4));
	EXPECT_EQ(0, st.kept_pages);
	free(ring);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
