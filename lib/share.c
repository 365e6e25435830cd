// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Map-only sharing (kmod backend): a compiler process exports a region as
 * a map-only fd (JITSEAL_IOC_MAP_FD) and passes it, with the region's
 * address, over a Unix socket; the runtime attaches it at that same
 * address, so code compiled for final addresses runs unchanged.  The
 * runtime can map and run the code but can never load.
 */
#include <string.h>
#include <sys/mman.h>

#include <linux/jitseal.h>

#include "internal.h"

JITSEAL_API int jitseal_pool_export(struct jitseal_pool *pool,
				    unsigned int region, void **addr)
{
	struct jitseal_map_fd mf = {
		.size = sizeof(mf),
		.flags = JITSEAL_MAP_FD_CLOEXEC,
	};
	struct js_region *r;
	int err = js_pool_check(pool);
	int fd = -ENOENT;

	if (err)
		return err;
	if (pool->be->id != JITSEAL_BACKEND_KMOD)
		return -EOPNOTSUPP;
	js_lock(&pool->lock);
	for (r = pool->regions; r && r->idx != region; r = r->next)
		;
	if (r) {
		fd = js_ioctl(r->fd, JITSEAL_IOC_MAP_FD, &mf);
		if (fd >= 0 && addr)
			*addr = r->base;
	}
	js_unlock(&pool->lock);
	return fd;
}

JITSEAL_API int jitseal_attach(int fd, void *addr, struct jitseal_mapping *map)
{
	struct jitseal_pool_info info;
	struct jitseal_mapping m;
	size_t len;
	char *base;
	int err;

	if (!map || map->sz < sizeof(size_t) || fd < 0)
		return -EINVAL;
	if ((uintptr_t)addr & (js_page_size - 1))
		return -EINVAL;
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	err = js_ioctl(fd, JITSEAL_IOC_INFO, &info);
	if (err)
		return err == -ENOTTY ? -EOPNOTSUPP : err;
	if (!(info.flags & JITSEAL_INFO_READY) || !info.code_bytes ||
	    info.code_bytes > SIZE_MAX / 2 || info.rodata_bytes > SIZE_MAX / 2)
		return -EINVAL;
	len = info.code_bytes + info.rodata_bytes;
	/* reserve the whole range first, so a failure leaves nothing mapped */
	base = mmap(addr, len, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
		    (addr ? MAP_FIXED_NOREPLACE : 0), -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	if (addr && base != addr) {
		munmap(base, len);
		return -EEXIST;
	}
	err = js_map_view(base, info.code_bytes, info.rodata_bytes, fd);
	if (err) {
		munmap(base, len);
		return err;
	}
	memset(&m, 0, sizeof(m));
	m.code = base;
	m.code_size = info.code_bytes;
	m.rodata = base + info.code_bytes;
	m.rodata_size = info.rodata_bytes;
	return js_copy_out(map, map->sz, &m, sizeof(m));
}

JITSEAL_API int jitseal_detach(struct jitseal_mapping *map)
{
	if (!map || map->sz < sizeof(*map) || !map->code)
		return -EINVAL;
	if (munmap(map->code, map->code_size + map->rodata_size))
		return -errno;
	map->code = NULL;
	map->rodata = NULL;
	map->code_size = map->rodata_size = 0;
	return 0;
}
