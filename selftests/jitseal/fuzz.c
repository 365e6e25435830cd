// SPDX-License-Identifier: GPL-2.0
/*
 * Structure-aware fuzzer of /dev/jitseal.
 *
 *   fuzz [--seed S] [--calls N] [--threads T]
 *
 * Each of T threads makes N / T calls chosen by its own generator (seeded
 * from S and the thread's number): every ioctl with a mostly-valid struct
 * whose size, flags, offsets, lengths and pointers are mutated (pointers
 * into a guard page, across its edge, into the pool's own read+exec
 * mapping, NULL, kernel addresses), open, close, mmap, munmap, mprotect,
 * and fork (the child makes a few calls of its own and exits with
 * everything open).  After each call it checks what is cheap to check:
 * the errno is one the ioctl documents (Documentation/userspace-api/
 * jitseal.rst), a pool mapping never becomes writable, a successful SETUP
 * or LOAD shows in INFO.  At the end, with every file closed and every
 * child reaped, the sysfs counters pools, sealed_bytes and pages are back
 * to their start.
 *
 * With --threads 1 a seed replays the same calls exactly; with more
 * threads each thread's calls replay, their interleaving does not.  A
 * failure prints the command line that replays it.  Prints TAP.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define SLOTS		4	/* files per thread */
#define MAPS		8	/* mappings per thread */
#define MAX_THREADS	16
#define STAGE_PAGES	2	/* then one guard page */
#define CHILD_CALLS	20
#define KERNEL_PTR	0xffff888000000000ULL

struct slot {
	int fd;			/* -1: free */
	bool map_only;
	bool ready;
	uint64_t code, rodata;
	uint64_t last;		/* offset of the last byte loaded */
	uint64_t next[2];	/* where a JIT would append: code, rodata */
	uint64_t slot_off;	/* the last slot declared (0: none) */
};

struct map {
	uint8_t *addr;		/* NULL: free */
	size_t len;
};

struct fuzzer {
	int id;
	uint64_t rng;
	uint64_t call;
	uint64_t calls;
	bool mutate;		/* this call's arguments may be mutated */
	bool cmd_mutated;	/* this call's ioctl number was */
	uint8_t *stage;		/* STAGE_PAGES read+write, then a guard page */
	uint8_t *guard;
	struct slot slot[SLOTS];
	struct map map[MAPS];
};

static uint64_t opt_seed = 1;
static uint64_t opt_calls = 20000;
static int opt_threads = 4;
static atomic_bool failed;
static struct fuzzer *fuzzers[MAX_THREADS];

static uint64_t next(struct fuzzer *f)
{
	return js_rand(&f->rng);
}

static uint64_t below(struct fuzzer *f, uint64_t n)
{
	return js_rand_below(&f->rng, n);
}

/* True with probability 1 / n. */
static bool one_in(struct fuzzer *f, uint64_t n)
{
	return below(f, n) == 0;
}

/* Mutate something: never on a clean call, else with probability 1 / n. */
static bool mut(struct fuzzer *f, uint64_t n)
{
	return f->mutate && one_in(f, n);
}

static void fail(struct fuzzer *f, const char *fmt, ...)
{
	va_list ap;

	if (atomic_exchange(&failed, true))
		return;
	printf("# thread %d call %" PRIu64 ": ", f->id, f->call);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n# replay: fuzz --seed %" PRIu64 " --calls %" PRIu64
	       " --threads %d\n", opt_seed, opt_calls, opt_threads);
	fflush(stdout);
}

/* Documented errnos, plus ENOTTY for the mutated command numbers. */
static const int err_query[] = { EFAULT, EINVAL, E2BIG, ENOTTY, 0 };
static const int err_setup[] = { EFAULT, EINVAL, E2BIG, EBUSY, EPERM, ENOSPC,
				 EDQUOT, ENOMEM, ENOTTY, 0 };
static const int err_load[] = { EFAULT, EINVAL, E2BIG, ENXIO, EPERM, EEXIST,
				EDQUOT, ENOMEM, EINTR, EACCES, EADDRNOTAVAIL,
				ENOTTY, 0 };
static const int err_retire[] = { EFAULT, EINVAL, E2BIG, ENXIO, EPERM, EACCES,
				  ENOENT, EBUSY, ENOMEM, EINTR, ENOTTY, 0 };
static const int err_set_slots[] = { EFAULT, EINVAL, E2BIG, ENXIO, EPERM,
				     EACCES, ENOENT, EADDRNOTAVAIL, ENOMEM,
				     EINTR, ENOTTY, 0 };
static const int err_map_fd[] = { EFAULT, EINVAL, E2BIG, ENXIO, EMFILE, EPERM,
				  ENOMEM, ENOTTY, 0 };
