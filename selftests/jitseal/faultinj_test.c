// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection (C4, C5, C9): every allocation and every user copy of
 * SETUP, LOAD (small and large batches, fresh and live pages, with and
 * without digests, with entry points and slots), SET_SLOTS, MAP_FD, mmap,
 * RETIRE and the policy writes fails in turn.  Needs a kernel with FAILSLAB, FAIL_PAGE_ALLOC,
 * FAULT_INJECTION_USERCOPY and their debugfs files (the debug kernel of
 * make check-debug); SKIPs otherwise.
 *
 * The sweep uses the per-task nth-failure interface: write N to
 * /proc/thread-self/fail-nth, make the one call, read it back.  0 means
 * the Nth fault point of the call failed; non-zero means the call has
 * fewer than N points and the sweep is done (that last call must then
 * succeed).  debugfs is set up so that GFP_KERNEL allocations of any
 * order and every copy from or to user memory are fault points, and only
 * fail-nth fires them (probability 0): only this thread fails.
 *
 * After each injected failure the call gave an errno it documents
 * (Documentation/userspace-api/jitseal.rst), the pool is exactly as
 * before (INFO, and every page of it read back through its mappings:
 * the same bytes, traps where nothing was loaded, SIGBUS where no page
 * is), so are the sysfs statistics, the caller's fds and mappings, and the
 * per-user charges (the loads run with max_user_bytes set to exactly what
 * they need, SETUP with max_user_pools at 1: a charge left behind would
 * refuse the retry), and the same call without injection then succeeds
 * with its whole effect.  A call that succeeds despite a failed point
 * (an allocation with a fallback) must have its whole effect too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sha256.h"
#include "util.h"

#define CODE_PAGES	4
#define RO_PAGES	1
#define PAGES		(CODE_PAGES + RO_PAGES)
#define CODE_BYTES	(CODE_PAGES * JS_PAGE)
#define RO_BYTES	(RO_PAGES * JS_PAGE)
#define MAX_POINTS	5000
#define MAX_SEGS	48
#define DEBUGFS		"/sys/kernel/debug"
#define FAIL_NTH	"/proc/thread-self/fail-nth"

/* Everything a failed call must leave as it was. */
struct state {
	struct jitseal_pool_info info;
	bool present[PAGES];
	uint8_t bytes[PAGES][JS_PAGE];
	uint64_t stats[6];
	unsigned int fds, maps;
	char knob[32];
};

static const char *const stat_names[6] = {
	"pools", "sealed_bytes", "pages", "loads", "retired_pages",
	"retired_bytes",
};

struct fi_case;

FIXTURE(fi) {
	int nth;
	const struct fi_case *c;
	/* The pool under test, its mappings (NULL: not mapped). */
	int fd;
	uint8_t *code;
	const uint8_t *ro;
	/* LOAD */
	struct jitseal_segment seg[MAX_SEGS];
	unsigned int nr;
	uint32_t flags;
	uint8_t src[3 * JS_PAGE];
	uint8_t digests[MAX_SEGS][JITSEAL_DIGEST_SIZE];
	/* what a call made: an fd, a mapping */
	long made;
	/* knob writes */
	const char *knob;
	int knob_fd;
	char old[32], new[32];
	struct state before, want, now;
	/* Tallies of one sweep. */
	unsigned int points, nomem, fault, survived;
	char saved[32][40];
	char saved_knobs[7][32];
	bool configured;
	char why[160];	/* not configured: what is missing */
};

/*
 * The 6.1 harness runs the test after a SKIP() in FIXTURE_SETUP: each
 * test starts with this.
 */
#define NEED_FAULT_INJECTION() do {					\
		if (!self->configured)					\
			SKIP(return, "%s", self->why);			\
	} while (0)

struct fi_case {
	const char *name;
	const int *errnos;
	/* Builds the state before the call, without injection. */
	void (*prepare)(struct __test_metadata *_metadata,
			FIXTURE_DATA(fi) *self);
	/* The one call: >= 0 or -errno. */
	long (*call)(FIXTURE_DATA(fi) *self);
	/*
	 * What the state must be after the call succeeded (and checks of
	 * what the state does not show).
	 */
	void (*expect)(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fi) *self, struct state *want);
	/* Undoes prepare and the call. */
	void (*cleanup)(FIXTURE_DATA(fi) *self);
};

/* --- debugfs fault attributes --- */

