// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * kmod backend: each region is one open of /dev/jitseal.  Code is mapped
 * MAP_SHARED read+exec at the region base, rodata read-only after it; the
 * kernel is the only writer.  A finalize is one JITSEAL_IOC_LOAD per
 * region (split only if the batch exceeds the module's max_segments or
 * max_load_bytes).  Reclaiming pages is one JITSEAL_IOC_RETIRE per run.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/jitseal.h>

#include "internal.h"

#define JS_SMALL_SEGS	8

/* /dev/jitseal plumbing: ioctl with EINTR retry, open, VERSION. */
int js_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

int js_kmod_open(void)
{
	int fd = open(JITSEAL_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
		return -ENODEV;
	return -errno;
}

/* The module's version and limits, through a fresh open of the device. */
int js_kmod_version(struct jitseal_version *v)
{
	int fd = js_kmod_open(), err;

	if (fd < 0)
		return fd;
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	err = js_ioctl(fd, JITSEAL_IOC_VERSION, v);
	close(fd);
	return err;
}


static int js_kmod_probe(struct jitseal_pool *pool)
{
	struct jitseal_version v;
	uint64_t max;
	int err;

	err = js_kmod_version(&v);
	if (err)
		return err;
	if (!(v.features & JITSEAL_FEAT_LOAD))
		return -EOPNOTSUPP;
	pool->features = v.features;
	pool->max_segments = v.max_segments ? v.max_segments : 1;
	pool->max_load_bytes = v.max_load_bytes ? v.max_load_bytes : UINT64_MAX;
	if (!(v.features & JITSEAL_FEAT_RODATA))
		return -EOPNOTSUPP;
	/* keep default regions within the policy's pool size */
	max = js_round_down(v.max_pool_bytes, js_page_size);
	if (max >= 2 * js_page_size &&
	    pool->def_size[JITSEAL_CODE] + pool->def_size[JITSEAL_RODATA] > max) {
		pool->def_size[JITSEAL_RODATA] =
			js_round_down(max / 4, js_page_size);
		pool->def_size[JITSEAL_CODE] =
			max - pool->def_size[JITSEAL_RODATA];
	}
	return 0;
}

/*
 * Where /dev is mounted noexec the device node refuses executable
 * mappings (EPERM): map through a map-only file of the pool instead, which
 * lives on the module's own mount.
 */
static int js_kmod_map_exec_mount(struct jitseal_pool *pool,
				  struct js_region *r, int fd)
{
	struct jitseal_map_fd mf = {
		.size = sizeof(mf),
		.flags = JITSEAL_MAP_FD_CLOEXEC,
	};
	int mfd, err;

	if (!(pool->features & JITSEAL_FEAT_EXEC_MOUNT))
		return -EPERM;
	mfd = js_ioctl(fd, JITSEAL_IOC_MAP_FD, &mf);
	if (mfd < 0)
		return mfd;
	err = js_map_sections(r, mfd);
	close(mfd);
	return err;
}

static int js_kmod_map(struct jitseal_pool *pool, struct js_region *r)
{
	const struct js_section *c = &r->sec[JITSEAL_CODE];
	const struct js_section *ro = &r->sec[JITSEAL_RODATA];
	struct jitseal_setup setup = {
		.size = sizeof(setup),
		.code_bytes = c->size,
		.rodata_bytes = ro->size,
	};
	int fd, err;

	/* a module without RETIRE refuses SETUP flags, and never retires */
	if ((pool->flags & JITSEAL_POOL_NO_RETIRE) &&
	    (pool->features & JITSEAL_FEAT_RETIRE))
		setup.flags |= JITSEAL_SETUP_NO_RETIRE;
	fd = js_kmod_open();
	if (fd < 0)
		return fd;
	err = js_ioctl(fd, JITSEAL_IOC_SETUP, &setup);
	if (err)
		goto fail;
	err = js_map_sections(r, fd);
	if (err == -EPERM)
		err = js_kmod_map_exec_mount(pool, r, fd);
	if (err)
		goto fail;
	r->fd = fd;
	return 0;
fail:
	close(fd);
	return err;
}

static void js_kmod_unmap(struct js_region *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/* Is pool offset @off (+@len) inside one of the segments @v[0..n)? */
static bool js_kmod_in_segs(const struct jitseal_segment *v, size_t n,
			    uint64_t off, uint64_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (off >= v[i].offset && off + len <= v[i].offset + v[i].len)
			return true;
	return false;
}

/* The pool offset of @addr, in section @kind of @r. */
static uint64_t js_kmod_off(const struct js_region *r, unsigned int kind,
			    const void *addr)
{
	return r->sec[kind].off + ((uintptr_t)addr - (uintptr_t)r->sec[kind].addr);
}

/*
 * The declarations of @d that lie in the segments of one LOAD, in the
 * module's structs (@mem: their array, for the caller to free).
 */
static int js_kmod_decls(const struct js_region *r,
			 const struct jitseal_segment *v, size_t n,
			 const struct js_decls *d, struct jitseal_load *load,
			 void **mem)
{
	struct jitseal_entry *e;
	struct jitseal_slot *sl;
	size_t i, ne = 0, ns = 0;
	uint64_t off;

	*mem = NULL;
	if (!d || (!d->nr_entries && !d->nr_slots))
		return 0;
	e = calloc(d->nr_entries + d->nr_slots, sizeof(*e));
	if (!e)
		return -ENOMEM;
	*mem = e;
	sl = (struct jitseal_slot *)(e + d->nr_entries);
	for (i = 0; i < d->nr_entries; i++) {
		off = js_kmod_off(r, JITSEAL_CODE, d->entries[i]);
		if (js_kmod_in_segs(v, n, off, 1))
			e[ne++].offset = off;
	}
	for (i = 0; i < d->nr_slots; i++) {
		off = js_kmod_off(r, JITSEAL_RODATA, d->slots[i].slot);
		if (!js_kmod_in_segs(v, n, off, 8))
			continue;
		sl[ns].offset = off;
		sl[ns++].flags = d->slots[i].flags & JITSEAL_SLOTDECL_EXTERNAL ?
				 JITSEAL_SLOT_EXTERNAL : 0;
	}
	if (ne) {
		load->entries = (uintptr_t)e;
		load->nr_entries = (uint32_t)ne;
		load->entry_size = sizeof(*e);
	}
	if (ns) {
		load->slots = (uintptr_t)sl;
		load->nr_slots = (uint32_t)ns;
		load->slot_size = sizeof(*sl);
	}
	return 0;
}

static int js_kmod_load(struct jitseal_pool *pool, const struct js_region *r,
			struct jitseal_segment *v, size_t n, unsigned int flags,
			unsigned char (*digests)[JITSEAL_DIGEST_LEN],
			const struct js_decls *d)
{
	struct jitseal_load load = {
		.size = sizeof(load),
		.segments = (uintptr_t)v,
		.nr_segments = (uint32_t)n,
		.segment_size = sizeof(*v),
	};
	void *decls;
	int err;

	if (flags & JITSEAL_FINALIZE_SYNC_CORE)
		load.flags |= JITSEAL_LOAD_SYNC_CORE;
	if (digests && (pool->features & JITSEAL_FEAT_DIGEST)) {
		load.flags |= JITSEAL_LOAD_DIGEST;
		load.digests = (uintptr_t)digests;
	}
	err = js_kmod_decls(r, v, n, d, &load, &decls);
	if (err)
		return err;
	/* a module without slots knows only the smaller struct */
	if (!(pool->features & JITSEAL_FEAT_SLOTS))
		load.size = JITSEAL_LOAD_SIZE_VER0;
	err = js_ioctl(r->fd, JITSEAL_IOC_LOAD, &load);
	free(decls);
	if (!err)
		__atomic_fetch_add(&pool->loads, 1, __ATOMIC_RELAXED);
	return err;
}

static int js_kmod_install(struct jitseal_pool *pool, struct js_region *r,
			   const struct js_seg *segs, size_t n,
			   unsigned int flags,
			   unsigned char (*digests)[JITSEAL_DIGEST_LEN],
			   const struct js_decls *d, size_t *done)
{
	/* A finalize usually has a run or two: no heap for those. */
	struct jitseal_segment small[JS_SMALL_SEGS], *v = small;
	size_t i, nv = 0, bytes = 0, first = 0;
	size_t cap = n < pool->max_segments ? n : pool->max_segments;
	int err = 0;

	*done = 0;
	if (cap > JS_SMALL_SEGS) {
		v = calloc(cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	/*
	 * Usually one LOAD.  A batch larger than the module's limits is
	 * split; each LOAD is still all-or-none, and *done tells the caller
	 * which runs are in.  A single run longer than max_load_bytes is
	 * not split (the kernel refuses it).
	 */
	for (i = 0; i < n; i++) {
		const struct js_seg *s = &segs[i];

		if (nv && (nv == pool->max_segments ||
			   bytes + s->len > pool->max_load_bytes)) {
			err = js_kmod_load(pool, r, v, nv, flags,
					   digests ? &digests[first] : NULL, d);
			if (err)
				goto out;
			*done = first = i;
			nv = 0;
			bytes = 0;
		}
		v[nv].src = (uintptr_t)s->src;
		v[nv].offset = r->sec[s->kind].off + s->off;
		v[nv].len = s->len;
		v[nv].prot = s->kind == JITSEAL_CODE ? JITSEAL_PROT_RX :
						       JITSEAL_PROT_R;
		v[nv].flags = 0;
		nv++;
		bytes += s->len;
	}
	err = js_kmod_load(pool, r, v, nv, flags,
			   digests ? &digests[first] : NULL, d);
out:
	if (v != small)
		free(v);
	/* a module without digests: hash the sealed bytes here */
	if (!err && !(pool->features & JITSEAL_FEAT_DIGEST))
		js_host_digests(r, segs, n, digests);
	return err;
}

static size_t js_kmod_pages(struct jitseal_pool *pool, struct js_region *r)
{
	struct jitseal_pool_info info = { .size = sizeof(info) };

	(void)pool;
	if (js_ioctl(r->fd, JITSEAL_IOC_INFO, &info))
		return 0;
	return (size_t)info.pages;
}

/* One JITSEAL_IOC_RETIRE: the kernel zaps every mapping, then frees. */
static int js_kmod_reclaim(struct jitseal_pool *pool, struct js_region *r,
			   unsigned int kind, size_t off, size_t len)
{
	struct jitseal_retire rt = {
		.size = sizeof(rt),
		.offset = r->sec[kind].off + off,
		.len = len,
	};

	if (!(pool->features & JITSEAL_FEAT_RETIRE))
		return -EOPNOTSUPP;
	return js_ioctl(r->fd, JITSEAL_IOC_RETIRE, &rt);
}

/* One JITSEAL_IOC_SET_SLOTS: the kernel checks every target first. */
static int js_kmod_set_slots(struct jitseal_pool *pool, struct js_region *r,
			     const struct js_slot_upd *u, size_t n)
{
	struct jitseal_slot_update small[8], *v = small;
	struct jitseal_set_slots a = {
		.size = sizeof(a),
		.nr_updates = (uint32_t)n,
		.update_size = sizeof(*v),
	};
	size_t i;
	int err;

	if (!(pool->features & JITSEAL_FEAT_SLOTS))
		return -EOPNOTSUPP;
	if (n > 8) {
		v = calloc(n, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	memset(v, 0, (n > 8 ? n : 8) * sizeof(*v));
	for (i = 0; i < n; i++) {
		v[i].slot = u[i].off;
		v[i].target = u[i].target;
	}
	a.updates = (uintptr_t)v;
	err = js_ioctl(r->fd, JITSEAL_IOC_SET_SLOTS, &a);
	if (v != small)
		free(v);
	return err;
}

const struct js_backend js_backend_kmod = {
	.id = JITSEAL_BACKEND_KMOD,
	.name = "kmod",
	.sealed = true,
	.probe = js_kmod_probe,
	.map = js_kmod_map,
	.unmap = js_kmod_unmap,
	.install = js_kmod_install,
	.set_slots = js_kmod_set_slots,
	.pages = js_kmod_pages,
	.reclaim = js_kmod_reclaim,
};
