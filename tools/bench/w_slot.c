// SPDX-License-Identifier: GPL-2.0
/*
 * P12: retargeting one call after its code was installed, per update.
 *   slot-set updates=1     JITSEAL_IOC_SET_SLOTS of one sealed slot
 *   slot-set updates=100   one SET_SLOTS of 100 slots (cost / 100), all to
 *                          one target (a tier-up of one function's callers)
 *   slot-set updates=100 targets=100
 *                          the same, each slot to a target of its own
 *   mprotect-rel32         what a JIT patching call sites does today:
 *                          mprotect the code page RW, rewrite a 5-byte
 *                          call rel32, mprotect it RX again
 *   rw-store               an unprotected code pointer in RW memory: one
 *                          atomic 8-byte store
 * Each update flips between two targets, so every one writes new bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/jitseal.h>

#include "bench.h"

#define SLOT_N		1000	/* calls per repetition */
#define SLOT_BATCH	100
#define SLOT_FNS	(2 * SLOT_BATCH)
#define SLOT_PAGE	4096

/* A pool: SLOT_FNS functions (declared entry points), SLOT_BATCH slots. */
struct slot_pool {
	int fd;
	uint8_t *code;
	uint64_t target[SLOT_FNS];
};

static int slot_pool_open(struct slot_pool *sp)
{
	static uint8_t fns[SLOT_FNS][FN_MIN];
	static uint64_t init[SLOT_BATCH];
	static struct jitseal_segment seg[SLOT_FNS + 1];
	static struct jitseal_entry ent[SLOT_FNS];
	static struct jitseal_slot sl[SLOT_BATCH];
	struct jitseal_setup setup = { .size = sizeof(setup),
				       .code_bytes = SLOT_PAGE,
				       .rodata_bytes = SLOT_PAGE };
	struct jitseal_load ld = { .size = sizeof(ld) };
	struct fn f;
	unsigned int i;

	sp->fd = open(JITSEAL_DEVICE, O_RDWR | O_CLOEXEC);
	if (sp->fd < 0 || ioctl(sp->fd, JITSEAL_IOC_SETUP, &setup))
		return -errno;
	sp->code = mmap(NULL, SLOT_PAGE, PROT_READ | PROT_EXEC, MAP_SHARED,
			sp->fd, 0);
	if (sp->code == MAP_FAILED)
		return -errno;
	for (i = 0; i < SLOT_FNS; i++) {
		f = (struct fn){ .stage = fns[i], .addr = sp->code + FN_MIN * i,
				 .len = FN_MIN, .id = i + 1 };
		code_emit(&f);
		seg[i] = (struct jitseal_segment){ .src = (uintptr_t)fns[i],
			.offset = FN_MIN * i, .len = FN_MIN,
			.prot = JITSEAL_PROT_RX };
		ent[i] = (struct jitseal_entry){ .offset = FN_MIN * i };
		sp->target[i] = (uintptr_t)(sp->code + FN_MIN * i);
	}
	for (i = 0; i < SLOT_BATCH; i++) {
		init[i] = sp->target[0];
		sl[i] = (struct jitseal_slot){ .offset = SLOT_PAGE + 8 * i };
	}
	seg[SLOT_FNS] = (struct jitseal_segment){ .src = (uintptr_t)init,
		.offset = SLOT_PAGE, .len = sizeof(init),
		.prot = JITSEAL_PROT_R };
	ld.segments = (uintptr_t)seg;
	ld.nr_segments = SLOT_FNS + 1;
	ld.segment_size = sizeof(seg[0]);
	ld.entries = (uintptr_t)ent;
	ld.nr_entries = SLOT_FNS;
	ld.entry_size = sizeof(ent[0]);
	ld.slots = (uintptr_t)sl;
	ld.nr_slots = SLOT_BATCH;
	ld.slot_size = sizeof(sl[0]);
	return ioctl(sp->fd, JITSEAL_IOC_LOAD, &ld) ? -errno : 0;
}

static void slot_pool_close(struct slot_pool *sp)
{
	if (sp->code && sp->code != MAP_FAILED)
		munmap(sp->code, SLOT_PAGE);
	if (sp->fd >= 0)
		close(sp->fd);
}

/*
 * ns per slot update, @batch slots a call, to one target or (@spread)
 * each to its own; < 0 on an error.
 */
