// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * memfd backend (no module): code and rodata live in a memfd mapped
 * MAP_SHARED read+exec (rodata read-only) in the reservation, and once
 * more read+write elsewhere: the "alias", never executable.  Finalize
 * copies staged bytes into the alias.  The alias is MADV_DONTFORK, so a
 * child never inherits a writable view, and the memfd is closed once
 * mapped, so no fd can map it again.  Weaker than kmod: the writer is
 * still in the process.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <fcntl.h>

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

static int js_memfd_install(struct jitseal_pool *pool, struct js_region *r,
			    const struct js_seg *segs, size_t n,
			    unsigned int flags,
			    unsigned char (*digests)[JITSEAL_DIGEST_LEN],
			    size_t *done)
{
	size_t i;

	(void)pool;
	(void)flags;
	*done = 0;
	for (i = 0; i < n; i++) {
		const struct js_seg *seg = &segs[i];
		struct js_section *s = &r->sec[seg->kind];
		size_t end = js_round_up(seg->off + seg->len, js_page_size);

		/* never-written bytes read as int3 (code) or 0, as with kmod */
		if (end > s->init_end) {
			memset(r->alias + s->off + s->init_end,
			       seg->kind == JITSEAL_CODE ? 0xcc : 0,
			       end - s->init_end);
			s->init_end = end;
		}
		memcpy(r->alias + s->off + seg->off,
		       r->stage + s->off + seg->off, seg->len);
	}
	js_host_digests(r, segs, n, digests);
	return 0;
}

const struct js_backend js_backend_memfd = {
	.id = JITSEAL_BACKEND_MEMFD,
	.name = "memfd",
	.sealed = false,
	.map = js_memfd_map,
	.unmap = js_memfd_unmap,
	.install = js_memfd_install,
	.pages = js_host_pages,
};
