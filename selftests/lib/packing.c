// SPDX-License-Identifier: GPL-2.0
/* No page tail is wasted: later finalizes append into sealed pages. */
#include <pthread.h>

#include "jstest.h"

TEST(append_into_sealed_page)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem m[100];
	struct jitseal_pool_stats st;
	size_t total = 0;
	int i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, jitseal_alloc(p, 100, INSN_ALIGN, JITSEAL_CODE, &m[i]));
		if (i)
			EXPECT_EQ((char *)m[i - 1].addr + 100, (char *)m[i].addr);
		nop_fill(m[i].stage, 100 - RET_LEN);
		emit_ret_imm((uint8_t *)m[i].stage + 100 - RET_LEN, (uint32_t)i);
		ASSERT_EQ(0, jitseal_finalize(p, NULL));
		total += 100;
	}
	for (i = 0; i < 100; i++)
		EXPECT_EQ(i, ((fn_v)m[i].addr)());
	st = test_stats(p);
	EXPECT_EQ(total, st.sealed[JITSEAL_CODE]);
	EXPECT_EQ(total, st.used[JITSEAL_CODE]);
	/* 10000 bytes in ceil(10000 / page) pages: no tail wasted */
	EXPECT_EQ((total + page_size() - 1) / page_size(), st.pages);
	EXPECT_EQ(100, st.finalizes);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(rodata_packs_too)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem m;
	int i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < 64; i++) {
		ASSERT_EQ(0, jitseal_alloc(p, 100, 1, JITSEAL_RODATA, &m));
		memset(m.stage, i, 100);
		ASSERT_EQ(0, jitseal_finalize(p, NULL));
		EXPECT_EQ(i, ((uint8_t *)m.addr)[99]);
	}
	EXPECT_EQ((6400 + page_size() - 1) / page_size(), test_stats(p).pages);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/*
 * Eight batches on one shared pool: their claims interleave, and a
 * claim another one replaced leaves its rest behind, which a later claim
 * of any batch takes.  The pages that end up installed stay within what
 * byte-granular packing allows: the bytes used, plus a partial page per
 * section of each region, plus one per batch and section for the rest
 * of the last claim each batch had (nothing allocates after it).
 * (Once, every replaced claim's rest was a hole for good.)
 */
#define PACK_BATCHES	8
#define PACK_FNS	3000

/* Function @i of a batch: code, a quarter of it rodata every 4th. */
static int pack_one(struct jitseal_batch *b, unsigned int *x, int i)
{
	struct jitseal_mem m;
	size_t size;
	int err;

	*x = *x * 1103515245 + 12345;
	size = 16 + (*x >> 8) % 2000;
	err = jitseal_batch_alloc(b, size, 16, JITSEAL_CODE, &m);
	if (err)
		return err;
	ret_fill(m.stage, size);
	if (i % 4 == 0) {
		err = jitseal_batch_alloc(b, size / 4 + 8, 8, JITSEAL_RODATA,
					  &m);
		if (err)
			return err;
		memset(m.stage, 0, size / 4 + 8);
	}
	return i % 10 == 9 ? jitseal_batch_finalize(b, NULL) : 0;
}

static void expect_packed(struct __test_metadata *_metadata,
			  struct jitseal_pool *p)
{
	struct jitseal_pool_stats st = test_stats(p);
	uint64_t bound = (st.used[JITSEAL_CODE] + st.used[JITSEAL_RODATA]) /
			 page_size() + 2 * st.regions + 2 * PACK_BATCHES;

	TH_LOG("pages %llu, bound %llu (used %llu + %llu, %u regions)",
	       (unsigned long long)st.pages, (unsigned long long)bound,
	       (unsigned long long)st.used[JITSEAL_CODE],
	       (unsigned long long)st.used[JITSEAL_RODATA], st.regions);
	EXPECT_GE(bound, st.pages);
	EXPECT_EQ(st.used[JITSEAL_CODE], st.sealed[JITSEAL_CODE]);
	EXPECT_EQ(st.used[JITSEAL_RODATA], st.sealed[JITSEAL_RODATA]);
}

/* One thread, the batches in turn: every claim is replaced, never grown. */
TEST(batches_in_turn_pack_pages)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_batch *b[PACK_BATCHES];
	unsigned int x[PACK_BATCHES];
	int i, j;

	ASSERT_NE(NULL, p);
	for (j = 0; j < PACK_BATCHES; j++) {
		b[j] = jitseal_batch_create(p);
		ASSERT_NE(NULL, b[j]);
		x[j] = 77 + j;
	}
	for (i = 0; i < PACK_FNS; i++)
		for (j = 0; j < PACK_BATCHES; j++)
			ASSERT_EQ(0, pack_one(b[j], &x[j], i));
	for (j = 0; j < PACK_BATCHES; j++) {
		ASSERT_EQ(0, jitseal_batch_finalize(b[j], NULL));
		ASSERT_EQ(0, jitseal_batch_destroy(b[j]));
	}
	expect_packed(_metadata, p);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

struct pack_arg {
	struct jitseal_pool *pool;
	unsigned int seed;
	int err;
};

static void *pack_worker(void *arg)
{
	struct pack_arg *a = arg;
	struct jitseal_batch *b = jitseal_batch_create(a->pool);
	int i;

	if (!b) {
		a->err = -errno;
		return NULL;
	}
	for (i = 0; i < PACK_FNS && !a->err; i++)
		a->err = pack_one(b, &a->seed, i);
	if (!a->err)
		a->err = jitseal_batch_finalize(b, NULL);
	if (!a->err)
		a->err = jitseal_batch_destroy(b);
	return NULL;
}

/* The same with eight threads, a batch each. */
TEST(threads_pack_pages)
{
	struct jitseal_pool *p = test_pool();
	struct pack_arg arg[PACK_BATCHES];
	pthread_t t[PACK_BATCHES];
	int i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < PACK_BATCHES; i++) {
		arg[i] = (struct pack_arg){ .pool = p, .seed = 77 + i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, pack_worker, &arg[i]));
	}
	for (i = 0; i < PACK_BATCHES; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		ASSERT_EQ(0, arg[i].err);
	}
	expect_packed(_metadata, p);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
