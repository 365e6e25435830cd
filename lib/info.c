// SPDX-License-Identifier: LGPL-2.1 OR MIT
/* Introspection: backend, pool statistics, module version and features. */
#include <string.h>
#include <unistd.h>

#include <linux/jitseal.h>
#include <sys/ioctl.h>

#include "internal.h"

bool js_opts_valid(const void *opts, size_t user_sz, size_t our_sz)
{
	const char *p = opts;
	size_t i;

	if (user_sz < sizeof(size_t))
		return false;
	for (i = our_sz; i < user_sz; i++)
		if (p[i])
			return false;
	return true;
}

int js_copy_out(void *dst, size_t user_sz, const void *src, size_t our_sz)
{
	if (!dst || user_sz < sizeof(size_t))
		return -EINVAL;
	if (user_sz > our_sz)
		memset((char *)dst + our_sz, 0, user_sz - our_sz);
	memcpy((char *)dst + sizeof(size_t), (const char *)src + sizeof(size_t),
	       (user_sz < our_sz ? user_sz : our_sz) - sizeof(size_t));
	return 0;
}

JITSEAL_API const char *jitseal_backend_name(enum jitseal_backend backend)
{
	switch (backend) {
	case JITSEAL_BACKEND_AUTO:
		return "auto";
	case JITSEAL_BACKEND_KMOD:
		return js_backend_kmod.name;
	case JITSEAL_BACKEND_MEMFD:
		return js_backend_memfd.name;
	case JITSEAL_BACKEND_MPROTECT:
		return js_backend_mprotect.name;
	}
	return NULL;
}

JITSEAL_API int jitseal_pool_backend(struct jitseal_pool *pool)
{
	int err = js_pool_check(pool);

	return err ? err : (int)pool->be->id;
}

static size_t js_batch_pending(struct jitseal_batch *b)
{
	size_t i, n = 0;

	js_batch_sync(b);
	for (i = 0; i < b->nr; i++)
		n += b->segs[i].len;
	return n;
}

JITSEAL_API int jitseal_pool_stats(struct jitseal_pool *pool,
				   struct jitseal_pool_stats *stats)
{
	struct jitseal_pool_stats st;
	struct jitseal_batch *b;
	const struct js_region *r;
	int err = js_pool_check(pool);
	unsigned int k;

	if (err)
		return err;
	if (!stats || stats->sz < sizeof(size_t))
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	js_lock(&pool->lock);
	st.backend = pool->be->id;
	st.regions = pool->nr_regions;
	for (r = pool->regions; r; r = r->next) {
		for (k = 0; k < JITSEAL_KIND_MAX; k++) {
			st.reserved[k] += r->sec[k].size;
			st.used[k] += r->sec[k].next;
			st.allocs += r->sec[k].allocs;
			st.sealed[k] += k == JITSEAL_DATA ? r->sec[k].next :
							   r->sec[k].sealed;
		}
		st.pages += pool->be->pages(pool, (struct js_region *)r);
	}
	st.pending = js_batch_pending(&pool->batch);
	for (b = pool->batches; b; b = b->next)
		st.pending += js_batch_pending(b);
	st.finalizes = pool->finalizes;
	st.loads = pool->loads;
	st.discards = pool->discards;
	js_unlock(&pool->lock);
	return js_copy_out(stats, stats->sz, &st, sizeof(st));
}

JITSEAL_API int jitseal_module_info(struct jitseal_module_info *info)
{
	struct jitseal_version v;
	struct jitseal_module_info mi;
	int fd, err;

	if (!info || info->sz < sizeof(size_t))
		return -EINVAL;
	fd = js_kmod_open();
	if (fd < 0)
		return fd;
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	err = ioctl(fd, JITSEAL_IOC_VERSION, &v) ? -errno : 0;
	close(fd);
	if (err)
		return err;
	memset(&mi, 0, sizeof(mi));
	mi.api_version = v.api_version;
	mi.max_segments = v.max_segments;
	mi.features = v.features;
	mi.page_size = v.page_size;
	mi.max_load_bytes = v.max_load_bytes;
	mi.max_pool_bytes = v.max_pool_bytes;
	return js_copy_out(info, info->sz, &mi, sizeof(mi));
}