static const char *const fi_attrs[] = {
	"failslab/probability", "failslab/verbose",
	"failslab/ignore-gfp-wait", "failslab/cache-filter",
	"fail_page_alloc/probability", "fail_page_alloc/verbose",
	"fail_page_alloc/ignore-gfp-wait", "fail_page_alloc/ignore-gfp-highmem",
	"fail_page_alloc/min-order",
	"fail_usercopy/probability", "fail_usercopy/verbose",
};

/*
 * Probability 0: only fail-nth fires.  verbose 0: a forced failure
 * prints nothing (at 2, the default, it dumps a stack, which tools/vm-run
 * would take for a splat); JITSEAL_FI_VERBOSE=1 prints one line each.
 */
static const char *fi_value(const char *attr)
{
	const char *v = getenv("JITSEAL_FI_VERBOSE");

	if (strstr(attr, "verbose"))
		return v && !strcmp(v, "1") ? "1" : "0";
	if (strstr(attr, "probability") || strstr(attr, "min-order"))
		return "0";
	return "N";	/* ignore-gfp-wait, ignore-gfp-highmem, cache-filter */
}

static int fi_attr(const char *attr, char *old, size_t size, const char *val)
{
	char path[128];
	int ret;

	snprintf(path, sizeof(path), DEBUGFS "/%s", attr);
	if (old) {
		ret = js_read_file(path, old, size);
		if (ret)
			return ret;
		old[strcspn(old, "\n")] = 0;
	}
	return js_write_file(path, val);
}

static const char *const knobs[] = {
	"max_pool_bytes", "max_user_bytes", "max_user_pools", "allowed_gid",
	"audit", "retire", "slots",
};

FIXTURE_SETUP(fi)
{
	unsigned int i;
	int ret;

	self->fd = self->knob_fd = -1;
	self->configured = false;
	self->nth = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	if (self->nth < 0) {
		snprintf(self->why, sizeof(self->why),
			 "no %s (CONFIG_FAULT_INJECTION)", FAIL_NTH);
		SKIP(return, "%s", self->why);
	}
	for (i = 0; i < ARRAY_SIZE(fi_attrs); i++) {
		ret = fi_attr(fi_attrs[i], self->saved[i],
			      sizeof(self->saved[i]), fi_value(fi_attrs[i]));
		if (ret == -ENOENT) {
			snprintf(self->why, sizeof(self->why),
				 "no %s/%s (FAILSLAB, FAIL_PAGE_ALLOC, FAULT_INJECTION_USERCOPY, FAULT_INJECTION_DEBUG_FS)",
				 DEBUGFS, fi_attrs[i]);
			SKIP(return, "%s", self->why);
		}
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", fi_attrs[i], strerror(-ret));
	}
	for (i = 0; i < ARRAY_SIZE(knobs); i++)
		ASSERT_EQ(0, js_sysfs_read(knobs[i], self->saved_knobs[i],
					   sizeof(self->saved_knobs[i])));
	self->configured = true;
	js_guard_signals();
}

FIXTURE_TEARDOWN(fi)
{
	unsigned int i;

	if (self->nth < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(knobs) && self->configured; i++)
		js_sysfs_write(knobs[i], self->saved_knobs[i]);
	for (i = 0; i < ARRAY_SIZE(fi_attrs) && self->saved[i][0]; i++)
		fi_attr(fi_attrs[i], NULL, 0, self->saved[i]);
	close(self->nth);
}

/* --- the state --- */

static unsigned int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	if (!d)
		return 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static unsigned int count_maps(void)
{
	char line[512];
	unsigned int n = 0;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, JITSEAL_DEVICE);
	fclose(f);
	return n;
}

static void snapshot(FIXTURE_DATA(fi) *self, struct state *s)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	if (self->fd >= 0)
		js_info(self->fd, &s->info);
	for (i = 0; i < PAGES && self->code; i++) {
		const uint8_t *p = i < CODE_PAGES ? self->code + i * JS_PAGE :
				   self->ro + (i - CODE_PAGES) * JS_PAGE;

		s->present[i] = !js_guarded_read(p, s->bytes[i], JS_PAGE);
		if (!s->present[i])
			memset(s->bytes[i], 0, JS_PAGE);
	}
	for (i = 0; i < ARRAY_SIZE(stat_names); i++)
		s->stats[i] = js_stat(stat_names[i]);
	s->fds = count_fds();
	s->maps = count_maps();
	if (self->knob)
		js_sysfs_read(self->knob, s->knob, sizeof(s->knob));
}