static double slot_set(unsigned int batch, bool spread)
{
	static struct jitseal_slot_update u[SLOT_BATCH];
	struct jitseal_set_slots a = { .size = sizeof(a),
				       .updates = (uintptr_t)u,
				       .nr_updates = batch,
				       .update_size = sizeof(u[0]) };
	struct slot_pool sp = { .fd = -1 };
	unsigned int i, j, n = batch > 1 ? SLOT_N / 10 : SLOT_N;
	uint64_t t0, t1;
	int err;

	err = slot_pool_open(&sp);
	for (j = 0; j < batch; j++)
		u[j].slot = SLOT_PAGE + 8 * j;
	settle();
	t0 = clock_ns(CLK_MONO);
	for (i = 0; i < n && !err; i++) {
		for (j = 0; j < batch; j++)
			u[j].target = sp.target[((i + 1) & 1) * SLOT_BATCH +
						(spread ? j : 0)];
		err = ioctl(sp.fd, JITSEAL_IOC_SET_SLOTS, &a);
	}
	t1 = clock_ns(CLK_MONO);
	slot_pool_close(&sp);
	return err ? -1 : (double)(t1 - t0) / ((double)n * batch);
}

/*
 * Patch a call site as JITs do without slots: the page goes writable, the
 * call's rel32 is rewritten, the page goes back to read+exec.
 */
static double mprotect_rel32(void)
{
	uint8_t *p = mmap(NULL, SLOT_PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t t0, t1;
	unsigned int i;
	int32_t rel;
	int err = 0;

	if (p == MAP_FAILED)
		return -1;
	p[0] = 0xe8;	/* call rel32, the only instruction byte here */
	settle();
	t0 = clock_ns(CLK_MONO);
	for (i = 0; i < SLOT_N && !err; i++) {
		rel = (int32_t)(64 * ((i + 1) & 1)) - 5;
		err = mprotect(p, SLOT_PAGE, PROT_READ | PROT_WRITE);
		memcpy(p + 1, &rel, 4);
		err |= mprotect(p, SLOT_PAGE, PROT_READ | PROT_EXEC);
	}
	t1 = clock_ns(CLK_MONO);
	munmap(p, SLOT_PAGE);
	return err ? -1 : (double)(t1 - t0) / SLOT_N;
}

static double rw_store(void)
{
	static uint64_t ptr;
	uint64_t t0, t1;
	unsigned int i;

	settle();
	t0 = clock_ns(CLK_MONO);
	for (i = 0; i < SLOT_N; i++)
		__atomic_store_n(&ptr, 0x1000 + 64 * ((i + 1) & 1),
				 __ATOMIC_RELEASE);
	t1 = clock_ns(CLK_MONO);
	return (double)(t1 - t0) / SLOT_N;
}

int p12_run(const struct bench_opts *o)
{
	static const struct {
		const char *method, *param;
		unsigned int batch;	/* 0: not a slot */
		bool spread;
		double (*fn)(void);
	} cases[] = {
		{ "slot-set", "updates=1", 1, false, NULL },
		{ "slot-set", "updates=100", SLOT_BATCH, false, NULL },
		{ "slot-set", "updates=100 targets=100", SLOT_BATCH, true, NULL },
		{ "mprotect-rel32", "updates=1", 0, false, mprotect_rel32 },
		{ "rw-store", "updates=1", 0, false, rw_store },
	};
	unsigned int i, r, reps = o->reps > 64 ? 64 : o->reps;
	bool have_module = method_selected(o, &method_ioctl);
	double v[64];
	int ret = 0;

#if !defined(__x86_64__)
	out_note("P12 skipped: its call rel32 patch is x86-64 code");
	return 0;
#endif
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].batch && !have_module)
			continue;
		for (r = 0; r < reps; r++) {
			v[r] = cases[i].batch ? slot_set(cases[i].batch,
							 cases[i].spread) :
						cases[i].fn();
			if (v[r] < 0)
				break;
		}
		if (r < reps) {
			out_note("P12 %s %s failed", cases[i].method,
				 cases[i].param);
			ret = -1;
			continue;
		}
		emit_stat(o, "P12", cases[i].method, cases[i].param,
			  "per_update", "ns", v, reps);
	}
	return ret;
}
