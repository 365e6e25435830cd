// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * memfd backend (no module): code and rodata live in a memfd mapped
 * MAP_SHARED read+exec (rodata read-only) in the reservation, and once
 * more read+write elsewhere: the "alias", never executable.  Finalize
 * copies staged bytes into the alias.  The alias is MADV_DONTFORK, so a
 * child never inherits a writable view, and the memfd is closed once
 * mapped, so no fd can map it again.  Weaker than kmod: the writer is
 * still in the process.  A reclaimed page is PROT_NONE in the view and
 * punched out of the memfd until it is installed again.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <fcntl.h>

#include "arch.h"
#include "internal.h"

static int js_memfd_map(struct jitseal_pool *pool, struct js_region *r)
{
	const struct js_section *c = &r->sec[JITSEAL_CODE];
	const struct js_section *ro = &r->sec[JITSEAL_RODATA];
	size_t len = c->size + ro->size;
	int fd, err;

	(void)pool;
	fd = memfd_create("jitseal", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)len) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		goto fail_errno;
	err = js_map_sections(r, fd);
	if (err)
		goto fail;
	r->alias = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->alias == MAP_FAILED) {
		r->alias = NULL;
		goto fail_errno;
	}
	if (madvise(r->alias, len, MADV_DONTFORK))
		goto fail_errno;
	/*
	 * The mappings keep the file alive; without an fd nobody, not even
	 * a forked child, can map it writable again.
	 */
	close(fd);
	return 0;
fail_errno:
	err = -errno;
fail:
	if (r->alias)
		munmap(r->alias, len);
	r->alias = NULL;
	close(fd);
	return err;
}

static void js_memfd_unmap(struct js_region *r)
{
	if (r->alias)
		munmap(r->alias, r->sec[JITSEAL_DATA].off);
	r->alias = NULL;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/* Pages [@p0, @p1) of @s were reclaimed: the view traps; make them run. */
static int js_memfd_reopen(struct js_section *s, unsigned int kind, size_t p0,
			   size_t p1)
{
	int prot = kind == JITSEAL_CODE ? PROT_READ | PROT_EXEC : PROT_READ;
	size_t p, q;

	for (p = p0; p < p1; p = q + 1) {
		for (q = p; q < p1 && s->state[q] == JS_PG_RECLAIMED; q++)
			;
		if (q > p && mprotect(s->addr + (p << js_page_shift),
				      (q - p) << js_page_shift, prot))
			return -errno;
	}
	return 0;
}

static int js_memfd_install(struct jitseal_pool *pool, struct js_region *r,
			    const struct js_seg *segs, size_t n,
			    unsigned int flags,
			    unsigned char (*digests)[JITSEAL_DIGEST_LEN],
			    const struct js_decls *d, size_t *done)
{
	unsigned int kind = JITSEAL_KIND_MAX;
	size_t i, p, p0, p1, filled = 0;
	int err;

	(void)pool;
	(void)flags;
	(void)d;	/* slots here are words of the alias: nothing to declare */
	*done = 0;
	/* segs are sorted by kind and offset: @filled pages are done */
	for (i = 0; i < n; i++) {
		const struct js_seg *seg = &segs[i];
		struct js_section *s = &r->sec[seg->kind];
		char *alias = r->alias + s->off;

		if (seg->kind != kind) {
			kind = seg->kind;
			filled = 0;
		}
		p0 = seg->off >> js_page_shift;
		p1 = ((seg->off + seg->len - 1) >> js_page_shift) + 1;
		if (p0 < filled)
			p0 = filled;
		/* a fresh page reads as int3 (code) or 0, as with kmod */
		for (p = p0; p < p1; p++)
			if (s->state[p] != JS_PG_INSTALLED)
				js_host_fill(alias + (p << js_page_shift),
					     js_page_size, kind);
		memcpy(alias + seg->off, seg->src, seg->len);
		err = js_memfd_reopen(s, kind, p0, p1);
		if (err) {
			*done = i;
			return err;
		}
		/* through the view it runs from, now readable */
		if (kind == JITSEAL_CODE)
			js_arch_sync_code(js_sec_addr(r, kind) + seg->off,
					  seg->len);
		if (p1 > filled)
			filled = p1;
	}
	js_host_digests(r, segs, n, digests);
	return 0;
}

/*
 * The view traps first (PROT_NONE), then the hole punch frees the memory.
 * A forked child's view is not ours to protect: it reads zeroes there.
 */
static int js_memfd_reclaim(struct jitseal_pool *pool, struct js_region *r,
			    unsigned int kind, size_t off, size_t len)
{
	struct js_section *s = &r->sec[kind];

	(void)pool;
	if (mprotect(s->addr + off, len, PROT_NONE))
		return -errno;
	if (madvise(r->alias + s->off + off, len, MADV_REMOVE))
		return -errno;
	return 0;
}

/* Through the RW alias: any code of the process could do the same. */
static int js_memfd_set_slots(struct jitseal_pool *pool, struct js_region *r,
			      const struct js_slot_upd *u, size_t n)
{
	size_t i;

	(void)pool;
	for (i = 0; i < n; i++)
		__atomic_store_n((uint64_t *)(void *)(r->alias + u[i].off),
				 u[i].target, __ATOMIC_RELEASE);
	return 0;
}

const struct js_backend js_backend_memfd = {
	.id = JITSEAL_BACKEND_MEMFD,
	.name = "memfd",
	.sealed = false,
	.serial = true,
	.map = js_memfd_map,
	.unmap = js_memfd_unmap,
	.install = js_memfd_install,
	.set_slots = js_memfd_set_slots,
	.pages = js_host_pages,
	.reclaim = js_memfd_reclaim,
};