static const int err_mmap[] = { ENXIO, EINVAL, EACCES, EPERM, ENOMEM, 0 };
static const int err_mprotect[] = { EACCES, EINVAL, ENOMEM, 0 };
static const int err_open[] = { EMFILE, ENFILE, ENOMEM, 0 };
static const int err_any[] = { EFAULT, EINVAL, E2BIG, ENXIO, EPERM, EBUSY,
			       ENOSPC, EDQUOT, ENOMEM, EEXIST, EINTR, EACCES,
			       ENOENT, EMFILE, EADDRNOTAVAIL, ENOTTY, 0 };
/* Another thread's file may close under the call, its number reused. */
static const int err_foreign[] = { EFAULT, EINVAL, E2BIG, ENXIO, EPERM, EEXIST,
				   EDQUOT, ENOMEM, EINTR, ENOTTY, EBADF, 0 };

/* Calls that succeeded and failed, per kind, to show what a run reached. */
static struct {
	const char *what;
	atomic_ulong ok, err;
} tally[16];

static void count(const char *what, bool ok)
{
	unsigned int i;

	for (i = 0; i < sizeof(tally) / sizeof(tally[0]); i++) {
		if (!tally[i].what)
			return;
		if (!strcmp(tally[i].what, what)) {
			atomic_fetch_add(ok ? &tally[i].ok : &tally[i].err, 1);
			return;
		}
	}
}

/* Fail unless the call succeeded or failed with an errno of @allowed. */
static void check(struct fuzzer *f, const char *what, long ret,
		  const int *allowed)
{
	int e = errno;

	count(what, ret >= 0);
	/* A flipped bit may give another ioctl: RETIRE ^ 4 is SETUP. */
	if (f->cmd_mutated)
		allowed = err_any;
	if (ret >= 0)
		return;
	for (; *allowed; allowed++)
		if (*allowed == e)
			return;
	fail(f, "%s failed with %s, not a documented errno", what,
	     strerrorname_np(e) ?: "?");
}

static struct map *some_map(struct fuzzer *f)
{
	struct map *m = &f->map[below(f, MAPS)];

	return m->addr ? m : NULL;
}

/*
 * A user pointer to @len bytes: mostly @good, else across the guard
 * page's edge, into it, into a pool mapping, NULL, a kernel address or
 * misaligned.
 */
static uint64_t mutate_ptr(struct fuzzer *f, void *good, size_t len)
{
	struct map *m;

	if (!mut(f, 4))
		return (uintptr_t)good;
	switch (below(f, 7)) {
	case 0:
		return (uintptr_t)(f->guard - (len > 1 ? below(f, len - 1) + 1 : 0));
	case 1:
		return (uintptr_t)(f->guard + below(f, JS_PAGE));
	case 2:
		m = some_map(f);
		if (m)
			return (uintptr_t)(m->addr + below(f, m->len));
		return (uintptr_t)f->guard;
	case 3:
		return 0;
	case 4:
		return KERNEL_PTR + below(f, 1 << 20);
	case 5:
		return (uintptr_t)good + 1;
	default:
		return next(f);
	}
}

/*
 * A struct size: mostly @ver0, else short, long with a zero or non-zero
 * tail (*@dirty), or above the page size.
 */
static uint32_t mutate_size(struct fuzzer *f, uint32_t ver0, bool *dirty)
{
	*dirty = false;
	if (!mut(f, 4))
		return ver0;
	switch (below(f, 4)) {
	case 0:
		return below(f, ver0);
	case 1:
		return ver0 + 8 * (1 + below(f, 8));
	case 2:
		*dirty = true;
		return ver0 + 1 + below(f, 64);
	default:
		return JS_PAGE + 1 + below(f, 2 * JS_PAGE);
	}
}

/*
 * A zeroed struct of @ksize bytes whose @size bytes end at the guard page,
 * with a non-zero last byte if @dirty.
 */
static void *place(struct fuzzer *f, uint32_t size, size_t ksize, bool dirty)
{
	size_t room = size > ksize && size <= JS_PAGE ? size : ksize;
	uint8_t *p = f->guard - room;

	memset(f->guard - JS_PAGE, 0, JS_PAGE);
	if (dirty)
		p[size - 1] = 1;
	return p;
}

/* Mostly 0 or a valid bit, sometimes any bits. */
static uint32_t mutate_flags(struct fuzzer *f, uint32_t valid)
{
	if (mut(f, 4))
		return 1u << below(f, 32);
	return one_in(f, 3) ? valid & next(f) : 0;
}

static unsigned long mutate_cmd(struct fuzzer *f, unsigned long cmd)
{
	if (!mut(f, 30))
		return cmd;
	f->cmd_mutated = true;
	return one_in(f, 2) ? cmd ^ (1ul << below(f, 32)) :
	       _IOC(_IOC_READ | _IOC_WRITE, JITSEAL_IOC_MAGIC, 6 + below(f, 8), 8);
}