/* @what differs from @want: TH_LOG each difference, false if any. */
static bool same_state(struct __test_metadata *_metadata,
		       const struct state *want, const struct state *s,
		       const char *what)
{
	bool same = true;
	unsigned int i;

#define SAME(field, fmt) do {						\
		if (want->field != s->field) {				\
			TH_LOG("%s: " #field " " fmt ", want " fmt, what,	\
			       s->field, want->field);			\
			same = false;					\
		}							\
	} while (0)
	SAME(info.flags, "%u");
	SAME(info.code_bytes, "%llu");
	SAME(info.rodata_bytes, "%llu");
	SAME(info.sealed_bytes, "%llu");
	SAME(info.pages, "%llu");
	SAME(info.loads, "%llu");
	SAME(info.retired_pages, "%llu");
	SAME(info.retires, "%llu");
	SAME(info.slots, "%llu");
	SAME(info.entries, "%llu");
	SAME(info.slot_updates, "%llu");
	SAME(info.slot_refusals, "%llu");
	SAME(fds, "%u");
	SAME(maps, "%u");
	for (i = 0; i < ARRAY_SIZE(stat_names); i++)
		SAME(stats[i], "%lu");
	for (i = 0; i < PAGES; i++) {
		SAME(present[i], "%d");
		if (memcmp(want->bytes[i], s->bytes[i], JS_PAGE)) {
			TH_LOG("%s: bytes of page %u differ", what, i);
			same = false;
		}
	}
#undef SAME
	if (want->info.pool_id && want->info.pool_id != s->info.pool_id) {
		TH_LOG("%s: another pool id", what);
		same = false;
	}
	if (strcmp(want->knob, s->knob)) {
		TH_LOG("%s: knob reads %s, want %s", what, s->knob, want->knob);
		same = false;
	}
	return same;
}

/* --- the sweep --- */

/* Make @call with its @n-th fault point failing; *@hit: it did. */
static long nth_call(struct __test_metadata *_metadata,
		     FIXTURE_DATA(fi) *self, unsigned int n, bool *hit)
{
	char buf[16];
	long ret;
	ssize_t len;
	int tries;

	len = snprintf(buf, sizeof(buf), "%u", n);
	ASSERT_EQ(len, pwrite(self->nth, buf, len, 0));
	ret = self->c->call(self);
	/*
	 * The read copies out the count left: its own copy is a fault
	 * point, which fails (EFAULT) exactly when one was left.
	 */
	len = pread(self->nth, buf, sizeof(buf) - 1, 0);
	*hit = len > 0 && (buf[len] = 0, strtoul(buf, NULL, 10) == 0);
	/* Reset; a count left over may fail this write once. */
	for (tries = 0; tries < 3 && pwrite(self->nth, "0", 1, 0) != 1; tries++)
		;
	return ret;
}

static bool allowed(const int *errnos, long ret)
{
	for (; *errnos; errnos++)
		if (-ret == *errnos)
			return true;
	return false;
}

/* The call succeeded: everything it does must be there. */
static void check_done(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fi) *self, unsigned int n, const char *how)
{
	char what[96];

	snprintf(what, sizeof(what), "%s, point %u, %s", self->c->name, n, how);
	self->want = self->before;
	self->c->expect(_metadata, self, &self->want);
	snapshot(self, &self->now);
	/* Fds and mappings the call made are undone by cleanup. */
	EXPECT_TRUE(same_state(_metadata, &self->want, &self->now, what));
}

