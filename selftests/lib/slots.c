// SPDX-License-Identifier: GPL-2.0
/*
 * Sealed slots through the library: jitseal_slot_alloc(), declarations in
 * the finalize options, jitseal_slots_set().  The same calls on every
 * backend; only kmod checks targets and keeps slots out of any writable
 * mapping (the host backends are documented as not protected).  The
 * machine code comes from selftests/include/jsarch.h.
 */
#include "jstest.h"

enum op {
	OP_RET,		/* return imm */
	OP_JMP_SLOT,	/* jump to what the 8 bytes at @to hold */
};

/* Every instruction of this test: @op at @p, whose final address is @at. */
static size_t emit(uint8_t *p, const uint8_t *at, enum op op, uint64_t imm,
		   const void *to)
{
	if (op == OP_RET)
		return js_arch_emit_ret(p, (uint32_t)imm);
	return js_arch_emit_jmp_slot_rel(p, at, to);
}

#define NSLOTS	10	/* beyond the library's and the module's small arrays */

FIXTURE(slots) {
	struct jitseal_pool *p;
	struct jitseal_mem a, b, t[NSLOTS], s[NSLOTS];
	bool kmod;
};

/* A returns 1, B 2; trampoline i jumps through slot i, which starts at A. */
FIXTURE_SETUP(slots)
{
	const void *entries[2];
	struct jitseal_slot_decl decl[NSLOTS];
	unsigned int i;

	self->p = test_pool();
	ASSERT_NE(NULL, self->p);
	self->kmod = jitseal_pool_backend(self->p) == JITSEAL_BACKEND_KMOD;
	ASSERT_EQ(0, jitseal_alloc(self->p, 16, 16, JITSEAL_CODE, &self->a));
	emit(self->a.stage, self->a.addr, OP_RET, 1, NULL);
	ASSERT_EQ(0, jitseal_alloc(self->p, 16, 16, JITSEAL_CODE, &self->b));
	emit(self->b.stage, self->b.addr, OP_RET, 2, NULL);
	for (i = 0; i < NSLOTS; i++) {
		ASSERT_EQ(0, jitseal_slot_alloc(self->p, self->a.addr,
						&self->s[i]));
		ASSERT_EQ(0, jitseal_alloc(self->p, JS_ARCH_JMP_SLOT_REL_LEN, 8,
					   JITSEAL_CODE, &self->t[i]));
		emit(self->t[i].stage, self->t[i].addr, OP_JMP_SLOT, 0,
		     self->s[i].addr);
		decl[i] = (struct jitseal_slot_decl){ .slot = self->s[i].addr };
	}
	entries[0] = self->a.addr;
	entries[1] = self->b.addr;
	{
		JITSEAL_OPTS(jitseal_finalize_opts, o, .entries = entries,
			     .nr_entries = 2, .slots = decl,
			     .nr_slots = NSLOTS);

		ASSERT_EQ(0, jitseal_finalize(self->p, &o));
	}
}

FIXTURE_TEARDOWN(slots)
{
	if (self->p)
		jitseal_pool_destroy(self->p);
}

static int call_t(FIXTURE_DATA(slots) *self, unsigned int i)
{
	return ((fn_v)self->t[i].addr)();
}

TEST_F(slots, call_through_slot_follows_set)
{
	struct jitseal_slot_set set = { self->s[0].addr, self->b.addr };

	EXPECT_EQ(1, call_t(self, 0));
	EXPECT_EQ((uintptr_t)self->a.addr, *(uint64_t *)self->s[0].addr);
	ASSERT_EQ(0, jitseal_slots_set(self->p, &set, 1));
	EXPECT_EQ(2, call_t(self, 0));
	EXPECT_EQ(1, call_t(self, 1));
}

TEST_F(slots, batch_sets_every_slot)
{
	struct jitseal_slot_set set[NSLOTS];
	unsigned int i;

	for (i = 0; i < NSLOTS; i++)
		set[i] = (struct jitseal_slot_set){ self->s[i].addr,
						    self->b.addr };
	ASSERT_EQ(0, jitseal_slots_set(self->p, set, NSLOTS));
	for (i = 0; i < NSLOTS; i++)
		EXPECT_EQ(2, call_t(self, i));
	EXPECT_EQ(0, jitseal_slots_set(self->p, set, 0));
}