static struct slot *some_slot(struct fuzzer *f)
{
	return &f->slot[below(f, SLOTS)];
}

static struct slot *open_slot(struct fuzzer *f)
{
	struct slot *s = some_slot(f);

	return s->fd >= 0 ? s : NULL;
}

/* Mostly a file with a pool, for the calls that want one. */
static struct slot *ready_slot(struct fuzzer *f)
{
	struct slot *s;
	int i;

	for (i = 0; i < SLOTS; i++) {
		s = open_slot(f);
		if (s && (s->ready || mut(f, 2)))
			return s;
	}
	return NULL;
}

static void forget_slot(struct slot *s)
{
	s->fd = -1;
	s->map_only = s->ready = false;
	s->code = s->rodata = s->last = 0;
	s->next[0] = s->next[1] = 0;
	s->slot_off = 0;
}

static uint64_t pool_bytes(struct slot *s)
{
	return s->code + s->rodata;
}

static void do_info_check(struct fuzzer *f, struct slot *s,
			  struct jitseal_pool_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	if (ioctl(s->fd, JITSEAL_IOC_INFO, info))
		fail(f, "INFO on a good struct: %s", strerror(errno));
}

static void op_open(struct fuzzer *f)
{
	struct slot *s = some_slot(f);
	bool rdonly = one_in(f, 6);
	int fd;

	if (s->fd >= 0)
		return;
	fd = open(JITSEAL_DEVICE, (rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	check(f, "open", fd, err_open);
	if (fd < 0)
		return;
	forget_slot(s);
	s->fd = fd;
	s->map_only = rdonly;
}

static void op_close(struct fuzzer *f)
{
	struct slot *s = open_slot(f);

	if (!s)
		return;
	if (close(s->fd))
		fail(f, "close: %s", strerror(errno));
	forget_slot(s);
}

static void op_version(struct fuzzer *f)
{
	struct slot *s = open_slot(f);
	struct jitseal_version *v;
	uint32_t size;
	uint64_t p;
	bool dirty;
	long ret;

	if (!s)
		return;
	size = mutate_size(f, JITSEAL_VERSION_SIZE_VER0, &dirty);
	v = place(f, size, sizeof(*v), dirty);
	v->size = size;
	p = mutate_ptr(f, v, size);
	ret = ioctl(s->fd, mutate_cmd(f, JITSEAL_IOC_VERSION), (void *)p);
	check(f, "VERSION", ret, err_query);
	if (!ret && p == (uintptr_t)v && size >= JITSEAL_VERSION_SIZE_VER0 &&
	    (v->api_version != JITSEAL_API_VERSION || v->page_size != JS_PAGE))
		fail(f, "VERSION: api %u page size %u", v->api_version,
		     v->page_size);
}

static void op_info(struct fuzzer *f)
{
	struct slot *s = open_slot(f);
	struct jitseal_pool_info *info;
	uint32_t size;
	bool dirty;
	long ret;

	if (!s)
		return;
	size = mutate_size(f, one_in(f, 2) ? JITSEAL_POOL_INFO_SIZE_VER0 :
			   JITSEAL_POOL_INFO_SIZE_VER1, &dirty);
	info = place(f, size, sizeof(*info), dirty);
	info->size = size;
	ret = ioctl(s->fd, mutate_cmd(f, JITSEAL_IOC_INFO),
		    (void *)mutate_ptr(f, info, size));
	check(f, "INFO", ret, err_query);
}

/* A pool size in pages, mostly small and valid. */
static uint64_t mutate_pool_bytes(struct fuzzer *f, bool zero_ok)
{
	switch (f->mutate ? below(f, 6) : 5) {
	case 0:
		return zero_ok ? 0 : JS_PAGE;
	case 1:
		return 1 + below(f, JS_PAGE * 4);
	case 2:
		return next(f) & ~(JS_PAGE - 1);
	case 3:
		return -JS_PAGE;
	default:
		return JS_PAGE * (1 + below(f, 8));
	}
}

static void op_setup(struct fuzzer *f)
{
	struct slot *s = open_slot(f);
	struct jitseal_pool_info info;
	struct jitseal_setup *st;
	uint32_t size;
	bool dirty;
	long ret;

	if (!s || ((s->ready || s->map_only) && !mut(f, 2)))
		return;
	size = mutate_size(f, JITSEAL_SETUP_SIZE_VER0, &dirty);
	st = place(f, size, sizeof(*st), dirty);
	st->size = size;
	st->flags = mutate_flags(f, JITSEAL_SETUP_FLAGS);
	st->code_bytes = mutate_pool_bytes(f, false);
	st->rodata_bytes = one_in(f, 2) ? 0 : mutate_pool_bytes(f, true);
	ret = ioctl(s->fd, mutate_cmd(f, JITSEAL_IOC_SETUP),
		    (void *)mutate_ptr(f, st, size));
	check(f, "SETUP", ret, err_setup);
	if (ret)
		return;
	if (s->ready || s->map_only)
		fail(f, "SETUP succeeded twice or on a map-only file");
	s->ready = true;
	do_info_check(f, s, &info);
	/* The struct may have been read from a mutated pointer: ask INFO. */
	s->code = info.code_bytes;
	s->rodata = info.rodata_bytes;
	if (!(info.flags & JITSEAL_INFO_READY) || !s->code ||
	    (s->code | s->rodata) % JS_PAGE)
		fail(f, "INFO after SETUP: flags %#x code %llu rodata %llu",
		     info.flags, info.code_bytes, info.rodata_bytes);
}

/* An offset and length in the pool, mostly valid for @prot. */
static void mutate_range(struct fuzzer *f, struct slot *s, uint32_t prot,
			 __u64 *offset, __u64 *len)
{
	uint64_t base = prot == JITSEAL_PROT_R ? s->code : 0;
	uint64_t area = prot == JITSEAL_PROT_R ? s->rodata : s->code;

	*len = 1 + below(f, one_in(f, 4) ? 2 * JS_PAGE : 64);
	*offset = base + below(f, area ? area : JS_PAGE);
	switch (f->mutate ? below(f, 6) : 4) {
	case 0:
		*len = 0;
		break;
	case 1:
		*len = -below(f, 4096);
		break;
	case 2:
		*offset = next(f);
		break;
	case 3:
		*offset = base + area - below(f, 8);
		break;
	}
}

static void fill_segment(struct fuzzer *f, struct slot *s,
			 struct jitseal_segment *seg)
{
	uint64_t room = STAGE_PAGES * JS_PAGE - JS_PAGE;	/* below arg_buf */
	uint64_t src_off;

	seg->prot = one_in(f, 4) && s->rodata ? JITSEAL_PROT_R : JITSEAL_PROT_RX;
	if (mut(f, 15))
		seg->prot = below(f, 8);
	mutate_range(f, s, seg->prot, &seg->offset, &seg->len);
	if (!f->mutate && !one_in(f, 4) && seg->prot <= JITSEAL_PROT_R) {
		/* Append, as a JIT does, wrapping around the area. */
		bool ro = seg->prot == JITSEAL_PROT_R;
		uint64_t area = ro ? s->rodata : s->code;

		if (s->next[ro] + seg->len > area)
			s->next[ro] = 0;
		seg->offset = (ro ? s->code : 0) + s->next[ro];
		s->next[ro] += seg->len;
	}
	src_off = seg->len < room ? below(f, room - seg->len + 1) : 0;
	seg->src = mutate_ptr(f, f->stage + src_off, seg->len);
	seg->flags = mut(f, 20) ? 1u << below(f, 32) : 0;
}

static uint32_t mutate_nr_segments(struct fuzzer *f)
{
	if (mut(f, 15))
		return one_in(f, 2) ? 0 : 4097;
	return 1 + below(f, one_in(f, 8) ? 16 : 3);
}

/*
 * Entry points and slots for a LOAD (struct VER1) of @shown segments at
 * @segs (stride @seg_size): mostly inside the batch's segments, the
 * slots' staged bytes zeroed (empty) now and then so that some succeed.
 */
static void add_decls(struct fuzzer *f, struct slot *s, struct jitseal_load *ld,
		      uint8_t *segs, uint32_t seg_size, uint32_t shown,
		      uint8_t *decls)
{
	struct jitseal_entry *ent = (void *)decls;
	struct jitseal_slot *sl = (void *)(decls + 8 * sizeof(*ent));
	uint32_t i, ne = 0, ns = 0;

	for (i = 0; i < shown && seg_size >= sizeof(struct jitseal_segment); i++) {
		struct jitseal_segment *g = (void *)(segs + i * seg_size);
		uint64_t off = (g->offset + 7) & ~7ULL;

		if (g->prot == JITSEAL_PROT_RX && ne < 8 && g->len)
			ent[ne++].offset = g->offset + below(f, g->len);
		if (g->prot != JITSEAL_PROT_R || ns >= 8 || off + 8 > g->offset + g->len)
			continue;
		sl[ns].offset = off;
		sl[ns].flags = one_in(f, 4) ? JITSEAL_SLOT_EXTERNAL : 0;
		if (!one_in(f, 4) && g->src >= (uintptr_t)f->stage &&
		    g->src + g->len <= (uintptr_t)f->guard - JS_PAGE)
			memset((uint8_t *)(uintptr_t)g->src + (off - g->offset), 0, 8);
		ns++;
	}
	if (mut(f, 10) && ne < 8)
		ent[ne++].offset = next(f) % (pool_bytes(s) + 1);
	if (mut(f, 10) && ns < 8)
		sl[ns++] = (struct jitseal_slot){ .offset = next(f) % (pool_bytes(s) + 1),
						  .flags = mutate_flags(f, JITSEAL_SLOT_FLAGS) };
	ld->nr_entries = ne;
	ld->entry_size = ne ? sizeof(*ent) : 0;
	ld->entries = ne ? mutate_ptr(f, ent, ne * sizeof(*ent)) : 0;
	ld->nr_slots = ns;
	ld->slot_size = ns ? sizeof(*sl) : 0;
	ld->slots = ns ? mutate_ptr(f, sl, ns * sizeof(*sl)) : 0;
}

static void op_load(struct fuzzer *f)
{
	struct slot *s = ready_slot(f);
	uint8_t *buf = f->guard - JS_PAGE;
	uint8_t *segs = buf + 512, *digests = buf + 2560, *decls = buf + 3072;
	struct jitseal_pool_info before, after;
	struct jitseal_load *ld = (void *)buf;
	uint32_t nr, seg_size = JITSEAL_SEGMENT_SIZE_VER0, size, i, shown;
	uint64_t total = 0;
	bool dirty;
	long ret;

	if (!s)
		return;
	memset(buf, 0, JS_PAGE);
	size = mutate_size(f, one_in(f, 2) ? JITSEAL_LOAD_SIZE_VER1 :
			   JITSEAL_LOAD_SIZE_VER0, &dirty);
	if (dirty)
		buf[size - 1] = 1;
	nr = mutate_nr_segments(f);
	shown = nr < 16 ? nr : 16;
	if (mut(f, 5))
		seg_size = one_in(f, 2) ? below(f, 64) : JITSEAL_SEGMENT_SIZE_VER0 + 8;
	if (seg_size * shown > 2048)
		seg_size = JITSEAL_SEGMENT_SIZE_VER0;
	for (i = 0; i < shown; i++) {
		struct jitseal_segment seg = { 0 };

		fill_segment(f, s, &seg);
		memcpy(segs + i * seg_size, &seg,
		       seg_size < sizeof(seg) ? seg_size : sizeof(seg));
		total += seg.len;
	}
	if (seg_size > sizeof(struct jitseal_segment) && mut(f, 2))
		segs[seg_size - 1] = 1;
	ld->size = size;
	ld->flags = mutate_flags(f, JITSEAL_LOAD_FLAGS);
	ld->nr_segments = nr;
	ld->segment_size = seg_size;
	ld->segments = mutate_ptr(f, segs, (size_t)seg_size * nr);
	if (ld->flags & JITSEAL_LOAD_DIGEST)
		ld->digests = mutate_ptr(f, digests, 16 * JITSEAL_DIGEST_SIZE);
	else if (mut(f, 15))
		ld->digests = (uintptr_t)digests;
	if (size >= JITSEAL_LOAD_SIZE_VER1 && !dirty)
		add_decls(f, s, ld, segs, seg_size, shown, decls);
	if (s->ready)
		do_info_check(f, s, &before);
	ret = ioctl(s->fd, mutate_cmd(f, JITSEAL_IOC_LOAD),
		    size <= JS_PAGE - 512 ? (void *)mutate_ptr(f, ld, size) : ld);
	check(f, "LOAD", ret, err_load);
	if (ret || !s->ready)
		return;
	s->last = ((struct jitseal_segment *)segs)->offset;
	if (ld->nr_slots && ld->slots == (uintptr_t)(decls + 8 * sizeof(struct jitseal_entry)))
		s->slot_off = ((struct jitseal_slot *)(uintptr_t)ld->slots)->offset;
	do_info_check(f, s, &after);
	/* Other threads load only into their own files, forks into copies. */
	if (after.loads < before.loads + 1 ||
	    after.sealed_bytes < before.sealed_bytes + (nr == shown ? total : 0))
		fail(f, "INFO after LOAD of %" PRIu64 " bytes: sealed %llu -> %llu",
		     total, before.sealed_bytes, after.sealed_bytes);
}

static void op_retire(struct fuzzer *f)
{
	struct slot *s = ready_slot(f);
	struct jitseal_retire *r;
	uint32_t size;
	bool dirty;
	long ret;

	if (!s)
		return;
	size = mutate_size(f, JITSEAL_RETIRE_SIZE_VER0, &dirty);
	r = place(f, size, sizeof(*r), dirty);
	r->size = size;
	r->flags = mut(f, 10) ? 1u << below(f, 32) : 0;
	r->offset = one_in(f, 4) ? below(f, pool_bytes(s) / JS_PAGE + 1) * JS_PAGE :
		    s->last & ~(JS_PAGE - 1);
	r->len = JS_PAGE * (1 + (one_in(f, 4) ? below(f, 2) : 0));
	if (mut(f, 4))
		mutate_range(f, s, JITSEAL_PROT_RX, &r->offset, &r->len);
	ret = ioctl(s->fd, mutate_cmd(f, JITSEAL_IOC_RETIRE),
		    (void *)mutate_ptr(f, r, size));
	check(f, "RETIRE", ret, err_retire);
}

/* A slot's target: mostly in a pool mapping, else anything. */
static uint64_t some_target(struct fuzzer *f)
{
	struct map *m = some_map(f);

	switch (below(f, 6)) {
	case 0:
	case 5:
		return 0;
	case 1:
		return (uintptr_t)f->stage;
	case 2:
		return (uintptr_t)getpid;
	case 3:
		return next(f);
	default:
		return m ? (uintptr_t)(m->addr + below(f, m->len)) : 0;
	}
}

static void op_set_slots(struct fuzzer *f)
{
	struct slot *s = ready_slot(f);
	uint8_t *buf = f->guard - JS_PAGE;
	struct jitseal_set_slots *a = (void *)buf;
	struct jitseal_slot_update *u = (void *)(buf + 256);
	uint32_t size, nr, i;
	bool dirty;
	long ret;

	if (!s)
		return;
	memset(buf, 0, JS_PAGE);
	size = mutate_size(f, JITSEAL_SET_SLOTS_SIZE_VER0, &dirty);
	if (dirty)
		buf[size - 1] = 1;
	nr = mut(f, 15) ? (one_in(f, 2) ? 0 : JITSEAL_MAX_DECLS + 1) :
	     1 + below(f, 4);
	for (i = 0; i < nr && i < 4; i++) {
		u[i].slot = one_in(f, 4) && s->rodata ?
			    s->code + 8 * below(f, s->rodata / 8) : s->slot_off;
		if (mut(f, 10))
			u[i].slot = next(f);
		u[i].target = some_target(f);
		u[i].flags = mut(f, 20) ? 1u << below(f, 32) : 0;
	}
	a->size = size;
	a->flags = mut(f, 20) ? 1u << below(f, 32) : 0;
	a->nr_updates = nr;
	a->update_size = mut(f, 10) ? below(f, 64) : sizeof(*u);
	a->updates = mutate_ptr(f, u, 4 * sizeof(*u));
	ret = ioctl(s->fd, mutate_cmd(f, JITSEAL_IOC_SET_SLOTS),
		    size <= 256 ? (void *)mutate_ptr(f, a, size) : a);
	check(f, "SET_SLOTS", ret, err_set_slots);
}

static void op_map_fd(struct fuzzer *f)
{
	struct slot *s = ready_slot(f), *to = some_slot(f);
	struct jitseal_map_fd *m;
	uint32_t size;
	bool dirty;
	long ret;

	if (!s)
		return;
	size = mutate_size(f, JITSEAL_MAP_FD_SIZE_VER0, &dirty);
	m = place(f, size, sizeof(*m), dirty);
	m->size = size;
	m->flags = mutate_flags(f, JITSEAL_MAP_FD_CLOEXEC);
	ret = ioctl(s->fd, mutate_cmd(f, JITSEAL_IOC_MAP_FD),
		    (void *)mutate_ptr(f, m, size));
	check(f, "MAP_FD", ret, err_map_fd);
	if (ret < 0)
		return;
	if (to->fd >= 0 || to == s) {
		close(ret);
		return;
	}
	*to = *s;
	to->fd = ret;
	to->map_only = true;
}

static void op_mmap(struct fuzzer *f)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_EXEC, PROT_EXEC,
				     PROT_READ | PROT_WRITE, PROT_NONE,
				     PROT_READ | PROT_WRITE | PROT_EXEC };
	struct slot *s = ready_slot(f);
	struct map *m = &f->map[below(f, MAPS)];
	uint64_t pages = s ? pool_bytes(s) / JS_PAGE : 0;
	int prot = prots[below(f, mut(f, 2) ? 6 : 2)];
	int flags = mut(f, 5) ? MAP_PRIVATE : MAP_SHARED;
	off_t off;
	size_t len;
	void *p;

	if (!s || m->addr)
		return;
	off = below(f, pages + 1) * JS_PAGE;
	len = (1 + below(f, pages ? pages : 1)) * JS_PAGE;
	if (mut(f, 5))
		len += below(f, JS_PAGE);
	p = mmap(NULL, len, prot, flags, s->fd, off);
	check(f, "mmap", p == MAP_FAILED ? -1 : 0, err_mmap);
	if (p == MAP_FAILED)
		return;
	if (prot & PROT_WRITE)
		fail(f, "mmap of a pool with PROT_WRITE succeeded");
	m->addr = p;
	m->len = (len + JS_PAGE - 1) & ~(JS_PAGE - 1);
}