/* Returns false when the call had fewer than @n fault points. */
static bool sweep_one(struct __test_metadata *_metadata,
		      FIXTURE_DATA(fi) *self, unsigned int n)
{
	char what[96];
	bool hit;
	long ret;

	self->made = -1;
	self->c->prepare(_metadata, self);
	snapshot(self, &self->before);
	ret = nth_call(_metadata, self, n, &hit);
	if (!hit) {
		EXPECT_LE(0, ret) TH_LOG("%s without injection: %s",
					 self->c->name, strerror(-ret));
		if (ret >= 0) {
			self->made = ret;
			check_done(_metadata, self, n, "no injection");
		}
		self->c->cleanup(self);
		return false;
	}
	if (ret >= 0) {
		/* A fallback absorbed it: the effect must be whole. */
		self->survived++;
		self->made = ret;
		check_done(_metadata, self, n, "succeeded despite it");
		self->c->cleanup(self);
		return true;
	}
	self->nomem += ret == -ENOMEM;
	self->fault += ret == -EFAULT;
	EXPECT_TRUE(allowed(self->c->errnos, ret))
		TH_LOG("%s, point %u: %s, not a documented errno",
		       self->c->name, n, strerror(-ret));
	snprintf(what, sizeof(what), "%s, point %u failed (%s)",
		 self->c->name, n, strerror(-ret));
	snapshot(self, &self->now);
	EXPECT_TRUE(same_state(_metadata, &self->before, &self->now, what));
	/* The same call without injection works, and fully. */
	ret = self->c->call(self);
	EXPECT_LE(0, ret) TH_LOG("%s after point %u failed: %s",
				 self->c->name, n, strerror(-ret));
	if (ret >= 0) {
		self->made = ret;
		check_done(_metadata, self, n, "retried");
	}
	self->c->cleanup(self);
	return true;
}

static void sweep(struct __test_metadata *_metadata, FIXTURE_DATA(fi) *self,
		  const struct fi_case *c)
{
	unsigned int n;

	self->c = c;
	self->points = self->nomem = self->fault = self->survived = 0;
	for (n = 1; n <= MAX_POINTS && _metadata->passed; n++) {
		if (!sweep_one(_metadata, self, n))
			break;
		self->points = n;
	}
	TH_LOG("%s: %u fault points: %u ENOMEM, %u EFAULT, %u succeeded anyway",
	       c->name, self->points, self->nomem, self->fault,
	       self->survived);
	EXPECT_LT(0, self->points);
	EXPECT_GE(MAX_POINTS, self->points);
}

/* --- pools --- */

static void close_pool(FIXTURE_DATA(fi) *self)
{
	if (self->code)
		munmap(self->code, CODE_BYTES);
	if (self->ro)
		munmap((void *)self->ro, RO_BYTES);
	if (self->fd >= 0)
		close(self->fd);
	self->code = NULL;
	self->ro = NULL;
	self->fd = -1;
}

static void make_pool(struct __test_metadata *_metadata,
		      FIXTURE_DATA(fi) *self)
{
	self->fd = js_pool(CODE_BYTES, RO_BYTES);
	ASSERT_LE(0, self->fd) TH_LOG("pool: %s", strerror(-self->fd));
	self->code = js_map(self->fd, CODE_BYTES, 0, PROT_READ | PROT_EXEC);
	self->ro = js_map(self->fd, RO_BYTES, CODE_BYTES, PROT_READ);
	ASSERT_NE(NULL, self->code);
	ASSERT_NE(NULL, self->ro);
}

static void set_knob(struct __test_metadata *_metadata, const char *knob,
		     uint64_t val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)val);
	ASSERT_EQ(0, js_sysfs_write(knob, buf)) TH_LOG("%s %s", knob, buf);
}

static const int err_alloc_copy[] = { ENOMEM, EFAULT, 0 };

/* --- SETUP --- */

static void setup_prepare(struct __test_metadata *_metadata,
			  FIXTURE_DATA(fi) *self)
{
	self->fd = js_open();
	ASSERT_LE(0, self->fd);
}

static long setup_call(FIXTURE_DATA(fi) *self)
{
	return js_setup(self->fd, CODE_BYTES, RO_BYTES);
}

static void setup_expect(struct __test_metadata *_metadata,
			FIXTURE_DATA(fi) *self, struct state *want)
{
	(void)_metadata;
	(void)self;
	want->info.flags = JITSEAL_INFO_READY;
	want->info.code_bytes = CODE_BYTES;
	want->info.rodata_bytes = RO_BYTES;
	want->stats[0]++;
}

static const struct fi_case setup_case = {
	"SETUP", err_alloc_copy, setup_prepare, setup_call, setup_expect,
	close_pool,
};

TEST_F_TIMEOUT(fi, setup_pool, 600)
{
	NEED_FAULT_INJECTION();
	sweep(_metadata, self, &setup_case);
}

/*
 * At the limits: room for exactly this pool and one pool of the user.
 * A failed SETUP that kept its pool charge would make the retry EDQUOT.
 */
