// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal through the raw ioctl ABI, no library: open /dev/jitseal, SETUP
 * the code area, map it read+exec, and finalize with one JITSEAL_IOC_LOAD
 * carrying one segment per pending run (split only at the module's
 * max_segments and max_load_bytes).  The difference to the "jitseal"
 * method is what libjitseal costs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/jitseal.h>

#include "stage.h"

#define PAGE	4096UL

struct mpool {
	int fd;
	uint8_t *base;
	size_t cap, next, stage_bytes;
};

static uint32_t lim_segments = 1;
static uint64_t lim_bytes = PAGE;

int jsdev_limits(uint32_t *max_segments, uint64_t *max_load_bytes)
{
	struct jitseal_version v = { .size = sizeof(v) };
	int fd = open(JITSEAL_DEVICE, O_RDWR | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, JITSEAL_IOC_VERSION, &v))
		err = -errno;
	close(fd);
	if (err)
		return err;
	*max_segments = v.max_segments;
	*max_load_bytes = v.max_load_bytes;
	return 0;
}

static int ioctl_probe(const char **why)
{
	int err = jsdev_limits(&lim_segments, &lim_bytes);

	if (err)
		*why = "no usable " JITSEAL_DEVICE;
	return err;
}

int jsdev_open_pool(size_t code_bytes, void **map)
{
	struct jitseal_setup setup = {
		.size = sizeof(setup),
		.code_bytes = code_bytes,
	};
	void *m;
	int fd, err;

	fd = open(JITSEAL_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, JITSEAL_IOC_SETUP, &setup))
		goto fail;
	m = mmap(NULL, code_bytes, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		goto fail;
	*map = m;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

static void ioctl_pool_destroy(struct mpool *p)
{
	if (p->base)
		munmap(p->base, p->cap);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

static int ioctl_pool_create(const struct pool_params *pp, struct mpool **out)
{
	struct mpool *p = calloc(1, sizeof(*p));
	void *m = NULL;

	if (!p)
		return -ENOMEM;
	p->cap = (pp->code_bytes + PAGE - 1) & ~(PAGE - 1);
	p->stage_bytes = pp->stage_bytes;
	p->fd = jsdev_open_pool(p->cap, &m);
	if (p->fd < 0) {
		int err = p->fd;

		free(p);
		return err;
	}
	p->base = m;
	*out = p;
	return 0;
}

static int ioctl_stager_create(struct mpool *p, struct mstager **out)
{
	return stager_create(p, p->stage_bytes, out);
}

static int ioctl_alloc(struct mstager *s, struct fn *f)
{
	return stager_bump(s, &s->p->next, s->p->cap, s->p->base, f);
}

static int load(int fd, struct jitseal_segment *segs, uint32_t n)
{
	struct jitseal_load ld = {
		.size = sizeof(ld),
		.segments = (uintptr_t)segs,
		.nr_segments = n,
		.segment_size = sizeof(*segs),
	};

	while (ioctl(fd, JITSEAL_IOC_LOAD, &ld))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int ioctl_finalize(struct mstager *s)
{
	size_t i, n = 0;
	uint64_t bytes = 0;
	int err = 0;

	if (s->cap_segs < s->st.nr_runs) {
		struct jitseal_segment *segs = realloc(s->segs,
				s->st.nr_runs * sizeof(*segs));

		if (!segs)
			return -ENOMEM;
		s->segs = segs;
		s->cap_segs = s->st.nr_runs;
	}
	for (i = 0; i < s->st.nr_runs && !err; i++) {
		const struct stage_run *r = &s->st.runs[i];
		size_t done = 0;

		while (done < r->len && !err) {
			size_t len = r->len - done;

			if (n == lim_segments || bytes == lim_bytes) {
				err = load(s->p->fd, s->segs, (uint32_t)n);
				n = 0;
				bytes = 0;
				if (err)
					break;
			}
			if (len > lim_bytes - bytes)
				len = lim_bytes - bytes;
			s->segs[n++] = (struct jitseal_segment){
				.src = (uintptr_t)(r->src + done),
				.offset = r->off + done,
				.len = len,
				.prot = JITSEAL_PROT_RX,
			};
			bytes += len;
			done += len;
		}
	}
	if (!err && n)
		err = load(s->p->fd, s->segs, (uint32_t)n);
	stage_reset(&s->st);
	return err;
}

const struct method method_ioctl = {
	.name = "jitseal-ioctl",
	.desc = "jitseal through the raw ioctl ABI, no library",
	.needs_module = true,
	.probe = ioctl_probe,
	.pool_create = ioctl_pool_create,
	.pool_destroy = ioctl_pool_destroy,
	.stager_create = ioctl_stager_create,
	.stager_destroy = stager_destroy,
	.alloc = ioctl_alloc,
	.finalize = ioctl_finalize,
};