static void op_munmap(struct fuzzer *f)
{
	struct map *m = some_map(f);

	if (!m)
		return;
	if (m->len > JS_PAGE && one_in(f, 3)) {
		/* Keep the first page: a partial unmap. */
		munmap(m->addr + JS_PAGE, m->len - JS_PAGE);
		m->len = JS_PAGE;
		return;
	}
	if (munmap(m->addr, m->len))
		fail(f, "munmap: %s", strerror(errno));
	m->addr = NULL;
}

static void op_mprotect(struct fuzzer *f)
{
	struct map *m = some_map(f);
	int prot = below(f, 8);
	int ret;

	if (!m)
		return;
	ret = mprotect(m->addr, m->len, prot);
	check(f, "mprotect", ret, err_mprotect);
	if (!ret && (prot & PROT_WRITE))
		fail(f, "mprotect of a pool mapping to %#x succeeded", prot);
}

/*
 * Drop a page of a mapping and touch it again (a fault, racing the other
 * threads' RETIREs), or try to pin it into a pipe: that must always fail,
 * nothing may hold a pool page past RETIRE.
 */
static void op_touch(struct fuzzer *f)
{
	struct map *m = some_map(f);
	struct iovec iov;
	uint8_t *page, b;
	int p[2];

	if (!m)
		return;
	page = m->addr + below(f, m->len / JS_PAGE) * JS_PAGE;
	if (one_in(f, 2)) {
		if (madvise(page, JS_PAGE, MADV_DONTNEED))
			fail(f, "MADV_DONTNEED of a pool page: %s",
			     strerror(errno));
		js_guarded_read(page + below(f, JS_PAGE), &b, 1);
		count("touch", true);
		return;
	}
	if (pipe(p))
		return;
	iov.iov_base = page;
	iov.iov_len = 1 + below(f, JS_PAGE);
	if (vmsplice(p[1], &iov, 1, SPLICE_F_NONBLOCK) >= 0)
		fail(f, "vmsplice pinned a pool page");
	count("vmsplice", false);
	close(p[0]);
	close(p[1]);
}

