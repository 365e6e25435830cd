// SPDX-License-Identifier: GPL-2.0
/*
 * Stress of /dev/jitseal against a model (C2, C4, C5, C6).
 *
 *   stress [--seconds S] [--threads N] [--seed X] [--rmmod KO]
 *
 * N threads (default 8) for S seconds (default 3) pick random operations
 * on a few shared pools: LOAD batches of functions and read-only data
 * (one to dozens of segments, with and without digests, now and then one
 * that overlaps a sealed slot and must change nothing), call the loaded
 * code and read the data back, RETIRE pages, munmap and map again, close
 * the pool and open a new one (calling through the old mapping that keeps
 * it alive), MAP_FD, and fork children that call the code and exit with
 * everything open.  Threads end after a random number of operations and
 * new ones take their place.  The test keeps a model of every pool: which
 * 64-byte slot holds which value, which pages exist, what INFO must say.
 * Every result is checked against it: the return value of every call and
 * every errno, trap bytes in loaded pages where nothing was loaded,
 * SIGBUS in pages that were never loaded or were retired, and INFO.
 * Beside them, one pool of sealed slots (C13): threads retarget batches
 * of its slots between its functions (now and then to a refused target,
 * which must change nothing), call through slots while others retarget
 * them (every call must land on one of the functions), and try to retire
 * its pages (EBUSY: slots live there and point there).
 *
 * The threads run in a child process in a memory cgroup of their own.
 * When it has exited, the sysfs counters (pools, sealed_bytes, pages) and
 * the caller's per-user charges (pools and bytes, probed through the
 * quota knobs) are back to their start, the cgroup's memory.current is
 * back near zero, and with --rmmod the module unloads and loads again
 * from KO.  Prints TAP.  Each thread's operations replay from the seed
 * (their interleaving does not); a failure prints the command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h"
#include "util.h"

#define POOLS		4
#define CODE_PAGES	4
#define RO_PAGES	1
#define PAGES		(CODE_PAGES + RO_PAGES)
#define POOL_BYTES	(PAGES * JS_PAGE)
#define SLOT		64
#define SLOTS_PER_PAGE	(JS_PAGE / SLOT)
#define CODE_SLOTS	(CODE_PAGES * SLOTS_PER_PAGE)
#define SLOTS		(PAGES * SLOTS_PER_PAGE)
#define RO_LEN		8	/* a read-only slot: value, ~value */
/* The most a slot holds: code (JS_RET_LEN) or read-only data. */
#define SLOT_BYTES	(JS_RET_LEN > RO_LEN ? JS_RET_LEN : RO_LEN)
#define MAX_BATCH	48
#define MAX_THREADS	64
#define EMPTY		0u
#define BUSY		UINT32_MAX	/* reserved by a LOAD in flight */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define CG_ROOT		"/sys/fs/cgroup"
/* memory.current left after the worker exits: RCU-freed objects only. */
#define CG_SLACK	(4 * JS_PAGE)

struct pool {
	/*
	 * Read-held by LOAD, calls, fork and MAP_FD, which never take a
	 * loaded slot away; write-held by RETIRE, remap, reopen and audit.
	 */
	pthread_rwlock_t lock;
	int fd;
	uint8_t *code;			/* read+exec mapping of the code */
	const uint8_t *ro;		/* read-only mapping of the data */
	_Atomic uint32_t val[SLOTS];	/* EMPTY, BUSY or the loaded value */
	atomic_bool present[PAGES];	/* the page exists in the pool */
	atomic_ulong sealed, loads;
	unsigned long retired_pages, retires;
};

struct worker {
	int id;
	uint64_t rng;
	unsigned long ops;
};

static uint64_t opt_seed = 1;
static unsigned int opt_seconds = 3, opt_threads = 8;
static const char *opt_rmmod;
static struct pool pools[POOLS];
static atomic_bool failed, stop;
static atomic_ulong op_count[11];
static const char *const op_names[11] = {
	"load", "call", "fork", "map_fd", "retire", "remap", "reopen",
	"audit", "overlap", "thread", "slot",
};

static __thread struct worker *self;

static uint64_t below(struct worker *w, uint64_t n)
{
	return js_rand_below(&w->rng, n);
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (atomic_exchange(&failed, true))
		return;
	printf("# thread %d op %lu: ", self ? self->id : -1,
	       self ? self->ops : 0);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n# replay: stress --seed %" PRIu64 " --seconds %u --threads %u\n",
	       opt_seed, opt_seconds, opt_threads);
	fflush(stdout);
	atomic_store(&stop, true);
}

static bool is_code(unsigned int slot)
{
	return slot < CODE_SLOTS;
}

static unsigned int slot_len(unsigned int slot)
{
	return is_code(slot) ? JS_RET_LEN : RO_LEN;
}

static unsigned int slot_page(unsigned int slot)
{
	return slot / SLOTS_PER_PAGE;
}

