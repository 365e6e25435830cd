// SPDX-License-Identifier: GPL-2.0
/*
 * Units (JITSEAL_FINALIZE_UNIT, jitseal_free_unit()): everything some
 * finalizes installed goes back in one call, code, rodata and data;
 * other units' and plain allocations are never touched, even when an
 * allocation of the unit was freed on its own and its address reused;
 * bad units change nothing.
 */
#include "jstest.h"

#define PG	page_size()

/* Stage a function returning @v into @b (NULL: the pool's own set). */
static void *stage_ret(struct jitseal_pool *p, struct jitseal_batch *b,
		       size_t len, uint32_t v)
{
	struct jitseal_mem m;
	int err = b ? jitseal_batch_alloc(b, len, 16, JITSEAL_CODE, &m) :
		      jitseal_alloc(p, len, 16, JITSEAL_CODE, &m);

	if (err)
		return NULL;
	emit_ret_imm(m.stage, v);
	return m.addr;
}

/* Finalize @b (NULL: the pool's set) into unit *@unit. */
static int fin_unit(struct jitseal_pool *p, struct jitseal_batch *b,
		    uint64_t *unit)
{
	JITSEAL_OPTS(jitseal_finalize_opts, o, .flags = JITSEAL_FINALIZE_UNIT,
		     .unit = *unit);
	int err = b ? jitseal_batch_finalize(b, &o) : jitseal_finalize(p, &o);

	*unit = o.unit;
	return err;
}

static uint64_t frees(struct jitseal_pool *p)
{
	JITSEAL_OPTS(jitseal_pool_stats, st);

	return jitseal_pool_stats(p, &st) ? UINT64_MAX : st.frees;
}