/* INFO or LOAD on a file another thread may be closing right now. */
static void op_foreign(struct fuzzer *f)
{
	struct fuzzer *o = fuzzers[below(f, opt_threads)];
	struct jitseal_pool_info info = { .size = sizeof(info) };
	int fd = o ? o->slot[below(f, SLOTS)].fd : -1;
	struct jitseal_segment seg;
	struct jitseal_load ld = { .size = sizeof(ld), .nr_segments = 1,
				   .segment_size = sizeof(seg),
				   .segments = (uintptr_t)&seg };
	struct slot any = { .code = JS_PAGE };

	if (fd < 0 || o == f)
		return;
	if (one_in(f, 2)) {
		check(f, "foreign INFO", ioctl(fd, JITSEAL_IOC_INFO, &info),
		      err_foreign);
		return;
	}
	fill_segment(f, &any, &seg);
	check(f, "foreign LOAD", ioctl(fd, JITSEAL_IOC_LOAD, &ld), err_foreign);
}

static void one_call(struct fuzzer *f, bool child);

/*
 * Fork: the child makes a few calls on its copies of this thread's files
 * and mappings, then exits with all of them open.
 */
static void op_fork(struct fuzzer *f)
{
	uint64_t child_seed = next(f);
	int status, i;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		check(f, "fork", -1, (const int[]){ EAGAIN, ENOMEM, 0 });
		return;
	}
	if (!pid) {
		f->rng = child_seed | 1;
		for (i = 0; i < CHILD_CALLS && !failed; i++)
			one_call(f, true);
		_exit(failed ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid)
		fail(f, "waitpid: %s", strerror(errno));
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail(f, "forked child ended with status %#x", status);
	else
		count("fork", true);
}