TEST_F_TIMEOUT(fi, setup_at_policy_limits, 600)
{
	NEED_FAULT_INJECTION();
	ASSERT_EQ(0, js_stat("pools"));
	set_knob(_metadata, "max_user_pools", 1);
	set_knob(_metadata, "max_pool_bytes", CODE_BYTES + RO_BYTES);
	sweep(_metadata, self, &setup_case);
}

/* --- LOAD --- */

/* Add a segment of @len bytes at @offset: functions returning @val. */
static void add_seg(FIXTURE_DATA(fi) *self, uint64_t offset, uint64_t len,
		    size_t *used)
{
	uint8_t *src = self->src + *used;
	uint64_t i;

	js_fill_ret(src, len);
	for (i = 0; i + JS_RET_LEN <= len; i += 16)
		js_emit_ret(src + i, (uint32_t)(offset + i));
	self->seg[self->nr++] = js_seg(src, offset, len,
				       offset < CODE_BYTES ? JITSEAL_PROT_RX :
							     JITSEAL_PROT_R);
	*used += len;
}

static uint64_t batch_bytes(FIXTURE_DATA(fi) *self)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < self->nr; i++)
		n += self->seg[i].len;
	return n;
}

/*
 * A fresh pool with a function at offset 0 (page 0 is live), and
 * max_user_bytes at exactly what the batch needs on top of what is
 * sealed: a failed LOAD that kept its charge would refuse the retry.
 */
static void load_prepare(struct __test_metadata *_metadata,
			 FIXTURE_DATA(fi) *self)
{
	make_pool(_metadata, self);
	ASSERT_EQ(0, js_load_ret(self->fd, 0, 7));
	set_knob(_metadata, "max_user_bytes",
		 js_stat("sealed_bytes") + batch_bytes(self));
}

static long load_call(FIXTURE_DATA(fi) *self)
{
	return js_load(self->fd, self->seg, self->nr, self->flags,
		       self->flags ? self->digests : NULL);
}

static void load_expect(struct __test_metadata *_metadata,
			FIXTURE_DATA(fi) *self, struct state *want)
{
	uint64_t added = 0;
	unsigned int i;

	for (i = 0; i < self->nr; i++) {
		const struct jitseal_segment *s = &self->seg[i];
		uint64_t off;

		for (off = s->offset; off < s->offset + s->len; off++) {
			unsigned int pg = off / JS_PAGE;

			if (!want->present[pg]) {
				want->present[pg] = true;
				js_arch_fill_at(want->bytes[pg], 0, JS_PAGE,
						JS_ARCH_TRAP_INSN);
				added++;
			}
			want->bytes[pg][off % JS_PAGE] =
				((const uint8_t *)(uintptr_t)s->src)[off - s->offset];
		}
	}
	want->info.sealed_bytes += batch_bytes(self);
	want->info.pages += added;
	want->info.loads++;
	want->stats[1] += batch_bytes(self);
	want->stats[2] += added;
	want->stats[3]++;
	/* Digests of a successful load are those of the staged bytes. */
	for (i = 0; self->flags && i < self->nr; i++) {
		uint8_t d[JITSEAL_DIGEST_SIZE];

		js_sha256((const void *)(uintptr_t)self->seg[i].src,
			  self->seg[i].len, d);
		EXPECT_EQ(0, memcmp(d, self->digests[i], sizeof(d)))
			TH_LOG("digest of segment %u", i);
	}
}

static const struct fi_case load_case = {
	"LOAD", err_alloc_copy, load_prepare, load_call, load_expect,
	close_pool,
};

/* A LOAD sweep must reach the copies: the EFAULT of copy_from_user. */
static void sweep_load(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fi) *self, uint32_t flags)
{
	self->flags = flags;
	sweep(_metadata, self, &load_case);
	EXPECT_LT(0, self->fault);
	EXPECT_LT(0, self->nomem + self->survived);
}

TEST_F_TIMEOUT(fi, load_small_fresh_page, 600)
{
	size_t used = 0;

	NEED_FAULT_INJECTION();
	add_seg(self, JS_PAGE + 64, JS_RET_LEN, &used);
	sweep_load(_metadata, self, 0);
}

TEST_F_TIMEOUT(fi, load_small_fresh_page_digest, 600)
{
	size_t used = 0;

	NEED_FAULT_INJECTION();
	add_seg(self, JS_PAGE + 64, JS_RET_LEN, &used);
	sweep_load(_metadata, self, JITSEAL_LOAD_DIGEST);
}

