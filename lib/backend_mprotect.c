// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * mprotect backend (no module, no memfd): code and rodata pages are
 * private anonymous memory.  A finalize builds the new content of every
 * page it touches in a scratch mapping (old installed bytes, or trap fill
 * on a fresh or reclaimed page, then the staged runs), makes the scratch
 * read+exec (rodata read-only) and moves it over the old pages with
 * mremap(MREMAP_FIXED).  A reclaimed page is replaced by PROT_NONE
 * anonymous memory.  The move happens under
 * the kernel's mmap lock, so a thread running earlier code on a shared
 * page sees the old page or the new one, never a hole and never a
 * writable page: there is no window in which sealed code cannot run.  The
 * scratch is writable before it becomes executable, which is exactly
 * what hardened kernels forbid; use kmod there.
 */
#include <string.h>
#include <sys/mman.h>

#include "arch.h"
#include "internal.h"

static int js_mprotect_map(struct jitseal_pool *pool, struct js_region *r)
{
	(void)pool;
	(void)r;	/* pages stay PROT_NONE until installed */
	return 0;
}

static void js_mprotect_unmap(struct js_region *r)
{
	(void)r;
}

/*
 * Rebuild pages [@p0, @p1) of section @kind of @r: installed pages keep
 * their bytes, fresh or reclaimed ones are trap-filled, then the runs
 * @segs[0..n) go in.
 */
static int js_mprotect_pages(struct js_region *r, unsigned int kind,
			     size_t p0, size_t p1, const struct js_seg *segs,
			     size_t n)
{
	struct js_section *s = &r->sec[kind];
	size_t lo = p0 << js_page_shift, len = (p1 - p0) << js_page_shift, p, i;
	char *dst = js_sec_addr(r, kind), *scratch;

	scratch = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED)
		return -errno;
	for (p = p0; p < p1; p++) {
		char *to = scratch + ((p - p0) << js_page_shift);

		if (s->state[p] == JS_PG_INSTALLED)
			memcpy(to, dst + (p << js_page_shift), js_page_size);
		else
			js_host_fill(to, js_page_size, kind);
	}
	for (i = 0; i < n; i++)
		memcpy(scratch + (segs[i].off - lo), segs[i].src,
		       segs[i].len);
	if (mprotect(scratch, len,
		     kind == JITSEAL_CODE ? PROT_READ | PROT_EXEC : PROT_READ) ||
	    mremap(scratch, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   dst + lo) == MAP_FAILED) {
		int err = -errno;

		munmap(scratch, len);
		return err;
	}
	if (kind == JITSEAL_CODE)
		js_arch_sync_code(dst + lo, len);
	return 0;
}

/* Rebuild the pages the runs of @kind touch, one move per group of pages. */
static int js_mprotect_section(struct js_region *r, unsigned int kind,
			       const struct js_seg *segs, size_t n)
{
	size_t i, j, p0, p1, e;
	int err;

	for (i = 0; i < n; i = j) {
		j = i + 1;
		if (segs[i].kind != kind)
			continue;
		p0 = segs[i].off >> js_page_shift;
		p1 = ((segs[i].off + segs[i].len - 1) >> js_page_shift) + 1;
		/* segs are sorted: merge those on touching pages */
		for (; j < n && segs[j].kind == kind &&
		       segs[j].off >> js_page_shift <= p1; j++) {
			e = ((segs[j].off + segs[j].len - 1) >> js_page_shift) + 1;
			if (e > p1)
				p1 = e;
		}
		err = js_mprotect_pages(r, kind, p0, p1, &segs[i], j - i);
		if (err)
			return err;
	}
	return 0;
}

/* Anonymous PROT_NONE pages replace the old ones in one call. */
static int js_mprotect_reclaim(struct jitseal_pool *pool, struct js_region *r,
			       unsigned int kind, size_t off, size_t len)
{
	(void)pool;
	if (mmap(js_sec_addr(r, kind) + off, len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
		 -1, 0) == MAP_FAILED)
		return -errno;
	return 0;
}

static int js_mprotect_install(struct jitseal_pool *pool, struct js_region *r,
			       const struct js_seg *segs, size_t n,
			       unsigned int flags,
			       unsigned char (*digests)[JITSEAL_DIGEST_LEN],
			       const struct js_decls *d, size_t *done)
{
	int err;

	(void)flags;
	(void)d;	/* slots here are words of pages it can make writable */
	*done = 0;	/* a retry rewrites identical bytes: harmless here */
	/* rodata first: code of this batch may read it as soon as it runs */
	err = js_mprotect_section(r, JITSEAL_RODATA, segs, n);
	if (!err)
		err = js_mprotect_section(r, JITSEAL_CODE, segs, n);
	if (err)
		return err;
	__atomic_fetch_add(&pool->loads, 1, __ATOMIC_RELAXED);
	js_host_digests(r, segs, n, digests);
	return 0;
}

/*
 * Each slot's page made writable, the word stored, the page read-only
 * again: readers keep reading it meanwhile, and see the word whole.
 */
static int js_mprotect_set_slots(struct jitseal_pool *pool,
				 struct js_region *r,
				 const struct js_slot_upd *u, size_t n)
{
	const struct js_section *s = &r->sec[JITSEAL_RODATA];
	char *word, *page;
	size_t i;

	(void)pool;
	for (i = 0; i < n; i++) {
		word = s->addr + (u[i].off - s->off);
		page = s->addr + js_round_down(u[i].off - s->off, js_page_size);
		if (mprotect(page, js_page_size, PROT_READ | PROT_WRITE))
			return -errno;
		__atomic_store_n((uint64_t *)(void *)word, u[i].target,
				 __ATOMIC_RELEASE);
		if (mprotect(page, js_page_size, PROT_READ))
			return -errno;
	}
	return 0;
}

const struct js_backend js_backend_mprotect = {
	.id = JITSEAL_BACKEND_MPROTECT,
	.name = "mprotect",
	.sealed = false,
	.serial = true,
	.map = js_mprotect_map,
	.unmap = js_mprotect_unmap,
	.install = js_mprotect_install,
	.set_slots = js_mprotect_set_slots,
	.pages = js_host_pages,
	.reclaim = js_mprotect_reclaim,
};