static void one_call(struct fuzzer *f, bool child)
{
	static void (*const ops[])(struct fuzzer *) = {
		op_open, op_open, op_setup, op_setup, op_load, op_load, op_load,
		op_load, op_load, op_info, op_version, op_map_fd, op_retire,
		op_retire, op_mmap, op_mmap, op_munmap, op_mprotect, op_close,
		op_foreign, op_touch, op_set_slots, op_set_slots,
	};
	uint64_t op = below(f, sizeof(ops) / sizeof(ops[0]) + 1);

	f->mutate = one_in(f, 2);
	f->cmd_mutated = false;

	if (op == sizeof(ops) / sizeof(ops[0])) {
		/* A fork now and then; children do not fork again. */
		if (!child && one_in(f, 4))
			op_fork(f);
		return;
	}
	if (child && ops[op] == op_foreign)
		return;
	ops[op](f);
}

static void *run(void *arg)
{
	struct fuzzer *f = arg;

	for (f->call = 0; f->call < f->calls && !failed; f->call++)
		one_call(f, false);
	return NULL;
}

static void release(struct fuzzer *f)
{
	int i;

	for (i = 0; i < SLOTS; i++)
		if (f->slot[i].fd >= 0)
			close(f->slot[i].fd);
	for (i = 0; i < MAPS; i++)
		if (f->map[i].addr)
			munmap(f->map[i].addr, f->map[i].len);
}