TEST_F_TIMEOUT(fi, load_small_live_tail_digest, 600)
{
	size_t used = 0;

	NEED_FAULT_INJECTION();
	add_seg(self, 64, JS_RET_LEN, &used);
	add_seg(self, 200, 40, &used);
	sweep_load(_metadata, self, JITSEAL_LOAD_DIGEST);
}

/*
 * 40 segments: beyond the on-stack arrays of a small batch, 600 bytes
 * into the live page (beyond the on-stack bounce buffer), fresh code
 * pages with a segment across their boundary, and read-only data.
 */
static void large_batch(FIXTURE_DATA(fi) *self)
{
	size_t used = 0;
	unsigned int i;

	for (i = 0; i < 10; i++)
		add_seg(self, 64 + i * 100, 60, &used);
	for (i = 0; i < 19; i++)
		add_seg(self, JS_PAGE + i * 200, 100, &used);
	add_seg(self, 2 * JS_PAGE - 50, 100, &used);
	for (i = 0; i < 10; i++)
		add_seg(self, CODE_BYTES + i * 64, 32, &used);
}

TEST_F_TIMEOUT(fi, load_large_batch_digest, 900)
{
	NEED_FAULT_INJECTION();
	large_batch(self);
	sweep_load(_metadata, self, JITSEAL_LOAD_DIGEST);
}

TEST_F_TIMEOUT(fi, load_large_batch, 900)
{
	NEED_FAULT_INJECTION();
	large_batch(self);
	sweep_load(_metadata, self, 0);
}

/* --- LOAD with entry points and slots, SET_SLOTS (C13) --- */

#define FI_SLOTS	6	/* beyond SET_SLOTS's on-stack updates */

static struct jitseal_entry fi_ent[2];
static struct jitseal_slot fi_slot[FI_SLOTS];
static uint64_t fi_words[FI_SLOTS];

static uint64_t fi_func(FIXTURE_DATA(fi) *self, unsigned int i)
{
	return (uintptr_t)(self->code + (i & 1 ? JS_PAGE + 64 : 64));
}

/*
 * Functions at 64 (the live page) and JS_PAGE + 64 (a fresh one), both
 * entry points; FI_SLOTS slots in the fresh data page.
 */
static void decl_batch(FIXTURE_DATA(fi) *self)
{
	size_t used = 0;
	unsigned int i;

	self->nr = 0;
	add_seg(self, 64, JS_RET_LEN, &used);
	add_seg(self, JS_PAGE + 64, JS_RET_LEN, &used);
	self->seg[self->nr++] = js_seg(fi_words, CODE_BYTES + 64,
				       sizeof(fi_words), JITSEAL_PROT_R);
	fi_ent[0].offset = 64;
	fi_ent[1].offset = JS_PAGE + 64;
	for (i = 0; i < FI_SLOTS; i++)
		fi_slot[i].offset = CODE_BYTES + 64 + 8 * i;
}

/* As load_prepare; slot i starts at function i % 2. */
static void load_decl_prepare(struct __test_metadata *_metadata,
			      FIXTURE_DATA(fi) *self)
{
	unsigned int i;

	load_prepare(_metadata, self);
	for (i = 0; i < FI_SLOTS; i++)
		fi_words[i] = fi_func(self, i);
}

static long load_decl_call(FIXTURE_DATA(fi) *self)
{
	struct jitseal_load a = {
		.size = sizeof(a),
		.segments = (uintptr_t)self->seg,
		.nr_segments = self->nr,
		.segment_size = sizeof(self->seg[0]),
		.entries = (uintptr_t)fi_ent,
		.nr_entries = ARRAY_SIZE(fi_ent),
		.entry_size = sizeof(fi_ent[0]),
		.slots = (uintptr_t)fi_slot,
		.nr_slots = FI_SLOTS,
		.slot_size = sizeof(fi_slot[0]),
	};

	return ioctl(self->fd, JITSEAL_IOC_LOAD, &a) ? -errno : 0;
}

static void load_decl_expect(struct __test_metadata *_metadata,
			     FIXTURE_DATA(fi) *self, struct state *want)
{
	load_expect(_metadata, self, want);
	want->info.entries += ARRAY_SIZE(fi_ent);
	want->info.slots += FI_SLOTS;
}

static const struct fi_case load_decl_case = {
	"LOAD with slots", err_alloc_copy, load_decl_prepare, load_decl_call,
	load_decl_expect, close_pool,
};

