// SPDX-License-Identifier: GPL-2.0
/* jitseal_finalize: protections, runs, digests, errors. */
#include "jstest.h"
#include "../../lib/sha256.c"

TEST(code_rx_rodata_r)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem c, r;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, AFFINE_LEN, 16, JITSEAL_CODE, &c));
	ASSERT_EQ(0, jitseal_alloc(p, 64, 8, JITSEAL_RODATA, &r));
	emit_affine(c.stage, 7, 1);
	memset(r.stage, 0x42, 64);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(15, ((fn_ii)c.addr)(2));
	EXPECT_EQ(0x42, ((uint8_t *)r.addr)[63]);
	EXPECT_EQ(1, write_faults(c.addr));
	EXPECT_EQ(1, write_faults(r.addr));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(rodata_not_executable)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem r;
	int status;
	pid_t pid;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, 16, JITSEAL_RODATA, &r));
	emit_ret_imm(r.stage, 1);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	pid = fork();
	if (pid == 0)
		_exit(((fn_v)r.addr)());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(empty_finalize)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_pool_stats st;
	struct jitseal_run runs[1];
	JITSEAL_OPTS(jitseal_finalize_opts, o, .runs = runs, .nr_runs = 1);

	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(0, jitseal_finalize(p, &o));
	EXPECT_EQ(0, o.nr_runs);
	st = test_stats(p);
	EXPECT_EQ(0, st.loads);
	EXPECT_EQ(0, st.finalizes);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(runs_and_digests)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_run runs[4];
	JITSEAL_OPTS(jitseal_finalize_opts, o, .flags = JITSEAL_FINALIZE_DIGEST,
		     .runs = runs, .nr_runs = 4);
	struct jitseal_mem c1, c2, r;
	unsigned char want[32];

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, INSN_ALIGN, JITSEAL_CODE, &c1));
	ASSERT_EQ(0, jitseal_alloc(p, 100, 8, JITSEAL_RODATA, &r));
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, INSN_ALIGN, JITSEAL_CODE, &c2));
	emit_ret_imm(c1.stage, 1);
	emit_ret_imm(c2.stage, 2);
	memset(r.stage, 'r', 100);
	ASSERT_EQ(0, jitseal_finalize(p, &o));
	/* the two code allocations are adjacent: one run */
	ASSERT_EQ(2, o.nr_runs);
	EXPECT_EQ(c1.addr, runs[0].addr);
	EXPECT_EQ(2 * RET_LEN, runs[0].len);
	EXPECT_EQ(JITSEAL_CODE, runs[0].kind);
	EXPECT_EQ(r.addr, runs[1].addr);
	EXPECT_EQ(100, runs[1].len);
	EXPECT_EQ(JITSEAL_RODATA, runs[1].kind);
	js_sha256(c1.addr, 2 * RET_LEN, want);
	EXPECT_EQ(0, memcmp(want, runs[0].digest, 32));
	js_sha256(r.addr, 100, want);
	EXPECT_EQ(0, memcmp(want, runs[1].digest, 32));
	/* a known answer: SHA-256("abc") */
	js_sha256("abc", 3, want);
	EXPECT_EQ(0xba, want[0]);
	EXPECT_EQ(0xad, want[31]);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* Too few runs: -ENOBUFS, the count needed, and nothing installed. */