static const uint8_t *slot_addr(const struct pool *p, unsigned int slot)
{
	if (is_code(slot))
		return p->code + slot * SLOT;
	return p->ro + (slot - CODE_SLOTS) * SLOT;
}

/* The bytes a slot holds when loaded with @v. */
static unsigned int slot_bytes(unsigned int slot, uint32_t v, uint8_t *buf)
{
	uint32_t inv = ~v;

	if (is_code(slot))
		return js_emit_ret(buf, v);
	memcpy(buf, &v, 4);
	memcpy(buf + 4, &inv, 4);
	return RO_LEN;
}

/* A loaded slot reads or returns its value. */
static void check_loaded(struct pool *p, unsigned int slot, uint32_t v)
{
	uint8_t want[SLOT_BYTES], got[RO_LEN];
	int ret = 0, sig;

	if (is_code(slot)) {
		sig = js_guarded_call(slot_addr(p, slot), &ret);
		if (sig || (uint32_t)ret != v)
			fail("pool fd %d slot %u: call gave %#x (signal %d), model %#x",
			     p->fd, slot, ret, sig, v);
		return;
	}
	slot_bytes(slot, v, want);
	sig = js_guarded_read(slot_addr(p, slot), got, RO_LEN);
	if (sig || memcmp(got, want, RO_LEN))
		fail("pool fd %d slot %u: data %02x%02x%02x%02x (signal %d), model %#x",
		     p->fd, slot, got[0], got[1], got[2], got[3], sig, v);
}

/* How much else may run on a pool while an empty slot is checked. */
enum quiet {
	QUIET,		/* nothing: the model is exact */
	RESERVED,	/* LOADs into other slots: the page may appear */
	RACY,		/* and into this one, if it is not reserved */
};

/*
 * A slot nothing was loaded into: traps in a page that exists, SIGBUS in
 * one that does not.  Pages only go away under the write lock.
 */
static void check_empty(struct pool *p, unsigned int slot, enum quiet q)
{
	bool present = atomic_load(&p->present[slot_page(slot)]);
	_Alignas(16) uint8_t got[SLOT];
	int sig = js_guarded_read(slot_addr(p, slot), got, SLOT);

	if (sig == SIGBUS && !present)
		return;
	if (!sig && (present || q != QUIET) && js_is_trap(got, SLOT))
		return;
	if (!sig && q == RACY && atomic_load(&p->val[slot]) != EMPTY)
		return;		/* loaded meanwhile */
	fail("pool fd %d empty slot %u (page %s): signal %d, first byte %#x; again: signal %d",
	     p->fd, slot, present ? "present" : "absent", sig, got[0],
	     js_guarded_read(slot_addr(p, slot), got, SLOT));
}

static bool pick_loaded(struct worker *w, struct pool *p, unsigned int *slot,
			uint32_t *v)
{
	int tries;

	for (tries = 0; tries < 8; tries++) {
		*slot = below(w, SLOTS);
		*v = atomic_load(&p->val[*slot]);
		if (*v != EMPTY && *v != BUSY)
			return true;
	}
	return false;
}

static void map_pool(struct pool *p)
{
	p->code = js_map(p->fd, CODE_PAGES * JS_PAGE, 0, PROT_READ | PROT_EXEC);
	p->ro = js_map(p->fd, RO_PAGES * JS_PAGE, CODE_PAGES * JS_PAGE,
		       PROT_READ);
	if (!p->code || !p->ro)
		fail("mmap of pool fd %d: %s", p->fd, strerror(errno));
}

static void unmap_pool(struct pool *p)
{
	munmap(p->code, CODE_PAGES * JS_PAGE);
	munmap((void *)p->ro, RO_PAGES * JS_PAGE);
}

/* A new pool in the model's empty state. */
static int open_pool(struct pool *p)
{
	unsigned int i;

	p->fd = js_pool(CODE_PAGES * JS_PAGE, RO_PAGES * JS_PAGE);
	if (p->fd < 0) {
		fail("new pool: %s", strerror(-p->fd));
		return p->fd;
	}
	for (i = 0; i < SLOTS; i++)
		atomic_store(&p->val[i], EMPTY);
	for (i = 0; i < PAGES; i++)
		atomic_store(&p->present[i], false);
	atomic_store(&p->sealed, 0);
	atomic_store(&p->loads, 0);
	p->retired_pages = p->retires = 0;
	map_pool(p);
	return 0;
}

/* --- LOAD --- */

struct batch {
	unsigned int nr;
	unsigned int slot[MAX_BATCH];
	uint32_t val[MAX_BATCH];
	uint8_t bytes[MAX_BATCH][SLOT_BYTES];
	struct jitseal_segment seg[MAX_BATCH];
	uint8_t digests[MAX_BATCH][JITSEAL_DIGEST_SIZE];
	uint64_t len;
};

