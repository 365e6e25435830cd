// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Host-side views of a region, shared by the backends and by map-only
 * sharing: mapping code and rodata from a file, digests computed from the
 * installed bytes, pages installed by the host backends.
 */
#include <string.h>
#include <sys/mman.h>

#include "arch.h"
#include "internal.h"

/*
 * Map the executable view of a pool file at @base: code read+exec at
 * offset 0, @rodata_size bytes of read-only data right after it.
 */
int js_map_view(char *base, size_t code_size, size_t rodata_size, int fd)
{
	if (mmap(base, code_size, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED,
		 fd, 0) == MAP_FAILED)
		return -errno;
	if (rodata_size &&
	    mmap(base + code_size, rodata_size, PROT_READ,
		 MAP_SHARED | MAP_FIXED, fd, (off_t)code_size) == MAP_FAILED)
		return -errno;
	return 0;
}

/* The executable view of region @r from @fd, over its reservation. */
int js_map_sections(struct js_region *r, int fd)
{
	return js_map_view(r->base + r->sec[JITSEAL_CODE].off,
			   r->sec[JITSEAL_CODE].size,
			   r->sec[JITSEAL_RODATA].size, fd);
}

/* SHA-256 of each installed run, read back from its final address. */
void js_host_digests(const struct js_region *r, const struct js_seg *segs,
		     size_t n, unsigned char (*digests)[JITSEAL_DIGEST_LEN])
{
	size_t i;

	for (i = 0; digests && i < n; i++)
		js_sha256(js_sec_addr(r, segs[i].kind) + segs[i].off,
			  segs[i].len, digests[i]);
}

/* Host backends: code and rodata pages installed, or kept after free. */
size_t js_host_pages(struct jitseal_pool *pool, struct js_region *r)
{
	(void)pool;
	return r->sec[JITSEAL_CODE].held + r->sec[JITSEAL_RODATA].held;
}

/* Never-written bytes: the trap in code, 0 in rodata, as the module does. */
void js_host_fill(char *p, size_t n, unsigned int kind)
{
	js_arch_fill(p, n, kind == JITSEAL_CODE);
}