TEST(runs_too_small)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_run runs[1];
	JITSEAL_OPTS(jitseal_finalize_opts, o, .runs = runs, .nr_runs = 1);
	struct jitseal_mem c, r;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, INSN_ALIGN, JITSEAL_CODE, &c));
	ASSERT_EQ(0, jitseal_alloc(p, 8, 8, JITSEAL_RODATA, &r));
	emit_ret_imm(c.stage, 9);
	EXPECT_EQ(-ENOBUFS, jitseal_finalize(p, &o));
	EXPECT_EQ(2, o.nr_runs);
	EXPECT_EQ(RET_LEN + 8, test_stats(p).pending);
	EXPECT_EQ(0, test_stats(p).sealed[JITSEAL_CODE]);
	/* retry works */
	EXPECT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(9, ((fn_v)c.addr)());
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(bad_opts)
{
	struct jitseal_pool *p = test_pool();
	JITSEAL_OPTS(jitseal_finalize_opts, o);
	struct {
		struct jitseal_finalize_opts o;
		uint32_t more;
	} big;

	ASSERT_NE(NULL, p);
	o.flags = 1U << 20;
	EXPECT_EQ(-EINVAL, jitseal_finalize(p, &o));
	o.flags = JITSEAL_FINALIZE_DIGEST;	/* digest without runs */
	EXPECT_EQ(-EINVAL, jitseal_finalize(p, &o));
	o.flags = 0;
	o.sz = 0;
	EXPECT_EQ(-EINVAL, jitseal_finalize(p, &o));
	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	EXPECT_EQ(0, jitseal_finalize(p, &big.o));
	big.more = 1;
	EXPECT_EQ(-EINVAL, jitseal_finalize(p, &big.o));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/*
 * A caller built with an older, shorter struct that ends right after
 * @runs: finalize must neither read nor write nr_runs.  The struct ends
 * where a PROT_NONE page starts, so any access to nr_runs faults.
 */
TEST(opts_end_before_nr_runs)
{
	const size_t sz = offsetof(struct jitseal_finalize_opts, nr_runs);
	const size_t ps = page_size();
	struct jitseal_pool *p = test_pool();
	struct jitseal_finalize_opts *o;
	struct jitseal_run runs[2];
	struct jitseal_mem c;
	char *page;

	ASSERT_NE(NULL, p);
	page = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, mprotect(page + ps, ps, PROT_NONE));
	o = (struct jitseal_finalize_opts *)(page + ps - sz);
	memset(o, 0, sz);
	o->sz = sz;
	o->runs = runs;

	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, INSN_ALIGN, JITSEAL_CODE, &c));
	emit_ret_imm(c.stage, 5);
	/* runs without a capacity: refused, nothing installed */
	EXPECT_EQ(-EINVAL, jitseal_finalize(p, o));
	EXPECT_EQ(RET_LEN, test_stats(p).pending);
	/* without runs the short struct is fine */
	o->runs = NULL;
	EXPECT_EQ(0, jitseal_finalize(p, o));
	EXPECT_EQ(5, ((fn_v)c.addr)());
	EXPECT_EQ(0, munmap(page, 2 * ps));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(sync_core)
{
	struct jitseal_pool *p = test_pool_flags(0, 0, 0, JITSEAL_POOL_SYNC_CORE);
	JITSEAL_OPTS(jitseal_finalize_opts, o, .flags = JITSEAL_FINALIZE_SYNC_CORE);
	fn_ii f;

	ASSERT_NE(NULL, p);
	f = stage_affine(p, 1, 1);
	ASSERT_EQ(0, jitseal_finalize(p, &o));
	EXPECT_EQ(2, f(1));
	f = stage_affine(p, 1, 2);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(3, f(1));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* Sealed bytes never change: later finalizes on the same page keep them. */
TEST(sealed_bytes_stable)
{
	struct jitseal_pool *p = test_pool();
	fn_ii f[200];
	int i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < 200; i++) {
		f[i] = stage_affine(p, i, -i);
		ASSERT_NE(NULL, f[i]);
		ASSERT_EQ(0, jitseal_finalize(p, NULL));
	}
	for (i = 0; i < 200; i++)
		EXPECT_EQ(i * 10 - i, f[i](10));
	EXPECT_EQ(200, test_stats(p).finalizes);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/*
 * The staging memory of a batch is reused by every finalize: a function
 * per finalize stages within the same few pages of one chunk (it starts
 * over at the chunk's start once it is 16 KiB in: no new pages to fault
 * in, no second copy of everything installed), aligned like its final
 * address within the page.
 */
TEST(staging_reused)
{
	struct jitseal_pool *p = test_pool_flags(1 << 20, 0, 0, 0);
	struct jitseal_batch *b;
	uintptr_t lo[2] = { UINTPTR_MAX, UINTPTR_MAX }, hi[2] = { 0, 0 };
	void *first[2] = { NULL, NULL };
	int i, k, again[2] = { 0, 0 };

	ASSERT_NE(NULL, p);
	b = jitseal_batch_create(p);
	ASSERT_NE(NULL, b);
	for (i = 0; i < 40; i++) {
		struct jitseal_mem m[2];

		ASSERT_EQ(0, jitseal_alloc(p, 8192, 4096, JITSEAL_CODE, &m[0]));
		ASSERT_EQ(0, jitseal_batch_alloc(b, 8192, 4096, JITSEAL_CODE, &m[1]));
		EXPECT_NE(m[0].stage, m[1].stage);
		for (k = 0; k < 2; k++) {
			uintptr_t st = (uintptr_t)m[k].stage;

			EXPECT_EQ(0, (st ^ (uintptr_t)m[k].addr) & 4095);
			trap_fill(m[k].stage, 8192);
			emit_ret_imm(m[k].stage, (uint32_t)(i + 100 * k));
			if (!first[k])
				first[k] = m[k].stage;
			else if (m[k].stage == first[k])
				again[k]++;
			lo[k] = st < lo[k] ? st : lo[k];
			hi[k] = st > hi[k] ? st : hi[k];
		}
		ASSERT_EQ(0, jitseal_finalize(p, NULL));
		EXPECT_EQ(i, ((fn_v)m[0].addr)());
		ASSERT_EQ(0, jitseal_batch_finalize(b, NULL));
		EXPECT_EQ(i + 100, ((fn_v)m[1].addr)());
	}
	for (k = 0; k < 2; k++) {
		EXPECT_LT(hi[k] - lo[k], 64 << 10);	/* 40 x 8 KiB were staged */
		EXPECT_LT(0, again[k]);
	}
	EXPECT_EQ(0, jitseal_batch_destroy(b));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* Staging that outgrows its first chunk keeps every pending byte. */
TEST(staging_grows)
{
	struct jitseal_pool *p = test_pool_flags(4 << 20, 0, 0, 0);
	struct jitseal_mem m[64];
	int i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < 64; i++) {
		ASSERT_EQ(0, jitseal_alloc(p, 40000, 16, JITSEAL_CODE, &m[i]));
		trap_fill(m[i].stage, 40000);
		emit_ret_imm(m[i].stage, (uint32_t)i);
	}
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	for (i = 0; i < 64; i++)
		EXPECT_EQ(i, ((fn_v)m[i].addr)());
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