/* Reserve up to @want empty slots, mostly near each other. */
static void reserve(struct worker *w, struct pool *p, struct batch *b,
		    unsigned int want)
{
	unsigned int base = below(w, SLOTS), tries;

	for (tries = 0; b->nr < want && tries < 4 * want; tries++) {
		unsigned int slot = (base + below(w, want * 3)) % SLOTS;
		uint32_t empty = EMPTY, v = 1 + below(w, BUSY - 1);

		if (!atomic_compare_exchange_strong(&p->val[slot], &empty,
						    BUSY))
			continue;
		b->slot[b->nr] = slot;
		b->val[b->nr] = v;
		slot_bytes(slot, v, b->bytes[b->nr]);
		b->seg[b->nr] = js_seg(b->bytes[b->nr], slot * SLOT,
				       slot_len(slot),
				       is_code(slot) ? JITSEAL_PROT_RX :
						       JITSEAL_PROT_R);
		b->len += slot_len(slot);
		b->nr++;
	}
}

static void publish(struct pool *p, const struct batch *b)
{
	unsigned int i;

	for (i = 0; i < b->nr; i++) {
		atomic_store(&p->present[slot_page(b->slot[i])], true);
		atomic_store(&p->val[b->slot[i]], b->val[i]);
	}
	atomic_fetch_add(&p->sealed, b->len);
	atomic_fetch_add(&p->loads, 1);
}

/* Digest i is of segment i, in the order the batch gave them. */
static void check_digests(const struct batch *b)
{
	uint8_t want[JITSEAL_DIGEST_SIZE];
	unsigned int i;

	for (i = 0; i < b->nr; i++) {
		js_sha256((const void *)(uintptr_t)b->seg[i].src,
			  b->seg[i].len, want);
		if (memcmp(want, b->digests[i], sizeof(want)))
			fail("digest %u of a %u-segment batch differs", i,
			     b->nr);
	}
}

/*
 * A batch with one segment that overlaps a loaded slot: EEXIST, and none
 * of the others may show up.
 */
static void load_overlapping(struct worker *w, struct pool *p, struct batch *b)
{
	unsigned int i, slot;
	uint32_t v;
	int ret;

	if (b->nr == MAX_BATCH || !pick_loaded(w, p, &slot, &v))
		return;
	/* a byte of what the slot holds: code or read-only data */
	b->seg[b->nr] = js_seg(b->bytes[0],
			       slot * SLOT + below(w, slot_len(slot)), 1,
			       is_code(slot) ? JITSEAL_PROT_RX : JITSEAL_PROT_R);
	ret = js_load(p->fd, b->seg, b->nr + 1, 0, NULL);
	atomic_fetch_add(&op_count[8], 1);
	if (ret != -EEXIST)
		fail("LOAD overlapping slot %u: %s, not EEXIST", slot,
		     strerror(-ret));
	for (i = 0; i < b->nr; i++)
		check_empty(p, b->slot[i], RESERVED);
	check_loaded(p, slot, v);
}

static void shuffle(struct worker *w, struct batch *b)
{
	unsigned int i, j;

	for (i = b->nr; i > 1; i--) {
		struct jitseal_segment s;

		j = below(w, i);
		s = b->seg[i - 1];
		b->seg[i - 1] = b->seg[j];
		b->seg[j] = s;
	}
}

/* Mostly one to three functions, now and then a batch of dozens. */
static unsigned int batch_size(struct worker *w)
{
	if (below(w, 8) == 0)
		return 5 + below(w, MAX_BATCH - 4);
	return 1 + below(w, 3);
}

static void op_load(struct worker *w, struct pool *p)
{
	struct batch batch, *b = &batch;
	uint32_t flags;
	unsigned int i;
	int ret;

	b->nr = 0;
	b->len = 0;
	reserve(w, p, b, batch_size(w));
	if (!b->nr)
		return;
	if (below(w, 10) == 0) {
		load_overlapping(w, p, b);
		for (i = 0; i < b->nr; i++)
			atomic_store(&p->val[b->slot[i]], EMPTY);
		return;
	}
	/* The kernel sorts the batch; give it in any order. */
	shuffle(w, b);
	flags = below(w, 3) ? 0 : JITSEAL_LOAD_DIGEST;
	ret = js_load(p->fd, b->seg, b->nr, flags, flags ? b->digests : NULL);
	if (ret) {
		fail("LOAD of %u segments, %" PRIu64 " bytes: %s", b->nr,
		     b->len, strerror(-ret));
		return;
	}
	if (flags)
		check_digests(b);
	publish(p, b);
	for (i = 0; i < b->nr; i++)
		check_loaded(p, b->slot[i], b->val[i]);
}

/* --- calls, fork, MAP_FD: read side --- */

/*
 * Now and then drop the slot's PTEs so that the next call faults again
 * (against RETIREs of other pools and the workers' munmaps), or try to
 * pin its page into a pipe, which must always fail.
 */