TEST_F(slots, not_a_slot_refused)
{
	struct jitseal_slot_set set = { (char *)self->s[0].addr + 4,
					self->b.addr };
	struct jitseal_mem d;

	EXPECT_EQ(-ENOENT, jitseal_slots_set(self->p, &set, 1));
	ASSERT_EQ(0, jitseal_alloc(self->p, 8, 8, JITSEAL_DATA, &d));
	set.slot = d.addr;
	EXPECT_EQ(-ENOENT, jitseal_slots_set(self->p, &set, 1));
	set.slot = self->a.addr;
	EXPECT_EQ(-ENOENT, jitseal_slots_set(self->p, &set, 1));
	EXPECT_EQ(-EINVAL, jitseal_slots_set(self->p, NULL, 1));
	EXPECT_EQ(1, call_t(self, 0));
}

/* Only the module checks targets: the host backends are not protected. */
TEST_F(slots, kmod_refuses_bad_targets_and_stores)
{
	struct jitseal_slot_set set[2] = {
		{ self->s[0].addr, self->b.addr },
		{ self->s[1].addr, (char *)self->a.addr + 1 },
	};

	if (!self->kmod)
		SKIP(return, "%s backend: slots are not protected",
		     test_backend(self->p));
	EXPECT_EQ(-EADDRNOTAVAIL, jitseal_slots_set(self->p, set, 2));
	/* All or nothing: slot 0 kept its target too. */
	EXPECT_EQ(1, call_t(self, 0));
	set[1].target = &set;		/* the stack */
	EXPECT_EQ(-EADDRNOTAVAIL, jitseal_slots_set(self->p, set, 2));
	EXPECT_EQ(-1, mprotect((void *)((uintptr_t)self->s[0].addr &
					~(page_size() - 1)),
			       page_size(), PROT_READ | PROT_WRITE));
	EXPECT_EQ(1, call_t(self, 0));
}

TEST(declarations_must_lie_in_the_finalize)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem c, s, d;
	struct jitseal_slot_decl decl;
	const void *entry;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, 16, 16, JITSEAL_CODE, &c));
	emit(c.stage, c.addr, OP_RET, 5, NULL);
	ASSERT_EQ(0, jitseal_slot_alloc(p, NULL, &s));
	ASSERT_EQ(0, jitseal_alloc(p, 8, 8, JITSEAL_DATA, &d));

	/* An entry point in data, a misaligned slot, a slot in code. */
	entry = d.addr;
	{
		JITSEAL_OPTS(jitseal_finalize_opts, o, .entries = &entry,
			     .nr_entries = 1);

		EXPECT_EQ(-EINVAL, jitseal_finalize(p, &o));
	}
	decl = (struct jitseal_slot_decl){ .slot = (char *)s.addr + 1 };
	{
		JITSEAL_OPTS(jitseal_finalize_opts, o, .slots = &decl,
			     .nr_slots = 1);

		EXPECT_EQ(-EINVAL, jitseal_finalize(p, &o));
		decl.slot = c.addr;
		EXPECT_EQ(-EINVAL, jitseal_finalize(p, &o));
		decl.slot = s.addr;
		decl.flags = 2;
		EXPECT_EQ(-EINVAL, jitseal_finalize(p, &o));
		o.nr_slots = 1;
		o.slots = NULL;
		EXPECT_EQ(-EINVAL, jitseal_finalize(p, &o));
	}
	/* Nothing was installed: the same allocations finalize now. */
	entry = c.addr;
	decl.flags = JITSEAL_SLOTDECL_EXTERNAL;
	{
		JITSEAL_OPTS(jitseal_finalize_opts, o, .entries = &entry,
			     .nr_entries = 1, .slots = &decl, .nr_slots = 1);

		ASSERT_EQ(0, jitseal_finalize(p, &o));
		EXPECT_EQ(5, ((fn_v)c.addr)());
		EXPECT_EQ(0, *(uint64_t *)s.addr);
		/* Declarations with nothing pending to hold them. */
		EXPECT_EQ(-EINVAL, jitseal_finalize(p, &o));
	}
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
