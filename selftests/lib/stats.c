// SPDX-License-Identifier: GPL-2.0
/* Introspection: backend, statistics, module information. */
#include "jstest.h"

TEST(counters)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_pool_stats st;
	struct jitseal_mem m;
	int be;

	ASSERT_NE(NULL, p);
	be = jitseal_pool_backend(p);
	EXPECT_LE(JITSEAL_BACKEND_KMOD, be);
	EXPECT_GE(JITSEAL_BACKEND_MPROTECT, be);
	ASSERT_EQ(0, jitseal_alloc(p, 10, 1, JITSEAL_CODE, &m));
	ret_fill(m.stage, 10);
	ASSERT_EQ(0, jitseal_alloc(p, 20, 1, JITSEAL_RODATA, &m));
	ASSERT_EQ(0, jitseal_alloc(p, 30, 1, JITSEAL_DATA, &m));
	st = test_stats(p);
	EXPECT_EQ(be, (int)st.backend);
	EXPECT_EQ(3, st.allocs);
	EXPECT_EQ(30, st.pending);
	EXPECT_EQ(10, st.used[JITSEAL_CODE]);
	EXPECT_EQ(20, st.used[JITSEAL_RODATA]);
	EXPECT_EQ(30, st.used[JITSEAL_DATA]);
	EXPECT_EQ(0, st.sealed[JITSEAL_CODE]);
	EXPECT_EQ(30, st.sealed[JITSEAL_DATA]);
	EXPECT_EQ(0, st.pages);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	st = test_stats(p);
	EXPECT_EQ(0, st.pending);
	EXPECT_EQ(10, st.sealed[JITSEAL_CODE]);
	EXPECT_EQ(20, st.sealed[JITSEAL_RODATA]);
	EXPECT_EQ(2, st.pages);
	EXPECT_EQ(1, st.finalizes);
	/* kmod: one LOAD; mprotect: one install; memfd: no syscall */
	EXPECT_EQ(be == JITSEAL_BACKEND_MEMFD ? 0 : 1, st.loads);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* An older, smaller stats struct gets only what it has room for. */
TEST(stats_sizes)
{
	struct jitseal_pool *p = test_pool();
	struct {
		struct jitseal_pool_stats st;
		uint64_t future;
	} big;
	struct jitseal_pool_stats small;

	ASSERT_NE(NULL, p);
	memset(&small, 0xff, sizeof(small));
	small.sz = offsetof(struct jitseal_pool_stats, regions);
	ASSERT_EQ(0, jitseal_pool_stats(p, &small));
	EXPECT_EQ(jitseal_pool_backend(p), (int)small.backend);
	EXPECT_EQ(UINT_MAX, small.regions);	/* untouched */
	memset(&big, 0xff, sizeof(big));
	big.st.sz = sizeof(big);
	ASSERT_EQ(0, jitseal_pool_stats(p, &big.st));
	EXPECT_EQ(1, big.st.regions);
	EXPECT_EQ(0, big.future);		/* zeroed */
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/*
 * used, sealed and pages come back to where they started once every
 * allocation is freed or discarded, alignment gaps included: a lead
 * counts wherever its allocation does (once, sealed kept 12 gap bytes
 * after the last free, and a discard kept a 64 KiB alignment in used).
 * The only pages left are the ones the pool's set is bumping through
 * (one per kind, its claims'), and they go when the set lets go of its
 * claims (a discard).
 */
static void expect_empty(struct __test_metadata *_metadata,
			 struct jitseal_pool *p, const char *when,
			 uint64_t max_pages)
{
	struct jitseal_pool_stats st = test_stats(p);
	unsigned int k;

	TH_LOG("%s: pages %llu pending %llu", when,
	       (unsigned long long)st.pages, (unsigned long long)st.pending);
	for (k = 0; k < JITSEAL_KIND_MAX; k++) {
		EXPECT_EQ(0, st.used[k]);
		EXPECT_EQ(0, st.sealed[k]);
	}
	EXPECT_EQ(0, st.pending);
	EXPECT_GE(max_pages, st.pages);
}

TEST(back_to_zero)
{
	static const size_t align[] = { 1, 16, 64, 4096, 65536, 8 };
	struct jitseal_pool *p = test_pool();
	struct jitseal_batch *b = jitseal_batch_create(p);
	struct jitseal_mem m[12];
	unsigned int i, round;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, b);
	expect_empty(_metadata, p, "new", 0);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 12; i++) {
			ASSERT_EQ(0, jitseal_alloc(p, 10 + i, align[i % 6],
						   i & 1 ? JITSEAL_RODATA :
						   JITSEAL_CODE, &m[i]));
			ret_fill(m[i].stage, 10 + i);
		}
		ASSERT_EQ(0, jitseal_finalize(p, NULL));
		for (i = 0; i < 12; i++)
			ASSERT_EQ(0, jitseal_free(p, m[i].addr));
		expect_empty(_metadata, p, "freed", 2);
		ASSERT_EQ(0, jitseal_discard(p));
		expect_empty(_metadata, p, "freed, claims dropped", 0);
	}
	/* discarded, from the pool's set and from a batch */
	ASSERT_EQ(0, jitseal_alloc(p, 10, 1, JITSEAL_CODE, &m[0]));
	ASSERT_EQ(0, jitseal_alloc(p, 10, 65536, JITSEAL_CODE, &m[1]));
	ASSERT_EQ(0, jitseal_alloc(p, 10, 4096, JITSEAL_RODATA, &m[2]));
	ASSERT_EQ(0, jitseal_discard(p));
	expect_empty(_metadata, p, "discarded", 0);
	ASSERT_EQ(0, jitseal_batch_alloc(b, 10, 65536, JITSEAL_CODE, &m[0]));
	ASSERT_EQ(0, jitseal_batch_alloc(b, 10, 64, JITSEAL_CODE, &m[1]));
	ASSERT_EQ(0, jitseal_batch_discard(b));
	expect_empty(_metadata, p, "batch discarded", 0);
	/* a discard behind another set's claim: its bytes are holes */
	ASSERT_EQ(0, jitseal_batch_alloc(b, 100, 4096, JITSEAL_CODE, &m[0]));
	ASSERT_EQ(0, jitseal_alloc(p, 10, 16, JITSEAL_CODE, &m[1]));
	ret_fill(m[1].stage, 10);
	ASSERT_EQ(0, jitseal_batch_discard(b));
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	ASSERT_EQ(0, jitseal_free(p, m[1].addr));
	ASSERT_EQ(0, jitseal_batch_destroy(b));
	ASSERT_EQ(0, jitseal_discard(p));
	expect_empty(_metadata, p, "both gone", 0);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/*
 * Four batches in random turns allocate (random sizes, alignments up to
 * 4 KiB, all kinds, some shrunk), finalize, discard and free; once every
 * allocation is freed and every set has let go of its claims, used,
 * sealed, pending and pages are 0 again.
 */