static void drop_or_pin(struct worker *w, struct pool *p, unsigned int slot)
{
	const uint8_t *a = slot_addr(p, slot);
	struct iovec iov = { (void *)a, 1 };
	void *page = (void *)((uintptr_t)a & ~(JS_PAGE - 1));
	int pfd[2];

	if (!below(w, 8))
		madvise(page, JS_PAGE, MADV_DONTNEED);
	if (below(w, 64) || pipe(pfd))
		return;
	if (vmsplice(pfd[1], &iov, 1, SPLICE_F_NONBLOCK) >= 0)
		fail("vmsplice pinned a pool page (slot %u)", slot);
	close(pfd[0]);
	close(pfd[1]);
}

static void op_call(struct worker *w, struct pool *p)
{
	unsigned int n = 1 + below(w, 16), i, slot;
	uint32_t v;

	for (i = 0; i < n; i++) {
		slot = below(w, SLOTS);
		v = atomic_load(&p->val[slot]);
		if (v == EMPTY) {
			check_empty(p, slot, RACY);
		} else if (v != BUSY) {
			check_loaded(p, slot, v);
			drop_or_pin(w, p, slot);
		}
	}
}

/* The child calls what the parent saw loaded and exits with all open. */
static void op_fork(struct worker *w, struct pool *p)
{
	unsigned int slot[8], n = 0, i;
	uint32_t val[8];
	int status, ret;
	pid_t pid;

	for (i = 0; i < 8; i++)
		if (pick_loaded(w, p, &slot[n], &val[n]))
			n++;
	pid = fork();
	if (pid < 0) {
		fail("fork: %s", strerror(errno));
		return;
	}
	if (!pid) {
		for (i = 0; i < n; i++) {
			if (!is_code(slot[i]))
				continue;
			/* A fault kills the child: the parent tells. */
			if ((uint32_t)js_call(slot_addr(p, slot[i])) != val[i])
				_exit(1);
		}
		_exit(0);
	}
	ret = waitpid(pid, &status, 0);
	if (ret != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("forked child calling %u functions: status %#x", n,
		     status);
}

static void op_map_fd(struct worker *w, struct pool *p)
{
	unsigned int slot;
	uint8_t *code;
	uint32_t v;
	int mfd, ret;

	mfd = js_map_fd(p->fd, JITSEAL_MAP_FD_CLOEXEC);
	if (mfd < 0) {
		fail("MAP_FD: %s", strerror(-mfd));
		return;
	}
	ret = js_load_ret(mfd, 0, 1);
	if (ret != -EPERM)
		fail("LOAD on a map-only fd: %s, not EPERM", strerror(-ret));
	code = js_map(mfd, CODE_PAGES * JS_PAGE, 0, PROT_READ | PROT_EXEC);
	if (!code) {
		fail("mmap of a map-only fd: %s", strerror(errno));
		close(mfd);
		return;
	}
	/* Close first or unmap first: the pool lives on either way. */
	if (below(w, 2)) {
		close(mfd);
		mfd = -1;
	}
	if (pick_loaded(w, p, &slot, &v) && is_code(slot) &&
	    (uint32_t)js_call(code + slot * SLOT) != v)
		fail("slot %u through a map-only mapping differs", slot);
	munmap(code, CODE_PAGES * JS_PAGE);
	if (mfd >= 0)
		close(mfd);
}

/* --- RETIRE, remap, reopen, audit: write side --- */

static void op_retire(struct worker *w, struct pool *p)
{
	unsigned int first = below(w, PAGES), n = 1 + below(w, 2), pg, s;
	bool all = true;
	uint64_t bytes = 0;
	int ret, want;

	if (first + n > PAGES)
		n = PAGES - first;
	for (pg = first; pg < first + n; pg++)
		all &= atomic_load(&p->present[pg]);
	want = all ? 0 : -ENOENT;
	ret = js_retire(p->fd, first * JS_PAGE, n * JS_PAGE);
	if (ret != want) {
		fail("RETIRE pages %u+%u: %s, model %s", first, n,
		     strerror(-ret), strerror(-want));
		return;
	}
	if (ret)
		return;
	for (s = first * SLOTS_PER_PAGE; s < (first + n) * SLOTS_PER_PAGE;
	     s++) {
		if (atomic_load(&p->val[s]) != EMPTY)
			bytes += slot_len(s);
		atomic_store(&p->val[s], EMPTY);
	}
	for (pg = first; pg < first + n; pg++)
		atomic_store(&p->present[pg], false);
	atomic_fetch_sub(&p->sealed, bytes);
	p->retired_pages += n;
	p->retires++;
	check_empty(p, first * SLOTS_PER_PAGE + below(w, n * SLOTS_PER_PAGE),
		    QUIET);
}

static void op_remap(struct worker *w, struct pool *p)
{
	unsigned int slot = below(w, SLOTS_PER_PAGE);
	uint32_t v = atomic_load(&p->val[slot]);

	/*
	 * Sometimes a partial munmap first: the rest must keep working.  The
	 * hole may be mapped by another thread at once: never unmap it again.
	 */
	if (below(w, 2)) {
		munmap(p->code + JS_PAGE, (CODE_PAGES - 1) * JS_PAGE);
		if (v != EMPTY)
			check_loaded(p, slot, v);
		munmap(p->code, JS_PAGE);
		munmap((void *)p->ro, RO_PAGES * JS_PAGE);
	} else {
		unmap_pool(p);
	}
	map_pool(p);
}

static void op_audit(struct worker *w, struct pool *p);

/*
 * A new pool in the slot.  The old one lives on through its mapping until
 * that goes, and still runs what it held.
 */
static void op_reopen(struct worker *w, struct pool *p)
{
	struct pool old = { .code = p->code, .ro = p->ro, .fd = p->fd };
	unsigned int slot;
	uint32_t v;

	op_audit(w, p);
	close(p->fd);
	if (pick_loaded(w, p, &slot, &v)) {
		old.fd = -1;
		check_loaded(&old, slot, v);
	}
	unmap_pool(&old);
	open_pool(p);
}

/* A page of the model: every slot's bytes, or SIGBUS if it has none. */
static void audit_page(struct worker *w, struct pool *p, unsigned int pg)
{
	const uint8_t *addr = slot_addr(p, pg * SLOTS_PER_PAGE);
	bool present = atomic_load(&p->present[pg]);
	/* a copy of the page: aligned as the page, for js_is_trap() */
	_Alignas(16) uint8_t got[JS_PAGE];
	uint8_t want[SLOT_BYTES];
	unsigned int s, first = pg * SLOTS_PER_PAGE;
	int sig = js_guarded_read(addr, got, JS_PAGE);
	uint32_t v;

	if (sig || !present) {
		if (sig != SIGBUS || present)
			fail("pool fd %d page %u (%s): signal %d", p->fd, pg,
			     present ? "present" : "absent", sig);
		return;
	}
	for (s = first; s < first + SLOTS_PER_PAGE; s++) {
		const uint8_t *b = got + (s - first) * SLOT;
		unsigned int n = 0;

		v = atomic_load(&p->val[s]);
		if (v != EMPTY)
			n = slot_bytes(s, v, want);
		if (memcmp(b, want, n) || !js_is_trap(b + n, SLOT - n)) {
			fail("pool fd %d slot %u: %02x %02x %02x, model %#x",
			     p->fd, s, b[0], b[1], b[2], v);
			return;
		}
	}
	/* And run a function of the page. */
	if (w && pick_loaded(w, p, &s, &v) && slot_page(s) == pg)
		check_loaded(p, s, v);
}

/* Nothing runs on the pool: INFO and every page must match the model. */
static void op_audit(struct worker *w, struct pool *p)
{
	struct jitseal_pool_info info;
	unsigned long pages = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < PAGES; i++)
		pages += atomic_load(&p->present[i]);
	ret = js_info(p->fd, &info);
	if (ret || info.sealed_bytes != atomic_load(&p->sealed) ||
	    info.pages != pages || info.loads != atomic_load(&p->loads) ||
	    info.retired_pages != p->retired_pages ||
	    info.retires != p->retires)
		fail("INFO: sealed %llu pages %llu loads %llu retired %llu/%llu; model %lu %lu %lu %lu/%lu",
		     info.sealed_bytes, info.pages, info.loads,
		     info.retired_pages, info.retires, atomic_load(&p->sealed),
		     pages, atomic_load(&p->loads), p->retired_pages,
		     p->retires);
	for (i = 0; i < PAGES && !atomic_load(&failed); i++)
		audit_page(w, p, i);
}