static struct fuzzer *new_fuzzer(int id, uint64_t calls)
{
	struct fuzzer *f = calloc(1, sizeof(*f));
	int i;

	if (!f)
		return NULL;
	f->id = id;
	f->calls = calls;
	f->rng = (opt_seed + 1) * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(id + 1) << 32;
	if (!f->rng)
		f->rng = 1;
	f->stage = mmap(NULL, (STAGE_PAGES + 1) * JS_PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->stage == MAP_FAILED) {
		free(f);
		return NULL;
	}
	f->guard = f->stage + STAGE_PAGES * JS_PAGE;
	mprotect(f->guard, JS_PAGE, PROT_NONE);
	for (i = 0; i + JS_RET_LEN <= (int)(STAGE_PAGES * JS_PAGE); i += JS_RET_LEN)
		js_emit_ret(f->stage + i, i);
	for (i = 0; i < SLOTS; i++)
		forget_slot(&f->slot[i]);
	return f;
}

static int parse(int argc, char **argv)
{
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seed"))
			opt_seed = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--calls"))
			opt_calls = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--threads"))
			opt_threads = atoi(argv[i + 1]);
		else
			break;
	}
	if (i != argc || opt_threads < 1 || opt_threads > MAX_THREADS ||
	    !opt_calls) {
		fprintf(stderr, "usage: fuzz [--seed S] [--calls N] [--threads T (1-%d)]\n",
			MAX_THREADS);
		return -1;
	}
	return 0;
}

