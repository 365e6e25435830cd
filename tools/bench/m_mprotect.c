// SPDX-License-Identifier: GPL-2.0
/*
 * mprotect toggling: the code area is anonymous memory mapped read+exec.
 * Each finalize makes the pages it touches RW, copies the staged code in
 * and makes them RX again: two mprotect calls, a VMA split and merge and
 * a TLB flush of the range each time.  Threads that share a pool take a
 * lock: a page must not turn RX while another thread writes into it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "stage.h"

#define PAGE	4096UL

struct mpool {
	uint8_t *base;
	size_t cap, next, stage_bytes;
	pthread_mutex_t lock;
};

static int mprotect_probe(const char **why)
{
	void *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int err = 0;

	if (m == MAP_FAILED) {
		*why = "mmap failed";
		return -errno;
	}
	if (mprotect(m, PAGE, PROT_READ | PROT_EXEC)) {
		*why = "mprotect(PROT_EXEC) refused (W^X policy?)";
		err = -errno;
	}
	munmap(m, PAGE);
	return err;
}

static void mprotect_pool_destroy(struct mpool *p)
{
	if (p->base)
		munmap(p->base, p->cap);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static int mprotect_pool_create(const struct pool_params *pp,
				struct mpool **out)
{
	struct mpool *p = calloc(1, sizeof(*p));
	void *m;

	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	p->cap = (pp->code_bytes + PAGE - 1) & ~(PAGE - 1);
	p->stage_bytes = pp->stage_bytes;
	m = mmap(NULL, p->cap, PROT_READ | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		int err = -errno;

		mprotect_pool_destroy(p);
		return err;
	}
	p->base = m;
	*out = p;
	return 0;
}

static int mprotect_stager_create(struct mpool *p, struct mstager **out)
{
	return stager_create(p, p->stage_bytes, out);
}

static int mprotect_alloc(struct mstager *s, struct fn *f)
{
	return stager_bump(s, &s->p->next, s->p->cap, s->p->base, f);
}

static int mprotect_finalize(struct mstager *s)
{
	struct mpool *p = s->p;
	int err = 0;
	size_t i;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < s->st.nr_runs && !err; i++) {
		const struct stage_run *r = &s->st.runs[i];
		size_t lo = r->off & ~(PAGE - 1);
		size_t hi = (r->off + r->len + PAGE - 1) & ~(PAGE - 1);

		if (mprotect(p->base + lo, hi - lo, PROT_READ | PROT_WRITE)) {
			err = -errno;
			break;
		}
		memcpy(p->base + r->off, r->src, r->len);
		if (mprotect(p->base + lo, hi - lo, PROT_READ | PROT_EXEC))
			err = -errno;
	}
	pthread_mutex_unlock(&p->lock);
	stage_reset(&s->st);
	return err;
}

const struct method method_mprotect = {
	.name = "mprotect",
	.desc = "anonymous RX pages made RW, written, made RX per finalize",
	.probe = mprotect_probe,
	.pool_create = mprotect_pool_create,
	.pool_destroy = mprotect_pool_destroy,
	.stager_create = mprotect_stager_create,
	.stager_destroy = stager_destroy,
	.alloc = mprotect_alloc,
	.finalize = mprotect_finalize,
};