/* --- sealed slots (C13) --- */

#define SP_FUNCS	16	/* functions, entry points, 64 bytes apart */
#define SP_VAL		1000	/* function i returns SP_VAL + i */
#define OP_SLOT		10	/* in op_count */

static struct {
	pthread_mutex_t lock;	/* a SET_SLOTS and the check of its result */
	int fd;
	uint8_t *code;
	const _Atomic uint64_t *ro;
} sp = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

static uint64_t sp_func(unsigned int i)
{
	return (uintptr_t)(sp.code + i * SLOT);
}

/* One page of functions, one of slots, slot i starting at function i. */
static int sp_open(void)
{
	static struct jitseal_entry ent[SP_FUNCS];
	static struct jitseal_slot sl[SP_FUNCS];
	static uint8_t code[SP_FUNCS][SLOT];
	static uint64_t init[SP_FUNCS];
	static struct jitseal_segment seg[SP_FUNCS + 1];
	struct jitseal_load ld = { .size = sizeof(ld) };
	unsigned int i;

	sp.fd = js_pool(JS_PAGE, JS_PAGE);
	if (sp.fd < 0)
		return sp.fd;
	sp.code = js_map(sp.fd, JS_PAGE, 0, PROT_READ | PROT_EXEC);
	sp.ro = js_map(sp.fd, JS_PAGE, JS_PAGE, PROT_READ);
	if (!sp.code || !sp.ro)
		return -errno;
	for (i = 0; i < SP_FUNCS; i++) {
		seg[i] = js_seg(code[i], i * SLOT,
				js_emit_ret(code[i], SP_VAL + i), JITSEAL_PROT_RX);
		ent[i].offset = i * SLOT;
		sl[i].offset = JS_PAGE + i * 8;
		init[i] = sp_func(i);
	}
	seg[SP_FUNCS] = js_seg(init, JS_PAGE, sizeof(init), JITSEAL_PROT_R);
	ld.segments = (uintptr_t)seg;
	ld.nr_segments = SP_FUNCS + 1;
	ld.segment_size = sizeof(seg[0]);
	ld.entries = (uintptr_t)ent;
	ld.nr_entries = SP_FUNCS;
	ld.entry_size = sizeof(ent[0]);
	ld.slots = (uintptr_t)sl;
	ld.nr_slots = SP_FUNCS;
	ld.slot_size = sizeof(sl[0]);
	return ioctl(sp.fd, JITSEAL_IOC_LOAD, &ld) ? -errno : 0;
}