TEST(unit_frees_code_rodata_and_data)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem ro, d;
	uint64_t unit = 0;
	void *f, *g;

	ASSERT_NE(NULL, p);
	f = stage_ret(p, NULL, 32, 1);
	g = stage_ret(p, NULL, 32, 2);
	ASSERT_EQ(0, jitseal_alloc(p, 64, 16, JITSEAL_RODATA, &ro));
	ASSERT_EQ(0, jitseal_alloc(p, 64, 16, JITSEAL_DATA, &d));
	ASSERT_EQ(0, fin_unit(p, NULL, &unit));
	ASSERT_NE(0, unit);
	EXPECT_EQ(1, ((fn_v)f)());
	EXPECT_EQ(2, ((fn_v)g)());
	ASSERT_EQ(0, jitseal_free_unit(p, unit));
	EXPECT_EQ(4, frees(p));
	/* all gone: neither freeable again nor the unit */
	EXPECT_EQ(-EINVAL, jitseal_free(p, f));
	EXPECT_EQ(-EINVAL, jitseal_free(p, ro.addr));
	EXPECT_EQ(-EINVAL, jitseal_free(p, d.addr));
	EXPECT_EQ(-EINVAL, jitseal_free_unit(p, unit));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(other_units_and_plain_allocations_untouched)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_batch *b;
	uint64_t u1 = 0, u2 = 0;
	void *a, *c, *plain;

	ASSERT_NE(NULL, p);
	b = jitseal_batch_create(p);
	ASSERT_NE(NULL, b);
	a = stage_ret(p, NULL, 32, 10);
	ASSERT_EQ(0, fin_unit(p, NULL, &u1));
	c = stage_ret(p, b, 32, 20);
	ASSERT_EQ(0, fin_unit(p, b, &u2));
	plain = stage_ret(p, NULL, 32, 30);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	ASSERT_NE(u1, u2);
	ASSERT_EQ(0, jitseal_free_unit(p, u1));
	EXPECT_EQ(1, frees(p));
	EXPECT_EQ(-EINVAL, jitseal_free(p, a));
	/* the other unit's and the plain code still run and still free */
	EXPECT_EQ(20, ((fn_v)c)());
	EXPECT_EQ(30, ((fn_v)plain)());
	EXPECT_EQ(0, jitseal_free(p, plain));
	EXPECT_EQ(0, jitseal_free_unit(p, u2));
	EXPECT_EQ(3, frees(p));
	EXPECT_EQ(0, jitseal_batch_destroy(b));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(finalizes_add_to_a_unit)
{
	struct jitseal_pool *p = test_pool();
	uint64_t unit = 0, first;
	void *f, *g;

	ASSERT_NE(NULL, p);
	f = stage_ret(p, NULL, 32, 1);
	ASSERT_EQ(0, fin_unit(p, NULL, &unit));
	first = unit;
	g = stage_ret(p, NULL, 32, 2);
	ASSERT_EQ(0, fin_unit(p, NULL, &unit));
	EXPECT_EQ(first, unit);
	EXPECT_EQ(2, ((fn_v)g)());
	ASSERT_EQ(0, jitseal_free_unit(p, unit));
	EXPECT_EQ(2, frees(p));
	EXPECT_EQ(-EINVAL, jitseal_free(p, f));
	EXPECT_EQ(-EINVAL, jitseal_free(p, g));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/*
 * A member freed on its own leaves the unit: when its page is reclaimed
 * and a later finalize reuses the address, freeing the old unit does not
 * take the new allocation.
 */
TEST(member_freed_alone_then_address_reused)
{
	struct jitseal_pool *p = test_pool_flags(2 * PG, PG, PG,
						 JITSEAL_POOL_NO_GROW);
	uint64_t u1 = 0, u2 = 0;
	void *whole, *other, *again;

	ASSERT_NE(NULL, p);
	whole = stage_ret(p, NULL, PG, 1);	/* a page of its own */
	other = stage_ret(p, NULL, 32, 2);
	ASSERT_NE(NULL, whole);
	ASSERT_NE(NULL, other);
	ASSERT_EQ(0, fin_unit(p, NULL, &u1));
	ASSERT_EQ(0, jitseal_free(p, whole));
	/* with two code pages and no growth, a page needs the freed one */
	again = stage_ret(p, NULL, PG, 3);
	ASSERT_NE(NULL, again);
	ASSERT_EQ(0, fin_unit(p, NULL, &u2));
	EXPECT_EQ(whole, again);
	ASSERT_EQ(0, jitseal_free_unit(p, u1));
	EXPECT_EQ(3, ((fn_v)again)());
	EXPECT_EQ(-EINVAL, jitseal_free(p, other));
	EXPECT_EQ(0, jitseal_free_unit(p, u2));
	EXPECT_EQ(-EINVAL, jitseal_free(p, again));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(bad_units_change_nothing)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_finalize_opts small;
	uint64_t unit = 0, none = 0;
	void *f;

	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, jitseal_free_unit(p, 0));		/* no unit: nothing */
	EXPECT_EQ(-EINVAL, jitseal_free_unit(p, 12345));
	EXPECT_EQ(jitseal_free(NULL, (void *)1), jitseal_free_unit(NULL, 1));
	f = stage_ret(p, NULL, 32, 7);
	/* a caller's struct without @unit cannot ask for one */
	memset(&small, 0, sizeof(small));
	small.sz = offsetof(struct jitseal_finalize_opts, unit);
	small.flags = JITSEAL_FINALIZE_UNIT;
	EXPECT_EQ(-EINVAL, jitseal_finalize(p, &small));
	/* adding to a unit that does not exist */
	unit = 999;
	EXPECT_EQ(-ENOENT, fin_unit(p, NULL, &unit));
	/* still pending, untouched: a plain finalize installs it */
	unit = 0;
	ASSERT_EQ(0, fin_unit(p, NULL, &unit));
	EXPECT_EQ(7, ((fn_v)f)());
	/* nothing pending: no unit */
	ASSERT_EQ(0, fin_unit(p, NULL, &none));
	EXPECT_EQ(0, none);
	EXPECT_EQ(0, frees(p));
	EXPECT_EQ(0, jitseal_free_unit(p, unit));
	EXPECT_EQ(-EINVAL, jitseal_free_unit(p, unit));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