TEST_F_TIMEOUT(fi, load_with_entry_points_and_slots, 600)
{
	NEED_FAULT_INJECTION();
	decl_batch(self);
	self->flags = 0;
	sweep(_metadata, self, &load_decl_case);
	EXPECT_LT(0, self->fault);
}

/* The pool of load_with_entry_points_and_slots, loaded. */
static void set_slots_prepare(struct __test_metadata *_metadata,
			      FIXTURE_DATA(fi) *self)
{
	decl_batch(self);
	load_decl_prepare(_metadata, self);
	ASSERT_EQ(0, load_decl_call(self));
}

/* Every slot to the other function. */
static long set_slots_call(FIXTURE_DATA(fi) *self)
{
	struct jitseal_slot_update u[FI_SLOTS] = {};
	struct jitseal_set_slots a = {
		.size = sizeof(a),
		.updates = (uintptr_t)u,
		.nr_updates = FI_SLOTS,
		.update_size = sizeof(u[0]),
	};
	unsigned int i;

	for (i = 0; i < FI_SLOTS; i++) {
		u[i].slot = fi_slot[i].offset;
		u[i].target = fi_func(self, i + 1);
	}
	return ioctl(self->fd, JITSEAL_IOC_SET_SLOTS, &a) ? -errno : 0;
}

static void set_slots_expect(struct __test_metadata *_metadata,
			     FIXTURE_DATA(fi) *self, struct state *want)
{
	unsigned int i;
	uint64_t t;

	(void)_metadata;
	for (i = 0; i < FI_SLOTS; i++) {
		t = fi_func(self, i + 1);
		memcpy(&want->bytes[CODE_PAGES][64 + 8 * i], &t, sizeof(t));
	}
	want->info.slot_updates += FI_SLOTS;
}

static const struct fi_case set_slots_case = {
	"SET_SLOTS", err_alloc_copy, set_slots_prepare, set_slots_call,
	set_slots_expect, close_pool,
};

TEST_F_TIMEOUT(fi, set_slots, 600)
{
	NEED_FAULT_INJECTION();
	sweep(_metadata, self, &set_slots_case);
	EXPECT_LT(0, self->fault);
	EXPECT_LT(0, self->nomem);
}

/* --- MAP_FD and mmap --- */

static void loaded_prepare(struct __test_metadata *_metadata,
			   FIXTURE_DATA(fi) *self)
{
	make_pool(_metadata, self);
	ASSERT_EQ(0, js_load_ret(self->fd, 0, 7));
}

static long map_fd_call(FIXTURE_DATA(fi) *self)
{
	return js_map_fd(self->fd, JITSEAL_MAP_FD_CLOEXEC);
}

static void map_fd_expect(struct __test_metadata *_metadata,
			FIXTURE_DATA(fi) *self, struct state *want)
{
	struct jitseal_pool_info info;

	want->fds++;
	/* The new fd is map-only on the same pool. */
	ASSERT_EQ(0, js_info(self->made, &info));
	EXPECT_EQ(want->info.pool_id, info.pool_id);
	EXPECT_TRUE(info.flags & JITSEAL_INFO_MAP_ONLY);
}

static void map_fd_cleanup(FIXTURE_DATA(fi) *self)
{
	if (self->made >= 0)
		close(self->made);
	close_pool(self);
}

static const struct fi_case map_fd_case = {
	"MAP_FD", err_alloc_copy, loaded_prepare, map_fd_call, map_fd_expect,
	map_fd_cleanup,
};

TEST_F_TIMEOUT(fi, map_fd, 600)
{
	NEED_FAULT_INJECTION();
	sweep(_metadata, self, &map_fd_case);
}

static uint8_t *mapped;

static long mmap_call(FIXTURE_DATA(fi) *self)
{
	mapped = mmap(NULL, CODE_BYTES, PROT_READ | PROT_EXEC, MAP_SHARED,
		      self->fd, 0);
	return mapped == MAP_FAILED ? -errno : 0;
}

static void mmap_expect(struct __test_metadata *_metadata,
			FIXTURE_DATA(fi) *self, struct state *want)
{
	int ret = 0;

	(void)self;
	want->maps++;
	/* The new mapping runs the code. */
	EXPECT_EQ(0, js_guarded_call(mapped, &ret));
	EXPECT_EQ(7, ret);
}