static void sp_close(void)
{
	if (sp.ro)
		munmap((void *)sp.ro, JS_PAGE);
	if (sp.code)
		munmap(sp.code, JS_PAGE);
	if (sp.fd >= 0)
		close(sp.fd);
}

/* A slot always holds one of the functions: call it. */
static void sp_call(unsigned int i)
{
	uint64_t v = atomic_load(&sp.ro[i]);
	unsigned int f;
	int ret;

	if (v < sp_func(0) || v > sp_func(SP_FUNCS - 1) ||
	    (v - sp_func(0)) % SLOT) {
		fail("slot %u holds %#" PRIx64 ", no function of the pool", i, v);
		return;
	}
	f = (v - sp_func(0)) / SLOT;
	if (js_guarded_call((void *)(uintptr_t)v, &ret) || ret != (int)(SP_VAL + f))
		fail("slot %u: function %u returned %d", i, f, ret);
}

/*
 * A batch of distinct slots to functions, or with a refused target (the
 * middle of a function, or another pool's code) that changes nothing.
 */
static void sp_set(struct worker *w, struct pool *p)
{
	struct jitseal_slot_update u[8] = {};
	struct jitseal_set_slots a = { .size = sizeof(a),
				       .update_size = sizeof(u[0]) };
	unsigned int n = 1 + below(w, 8), i, bad = below(w, 8) ? n : below(w, n);
	uint64_t before[SP_FUNCS], taken = 0;
	int ret, want;

	for (i = 0; i < n; i++) {
		do
			u[i].slot = JS_PAGE + 8 * below(w, SP_FUNCS);
		while (taken & 1ULL << (u[i].slot / 8 % SP_FUNCS));
		taken |= 1ULL << (u[i].slot / 8 % SP_FUNCS);
		u[i].target = sp_func(below(w, SP_FUNCS));
	}
	if (bad < n)
		u[bad].target = below(w, 2) ? u[bad].target + 1 + below(w, SLOT - 1) :
				(uintptr_t)p->code;
	want = bad < n ? -EADDRNOTAVAIL : 0;
	a.updates = (uintptr_t)u;
	a.nr_updates = n;

	pthread_mutex_lock(&sp.lock);
	for (i = 0; i < SP_FUNCS; i++)
		before[i] = atomic_load(&sp.ro[i]);
	ret = ioctl(sp.fd, JITSEAL_IOC_SET_SLOTS, &a) ? -errno : 0;
	if (ret != want)
		fail("SET_SLOTS of %u: %d, not %d", n, ret, want);
	for (i = 0; i < n && !ret; i++)
		before[(u[i].slot - JS_PAGE) / 8] = u[i].target;
	for (i = 0; i < SP_FUNCS; i++)
		if (atomic_load(&sp.ro[i]) != before[i])
			fail("slot %u holds %#" PRIx64 ", not %#" PRIx64, i,
			     (uint64_t)atomic_load(&sp.ro[i]), before[i]);
	pthread_mutex_unlock(&sp.lock);
}

/* Slots live in the data page and point into the code page: EBUSY. */
static void sp_retire(struct worker *w)
{
	int ret = js_retire(sp.fd, below(w, 2) * JS_PAGE, JS_PAGE);

	if (ret != -EBUSY)
		fail("RETIRE of the slot pool's page: %d, not EBUSY", ret);
}

static void op_slot(struct worker *w, struct pool *p)
{
	unsigned int n = 1 + below(w, 16), i;

	switch (below(w, 8)) {
	case 0:
		sp_retire(w);
		break;
	case 1:
	case 2:
	case 3:
		sp_set(w, p);
		break;
	}
	for (i = 0; i < n; i++)
		sp_call(below(w, SP_FUNCS));
}

/* --- workers --- */

enum {
	OP_LOAD, OP_CALL, OP_FORK, OP_MAP_FD,		/* read side */
	OP_RETIRE, OP_REMAP, OP_REOPEN, OP_AUDIT,	/* write side */
};

