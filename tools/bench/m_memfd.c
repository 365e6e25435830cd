// SPDX-License-Identifier: GPL-2.0
/*
 * memfd dual mapping: one memfd mapped twice, read+write and read+exec.
 * Finalize copies the staged code into the RW alias; it runs from the RX
 * view.  The writer stays in the process, which is what jitseal removes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stage.h"

struct mpool {
	int fd;
	uint8_t *rx, *rw;
	size_t cap, next, stage_bytes;
};

static int memfd_probe(const char **why)
{
	int fd = memfd_create("jitseal-bench-probe", MFD_CLOEXEC);

	if (fd < 0) {
		*why = "memfd_create failed";
		return -errno;
	}
	close(fd);
	return 0;
}

static void memfd_pool_destroy(struct mpool *p)
{
	if (p->rx)
		munmap(p->rx, p->cap);
	if (p->rw)
		munmap(p->rw, p->cap);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

static int memfd_pool_create(const struct pool_params *pp, struct mpool **out)
{
	struct mpool *p = calloc(1, sizeof(*p));
	void *m;
	int err;

	if (!p)
		return -ENOMEM;
	p->cap = (pp->code_bytes + 4095) & ~(size_t)4095;
	p->stage_bytes = pp->stage_bytes;
	p->fd = memfd_create("jitseal-bench", MFD_CLOEXEC);
	if (p->fd < 0 || ftruncate(p->fd, (off_t)p->cap))
		goto fail;
	m = mmap(NULL, p->cap, PROT_READ | PROT_EXEC, MAP_SHARED, p->fd, 0);
	if (m == MAP_FAILED)
		goto fail;
	p->rx = m;
	m = mmap(NULL, p->cap, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (m == MAP_FAILED)
		goto fail;
	p->rw = m;
	*out = p;
	return 0;
fail:
	err = -errno;
	memfd_pool_destroy(p);
	return err;
}

static int memfd_stager_create(struct mpool *p, struct mstager **out)
{
	return stager_create(p, p->stage_bytes, out);
}

static int memfd_alloc(struct mstager *s, struct fn *f)
{
	return stager_bump(s, &s->p->next, s->p->cap, s->p->rx, f);
}

static int memfd_finalize(struct mstager *s)
{
	size_t i;

	for (i = 0; i < s->st.nr_runs; i++) {
		const struct stage_run *r = &s->st.runs[i];

		memcpy(s->p->rw + r->off, r->src, r->len);
	}
	stage_reset(&s->st);
	return 0;
}

const struct method method_memfd = {
	.name = "memfd",
	.desc = "memfd mapped RW and RX; finalize copies into the RW alias",
	.probe = memfd_probe,
	.pool_create = memfd_pool_create,
	.pool_destroy = memfd_pool_destroy,
	.stager_create = memfd_stager_create,
	.stager_destroy = stager_destroy,
	.alloc = memfd_alloc,
	.finalize = memfd_finalize,
};