#define CHURN_SETS	4
#define CHURN_MAX	64

struct churn {
	struct jitseal_pool *p;
	struct jitseal_batch *b[CHURN_SETS];
	struct jitseal_mem pend[CHURN_SETS][CHURN_MAX];
	int kind[CHURN_SETS][CHURN_MAX];
	int np[CHURN_SETS];
	void **live;
	int nl;
	unsigned int x;
};

static unsigned int churn_rand(struct churn *c)
{
	c->x = c->x * 1103515245 + 12345;
	return c->x >> 8;
}

static int churn_alloc(struct churn *c, int t)
{
	size_t size = 1 + churn_rand(c) % 3000;
	size_t align = (size_t)1 << churn_rand(c) % 13;
	int kind = churn_rand(c) % 3, err;
	struct jitseal_mem m;

	err = jitseal_batch_alloc(c->b[t], size, align, kind, &m);
	if (err)
		return err;
	if (kind == JITSEAL_CODE)
		ret_fill(m.stage, size);
	else
		memset(m.stage, 0, size);
	if (churn_rand(c) % 4 == 0 && size > 1)
		err = jitseal_batch_shrink(c->b[t], &m, size / 2);
	c->kind[t][c->np[t]] = kind;
	c->pend[t][c->np[t]++] = m;
	return err;
}

/* Finalized (or, for data, discarded): live, freed later. */
static void churn_settle(struct churn *c, int t, bool data_only)
{
	int i;

	for (i = 0; i < c->np[t]; i++)
		if (!data_only || c->kind[t][i] == JITSEAL_DATA)
			c->live[c->nl++] = c->pend[t][i].addr;
	c->np[t] = 0;
}

TEST(churn_back_to_zero)
{
	struct churn c = { .p = test_pool_flags(256 << 10, 64 << 10,
						64 << 10, 0), .x = 5 };
	int i, t, op;

	ASSERT_NE(NULL, c.p);
	c.live = calloc(20000, sizeof(*c.live));
	ASSERT_NE(NULL, c.live);
	for (t = 0; t < CHURN_SETS; t++) {
		c.b[t] = jitseal_batch_create(c.p);
		ASSERT_NE(NULL, c.b[t]);
	}
	for (i = 0; i < 5000; i++) {
		t = churn_rand(&c) % CHURN_SETS;
		op = churn_rand(&c) % 16;
		if (op < 9 && c.np[t] < CHURN_MAX) {
			ASSERT_EQ(0, churn_alloc(&c, t));
		} else if (op < 12) {
			ASSERT_EQ(0, jitseal_batch_finalize(c.b[t], NULL));
			churn_settle(&c, t, false);
		} else if (op < 13) {
			ASSERT_EQ(0, jitseal_batch_discard(c.b[t]));
			churn_settle(&c, t, true);
		} else if (c.nl) {
			int k = churn_rand(&c) % c.nl;

			ASSERT_EQ(0, jitseal_free(c.p, c.live[k]));
			c.live[k] = c.live[--c.nl];
		}
	}
	for (t = 0; t < CHURN_SETS; t++) {
		ASSERT_EQ(0, jitseal_batch_finalize(c.b[t], NULL));
		churn_settle(&c, t, false);
	}
	for (i = 0; i < c.nl; i++)
		ASSERT_EQ(0, jitseal_free(c.p, c.live[i]));
	for (t = 0; t < CHURN_SETS; t++)
		ASSERT_EQ(0, jitseal_batch_destroy(c.b[t]));
	ASSERT_EQ(0, jitseal_discard(c.p));
	expect_empty(_metadata, c.p, "churned", 0);
	free(c.live);
	EXPECT_EQ(0, jitseal_pool_destroy(c.p));
}

TEST(module_info)
{
	struct jitseal_module_info mi = { .sz = sizeof(mi) };
	int err = jitseal_module_info(&mi);

	if (access("/dev/jitseal", F_OK)) {
		EXPECT_EQ(-ENODEV, err);
		return;
	}
	ASSERT_EQ(0, err);
	EXPECT_EQ(1, mi.api_version);
	EXPECT_NE(0, mi.features & 1);		/* JITSEAL_FEAT_LOAD */
	EXPECT_LE(1, mi.max_segments);
	EXPECT_EQ(page_size(), mi.page_size);
	EXPECT_LT(0, mi.max_load_bytes);
	TH_LOG("api %u features %#llx max_segments %u max_load %llu",
	       mi.api_version, (unsigned long long)mi.features,
	       mi.max_segments, (unsigned long long)mi.max_load_bytes);
}

TEST_HARNESS_MAIN