static unsigned int pick_op(struct worker *w)
{
	/* Weights out of 100: reads dominate, as in a JIT. */
	static const unsigned char upto[] = { 35, 70, 75, 80, 88, 93, 95, 100 };
	unsigned int r = below(w, 100), op = 0;

	while (r >= upto[op])
		op++;
	return op;
}

static void one_op(struct worker *w)
{
	static void (*const read_ops[])(struct worker *, struct pool *) = {
		op_load, op_call, op_fork, op_map_fd,
	};
	static void (*const write_ops[])(struct worker *, struct pool *) = {
		op_retire, op_remap, op_reopen, op_audit,
	};
	struct pool *p = &pools[below(w, POOLS)];
	unsigned int op = pick_op(w);

	if (!below(w, 10)) {
		/* Another pool's code is a refused target: hold it. */
		pthread_rwlock_rdlock(&p->lock);
		op_slot(w, p);
		pthread_rwlock_unlock(&p->lock);
		atomic_fetch_add(&op_count[OP_SLOT], 1);
		return;
	}
	if (op < OP_RETIRE) {
		pthread_rwlock_rdlock(&p->lock);
		read_ops[op](w, p);
	} else {
		pthread_rwlock_wrlock(&p->lock);
		write_ops[op - OP_RETIRE](w, p);
	}
	pthread_rwlock_unlock(&p->lock);
	atomic_fetch_add(&op_count[op], 1);
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	unsigned long life = 50 + below(w, 2000);

	self = w;
	for (w->ops = 0; w->ops < life && !atomic_load(&stop); w->ops++)
		one_op(w);
	atomic_fetch_add(&op_count[9], 1);
	return NULL;
}

