// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * mprotect backend (no module, no memfd): code and rodata pages are
 * private anonymous memory.  A finalize builds the new content of every
 * page it touches in a scratch mapping (old installed bytes, then the
 * staged runs), makes the scratch read+exec (rodata read-only) and moves
 * it over the old pages with mremap(MREMAP_FIXED).  The move happens under
 * the kernel's mmap lock, so a thread running earlier code on a shared
 * page sees the old page or the new one, never a hole and never a
 * writable page: there is no window in which sealed code cannot run.  The
 * scratch is writable before it becomes executable, which is exactly
 * what hardened kernels forbid; use kmod there.
 */
#include <string.h>
#include <sys/mman.h>

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

/* Rebuild pages [lo, hi) of section @kind of @r with the runs of @segs. */
static int js_mprotect_section(struct js_region *r, unsigned int kind,
			       const struct js_seg *segs, size_t n)
{
	struct js_section *s = &r->sec[kind];
	char *dst = js_sec_addr(r, kind);
	size_t lo = SIZE_MAX, hi = 0, old_end, i;
	char *scratch;

	for (i = 0; i < n; i++) {
		if (segs[i].kind != kind)
			continue;
		if (segs[i].off < lo)
			lo = segs[i].off;
		if (segs[i].off + segs[i].len > hi)
			hi = segs[i].off + segs[i].len;
	}
	if (!hi)
		return 0;
	lo = js_round_down(lo, js_page_size);
	hi = js_round_up(hi, js_page_size);
	if (lo > s->init_end)	/* keep every page below init_end installed */
		lo = s->init_end;
	scratch = mmap(NULL, hi - lo, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED)
		return -errno;
	old_end = s->init_end < hi ? s->init_end : hi;
	if (old_end > lo)
		memcpy(scratch, dst + lo, old_end - lo);
	if (hi > old_end)
		memset(scratch + (old_end - lo), kind == JITSEAL_CODE ? 0xcc : 0,
		       hi - old_end);
	for (i = 0; i < n; i++) {
		if (segs[i].kind == kind)
			memcpy(scratch + (segs[i].off - lo),
			       r->stage + s->off + segs[i].off, segs[i].len);
	}
	if (mprotect(scratch, hi - lo,
		     kind == JITSEAL_CODE ? PROT_READ | PROT_EXEC : PROT_READ) ||
	    mremap(scratch, hi - lo, hi - lo, MREMAP_MAYMOVE | MREMAP_FIXED,
		   dst + lo) == MAP_FAILED) {
		int err = -errno;

		munmap(scratch, hi - lo);
		return err;
	}
	if (hi > s->init_end)
		s->init_end = hi;
	return 0;
}

static int js_mprotect_install(struct jitseal_pool *pool, struct js_region *r,
			       const struct js_seg *segs, size_t n,
			       unsigned int flags,
			       unsigned char (*digests)[JITSEAL_DIGEST_LEN],
			       size_t *done)
{
	int err;

	(void)flags;
	*done = 0;	/* a retry rewrites identical bytes: harmless here */
	/* rodata first: code of this batch may read it as soon as it runs */
	err = js_mprotect_section(r, JITSEAL_RODATA, segs, n);
	if (!err)
		err = js_mprotect_section(r, JITSEAL_CODE, segs, n);
	if (err)
		return err;
	pool->loads++;
	js_host_digests(r, segs, n, digests);
	return 0;
}

const struct js_backend js_backend_mprotect = {
	.id = JITSEAL_BACKEND_MPROTECT,
	.name = "mprotect",
	.sealed = false,
	.map = js_mprotect_map,
	.unmap = js_mprotect_unmap,
	.install = js_mprotect_install,
	.pages = js_host_pages,
};
