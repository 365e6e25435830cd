// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Backend selection.
 *
 * JITSEAL_BACKEND=kmod|memfd|mprotect|auto in the environment (ignored in
 * set-uid programs) overrides opts->backend.  A pool that requires sealing
 * (JITSEAL_SEALED_ONLY, the default) never gets a weaker backend:
 *   -EOPNOTSUPP  a non-sealing backend was forced (opts or environment);
 *   -ENODEV      /dev/jitseal does not exist (module not loaded);
 *   other        the error of opening /dev/jitseal (-EACCES, -EPERM, ...).
 * With JITSEAL_SEALED_PREFERRED, AUTO falls back to memfd, then mprotect.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static const struct js_backend *const js_backends[] = {
	[JITSEAL_BACKEND_KMOD] = &js_backend_kmod,
	[JITSEAL_BACKEND_MEMFD] = &js_backend_memfd,
	[JITSEAL_BACKEND_MPROTECT] = &js_backend_mprotect,
};

static int js_backend_env(enum jitseal_backend *out)
{
	const char *env = secure_getenv("JITSEAL_BACKEND");
	unsigned int i;

	if (!env || !*env)
		return 0;
	if (!strcmp(env, "auto")) {
		*out = JITSEAL_BACKEND_AUTO;
		return 0;
	}
	for (i = JITSEAL_BACKEND_KMOD; i <= JITSEAL_BACKEND_MPROTECT; i++) {
		if (!strcmp(env, js_backends[i]->name)) {
			*out = (enum jitseal_backend)i;
			return 0;
		}
	}
	return -EINVAL;
}

int js_backend_select(const struct jitseal_pool_opts *opts,
		      const struct js_backend **be)
{
	enum jitseal_backend want = JS_OPTS_GET(opts, backend, JITSEAL_BACKEND_AUTO);
	bool sealed_only = JS_OPTS_GET(opts, sealing, 0) == JITSEAL_SEALED_ONLY;
	int fd, err;

	err = js_backend_env(&want);
	if (err)
		return err;
	if (want != JITSEAL_BACKEND_AUTO) {
		*be = js_backends[want];
		return sealed_only && !(*be)->sealed ? -EOPNOTSUPP : 0;
	}
	fd = js_kmod_open();
	if (fd >= 0) {
		close(fd);
		*be = &js_backend_kmod;
		return 0;
	}
	if (sealed_only)
		return fd;
	/* memfd unless memfd_create is refused (e.g. by a seccomp policy) */
	fd = memfd_create("jitseal-probe", MFD_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		*be = &js_backend_memfd;
	} else {
		*be = &js_backend_mprotect;
	}
	return 0;
}

/* Host backends: pages below init_end of code and rodata hold bytes. */
size_t js_host_pages(struct jitseal_pool *pool, struct js_region *r)
{
	(void)pool;
	return (r->sec[JITSEAL_CODE].init_end +
		r->sec[JITSEAL_RODATA].init_end) / js_page_size;
}

void js_host_digests(const struct js_region *r, const struct js_seg *segs,
		     size_t n, unsigned char (*digests)[JITSEAL_DIGEST_LEN])
{
	size_t i;

	for (i = 0; digests && i < n; i++)
		js_sha256(js_sec_addr(r, segs[i].kind) + segs[i].off,
			  segs[i].len, digests[i]);
}

/*
 * Map the executable view of a region from @fd: code read+exec at offset 0,
 * read-only data after it, both over the region's reservation.
 */
int js_map_sections(struct js_region *r, int fd)
{
	const struct js_section *c = &r->sec[JITSEAL_CODE];
	const struct js_section *ro = &r->sec[JITSEAL_RODATA];

	if (mmap(r->base + c->off, c->size, PROT_READ | PROT_EXEC,
		 MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		return -errno;
	if (ro->size &&
	    mmap(r->base + ro->off, ro->size, PROT_READ, MAP_SHARED | MAP_FIXED,
		 fd, (off_t)c->size) == MAP_FAILED)
		return -errno;
	return 0;
}