static struct worker *spawn(pthread_t *t, int id)
{
	struct worker *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->id = id;
	w->rng = (opt_seed + 1) * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(id + 1) << 40;
	if (!w->rng)
		w->rng = 1;
	if (pthread_create(t, NULL, worker_run, w)) {
		free(w);
		return NULL;
	}
	return w;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Keep opt_threads workers running until the time is up: a worker that
 * ends is joined and replaced.
 */
static void run_workers(void)
{
	pthread_t tid[MAX_THREADS];
	struct worker *w[MAX_THREADS];
	double end = now() + opt_seconds;
	unsigned int i, live = 0;
	int next_id = 0;

	for (i = 0; i < opt_threads; i++) {
		w[i] = spawn(&tid[i], next_id++);
		live += !!w[i];
	}
	while (live) {
		for (i = 0; i < opt_threads; i++) {
			if (!w[i] || pthread_tryjoin_np(tid[i], NULL))
				continue;
			free(w[i]);
			w[i] = NULL;
			live--;
			if (now() < end && !atomic_load(&stop)) {
				w[i] = spawn(&tid[i], next_id++);
				live += !!w[i];
			}
		}
		if (now() >= end)
			atomic_store(&stop, true);
		usleep(2000);
	}
}

/* The worker process: pools, threads, a last audit, everything closed. */
static int worker_main(const char *cg)
{
	unsigned int i;

	if (cg && js_cg_write(cg, "cgroup.procs", "0")) {
		printf("# cannot join %s\n", cg);
		return 1;
	}
	js_guard_signals();
	for (i = 0; i < POOLS; i++) {
		pthread_rwlock_init(&pools[i].lock, NULL);
		if (open_pool(&pools[i]))
			return 1;
	}
	if (sp_open()) {
		printf("# slot pool: %s\n", strerror(errno));
		return 1;
	}
	run_workers();
	sp_close();
	for (i = 0; i < POOLS; i++) {
		if (!atomic_load(&failed))
			op_audit(NULL, &pools[i]);
		unmap_pool(&pools[i]);
		close(pools[i].fd);
	}
	for (i = 0; i < ARRAY_SIZE(op_count); i++)
		printf("# %-8s %lu\n", op_names[i],
		       (unsigned long)atomic_load(&op_count[i]));
	return atomic_load(&failed) ? 1 : 0;
}

/* --- the parent: counters, memcg, per-user charges, rmmod --- */

static const char *const counters[] = { "pools", "sealed_bytes", "pages" };

/* The last references go as the worker exits; give them a moment. */
static bool counters_back(const uint64_t *start, uint64_t *end)
{
	bool same = false;
	int tries, i;

	for (tries = 0; tries < 100 && !same; tries++) {
		if (tries)
			usleep(20000);
		same = true;
		for (i = 0; i < 3; i++) {
			end[i] = js_stat(counters[i]);
			same &= end[i] == start[i];
		}
	}
	return same;
}

/* A cgroup with the memory controller for the worker, or NULL. */
static const char *make_cgroup(char *cg, size_t size, bool *enabled)
{
	char buf[256];

	*enabled = false;
	if (js_cg_read(CG_ROOT, "cgroup.controllers", buf, sizeof(buf)) ||
	    !strstr(buf, "memory") ||
	    js_cg_read(CG_ROOT, "cgroup.subtree_control", buf, sizeof(buf)))
		return NULL;
	if (!strstr(buf, "memory")) {
		if (js_cg_write(CG_ROOT, "cgroup.subtree_control", "+memory"))
			return NULL;
		*enabled = true;
	}
	snprintf(cg, size, CG_ROOT "/jitseal-stress-%d", getpid());
	return mkdir(cg, 0755) ? NULL : cg;
}

static uint64_t cg_current(const char *cg)
{
	char buf[32];

	if (js_cg_read(cg, "memory.current", buf, sizeof(buf)))
		return UINT64_MAX;
	return strtoull(buf, NULL, 10);
}

/*
 * memory.current of the empty cgroup once the charge caches are drained
 * (a memory.high write below the usage drains them) and RCU-freed
 * objects are gone: what is still charged was leaked.
 */
static uint64_t cg_settled(const char *cg)
{
	uint64_t cur = UINT64_MAX;
	int tries;

	for (tries = 0; tries < 60 && cur > CG_SLACK / 2; tries++) {
		js_cg_write(cg, "memory.high", "0");
		usleep(50000);
		cur = cg_current(cg);
	}
	js_cg_write(cg, "memory.high", "max");
	return cur;
}

static int run_worker(const char *cg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(worker_main(cg));
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (!WIFEXITED(status)) {
		printf("# the worker died of signal %d\n",
		       WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		return -1;
	}
	return WEXITSTATUS(status);
}

static void result(int n, bool ok, const char *what)
{
	printf("%sok %d %s\n", ok ? "" : "not ", n, what);
	if (!ok)
		atomic_store(&failed, true);
}

static void check_rmmod(int n)
{
	int ret;

	if (!opt_rmmod) {
		printf("ok %d rmmod and reload # SKIP no --rmmod\n", n);
		return;
	}
	ret = js_module_unload("jitseal");
	if (ret) {
		printf("# rmmod jitseal: %s\n", strerror(-ret));
	} else {
		ret = js_module_load(opt_rmmod);
		if (ret)
			printf("# insmod %s: %s\n", opt_rmmod, strerror(-ret));
	}
	result(n, !ret, "rmmod jitseal succeeds and the module loads again");
}

static int parse(int argc, char **argv)
{
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seed"))
			opt_seed = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seconds"))
			opt_seconds = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--threads"))
			opt_threads = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--rmmod"))
			opt_rmmod = argv[i + 1];
		else
			break;
	}
	if (i != argc || !opt_threads || opt_threads > MAX_THREADS ||
	    !opt_seconds) {
		fprintf(stderr, "usage: stress [--seconds S] [--threads N (1-%d)] [--seed X] [--rmmod KO]\n",
			MAX_THREADS);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t start[3], end[3], leaked = 0;
	const char *cg;
	char cgbuf[96];
	bool enabled;
	double t0;
	int i, ret;

	if (parse(argc, argv))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..5\n");
	printf("# stress --seed %" PRIu64 " --seconds %u --threads %u\n",
	       opt_seed, opt_seconds, opt_threads);
	for (i = 0; i < 3; i++)
		start[i] = js_stat(counters[i]);
	if (start[0] == UINT64_MAX) {
		printf("Bail out! no %s\n", JS_SYSFS);
		return 1;
	}
	cg = make_cgroup(cgbuf, sizeof(cgbuf), &enabled);
	t0 = now();
	ret = run_worker(cg);
	printf("# %.1f s\n", now() - t0);
	result(1, ret == 0, "every operation matched the model");

	ret = counters_back(start, end);
	for (i = 0; i < 3 && !ret; i++)
		printf("# %s: %" PRIu64 " at the start, %" PRIu64 " now\n",
		       counters[i], start[i], end[i]);
	result(2, ret, "pools, sealed_bytes and pages back to their start");

	if (cg) {
		leaked = cg_settled(cg);
		printf("# memory.current of the worker's cgroup after it exited: %" PRIu64 "\n",
		       leaked);
		result(3, leaked <= CG_SLACK, "memory cgroup usage back to zero");
		while (rmdir(cg) && errno == EBUSY)
			usleep(100000);
		if (enabled)
			js_cg_write(CG_ROOT, "cgroup.subtree_control", "-memory");
	} else {
		printf("ok 3 memory cgroup usage # SKIP no cgroup v2 memory controller\n");
	}

	if (start[0]) {
		printf("ok 4 per-user charges # SKIP %" PRIu64 " pools were open at the start\n",
		       start[0]);
	} else {
		ret = js_user_uncharged();
		if (ret)
			printf("# quota probe: %s\n", strerror(-ret));
		result(4, !ret, "the user's pool and byte charges back to zero");
	}
	check_rmmod(5);
	if (atomic_load(&failed))
		printf("# replay: stress --seed %" PRIu64 " --seconds %u --threads %u\n",
		       opt_seed, opt_seconds, opt_threads);
	return atomic_load(&failed) ? 1 : 0;
}