static void mmap_cleanup(FIXTURE_DATA(fi) *self)
{
	if (self->made >= 0)
		munmap(mapped, CODE_BYTES);
	close_pool(self);
}

static const int err_mmap[] = { ENOMEM, 0 };

static const struct fi_case mmap_case = {
	"mmap", err_mmap, loaded_prepare, mmap_call, mmap_expect,
	mmap_cleanup,
};

TEST_F_TIMEOUT(fi, mmap, 600)
{
	NEED_FAULT_INJECTION();
	sweep(_metadata, self, &mmap_case);
}

/* --- RETIRE --- */

static uint64_t retire_offset;

/* Three pages sealed as one range. */
static void retire_prepare(struct __test_metadata *_metadata,
			   FIXTURE_DATA(fi) *self)
{
	struct jitseal_segment s;

	make_pool(_metadata, self);
	js_fill_ret(self->src, sizeof(self->src));
	s = js_seg(self->src, 0, 3 * JS_PAGE, JITSEAL_PROT_RX);
	ASSERT_EQ(0, js_load(self->fd, &s, 1, 0, NULL));
}

static long retire_call(FIXTURE_DATA(fi) *self)
{
	return js_retire(self->fd, retire_offset, JS_PAGE);
}

static void retire_expect(struct __test_metadata *_metadata,
			FIXTURE_DATA(fi) *self, struct state *want)
{
	(void)_metadata;
	unsigned int pg = retire_offset / JS_PAGE;

	(void)self;
	want->present[pg] = false;
	memset(want->bytes[pg], 0, JS_PAGE);
	want->info.sealed_bytes -= JS_PAGE;
	want->info.pages--;
	want->info.retired_pages++;
	want->info.retires++;
	want->stats[1] -= JS_PAGE;
	want->stats[2]--;
	want->stats[4]++;
	want->stats[5] += JS_PAGE;
}

static const struct fi_case retire_case = {
	"RETIRE", err_alloc_copy, retire_prepare, retire_call, retire_expect,
	close_pool,
};

/* The middle page: the sealed range splits, which needs a node. */
TEST_F_TIMEOUT(fi, retire_middle_page, 600)
{
	retire_offset = JS_PAGE;
	NEED_FAULT_INJECTION();
	sweep(_metadata, self, &retire_case);
}

TEST_F_TIMEOUT(fi, retire_first_page, 600)
{
	retire_offset = 0;
	NEED_FAULT_INJECTION();
	sweep(_metadata, self, &retire_case);
}

/* --- policy writes --- */

static void knob_prepare(struct __test_metadata *_metadata,
			 FIXTURE_DATA(fi) *self)
{
	char path[128];

	snprintf(path, sizeof(path), JS_SYSFS "/%s", self->knob);
	self->knob_fd = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, self->knob_fd);
	ASSERT_EQ(0, js_sysfs_read(self->knob, self->old, sizeof(self->old)));
}

static long knob_call(FIXTURE_DATA(fi) *self)
{
	ssize_t n = pwrite(self->knob_fd, self->new, strlen(self->new), 0);

	return n < 0 ? -errno : 0;
}

static void knob_expect(struct __test_metadata *_metadata,
			FIXTURE_DATA(fi) *self, struct state *want)
{
	(void)_metadata;
	snprintf(want->knob, sizeof(want->knob), "%s", self->new);
}

static void knob_cleanup(FIXTURE_DATA(fi) *self)
{
	close(self->knob_fd);
	js_sysfs_write(self->knob, self->old);
}

static const struct fi_case knob_case = {
	"policy write", err_alloc_copy, knob_prepare, knob_call, knob_expect,
	knob_cleanup,
};

TEST_F_TIMEOUT(fi, policy_writes, 900)
{
	static const char *const writes[][2] = {
		{ "max_pool_bytes", "1048576" }, { "max_user_bytes", "123456" },
		{ "max_user_pools", "77" }, { "allowed_gid", "1234" },
		{ "audit", "1" }, { "retire", "0" }, { "slots", "0" },
		{ "locked", "0" },
	};
	unsigned int i;

	NEED_FAULT_INJECTION();
	for (i = 0; i < ARRAY_SIZE(writes); i++) {
		self->knob = writes[i][0];
		snprintf(self->new, sizeof(self->new), "%s", writes[i][1]);
		sweep(_metadata, self, &knob_case);
	}
	self->knob = NULL;
}

TEST_HARNESS_MAIN