static const char *const kinds[] = {
	"open", "SETUP", "LOAD", "INFO", "VERSION", "MAP_FD", "RETIRE", "mmap",
	"mprotect", "foreign INFO", "foreign LOAD", "fork", "touch", "vmsplice",
	"SET_SLOTS",
};

static const char *const counters[] = { "pools", "sealed_bytes", "pages" };

/* The counters drop as the last references go; give them a moment. */
static bool counters_back(const uint64_t *start, uint64_t *now)
{
	int tries, i;
	bool same = false;

	for (tries = 0; tries < 100 && !same; tries++) {
		if (tries)
			usleep(20000);
		same = true;
		for (i = 0; i < 3; i++) {
			now[i] = js_stat(counters[i]);
			same &= now[i] == start[i];
		}
	}
	return same;
}

int main(int argc, char **argv)
{
	pthread_t tid[MAX_THREADS];
	uint64_t start[3], now[3], done;
	struct timespec t0, t1;
	double secs;
	int i;

	if (parse(argc, argv))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* op_touch() reads pages that may be retired: SIGBUS. */
	js_guard_signals();
	printf("TAP version 13\n1..2\n");
	printf("# fuzz --seed %" PRIu64 " --calls %" PRIu64 " --threads %d\n",
	       opt_seed, opt_calls, opt_threads);
	for (i = 0; i < 3; i++)
		start[i] = js_stat(counters[i]);
	for (i = 0; i < (int)(sizeof(kinds) / sizeof(kinds[0])); i++)
		tally[i].what = kinds[i];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < opt_threads; i++) {
		fuzzers[i] = new_fuzzer(i, opt_calls / opt_threads +
					(i < (int)(opt_calls % opt_threads)));
		if (!fuzzers[i]) {
			printf("Bail out! no memory for thread %d\n", i);
			return 1;
		}
	}
	for (i = 0; i < opt_threads; i++)
		pthread_create(&tid[i], NULL, run, fuzzers[i]);
	for (i = 0; i < opt_threads; i++)
		pthread_join(tid[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	for (i = 0, done = 0; i < opt_threads; i++)
		done += fuzzers[i]->call;
	printf("# %" PRIu64 " calls in %.2f s: %.0f calls/s\n", done, secs,
	       done / secs);
	for (i = 0; i < (int)(sizeof(kinds) / sizeof(kinds[0])); i++)
		printf("# %-14s %8lu ok %8lu failed\n", kinds[i],
		       (unsigned long)tally[i].ok, (unsigned long)tally[i].err);
	printf("%sok 1 every call gave a documented result\n",
	       failed ? "not " : "");
	for (i = 0; i < opt_threads; i++)
		release(fuzzers[i]);
	if (counters_back(start, now)) {
		printf("ok 2 counters back to their start\n");
	} else {
		printf("not ok 2 counters back to their start\n");
		for (i = 0; i < 3; i++)
			printf("# %s: %" PRIu64 " at the start, %" PRIu64 " now\n",
			       counters[i], start[i], now[i]);
		printf("# replay: fuzz --seed %" PRIu64 " --calls %" PRIu64
		       " --threads %d\n", opt_seed, opt_calls, opt_threads);
		failed = true;
	}
	return failed ? 1 : 0;
}
