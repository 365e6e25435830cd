// SPDX-License-Identifier: GPL-2.0
/* Staging arena shared by the ioctl, memfd, mprotect and temp-file methods. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "stage.h"

size_t fn_reserve(size_t len)
{
	return (len + FN_ALIGN - 1) & ~(size_t)(FN_ALIGN - 1);
}

int stage_init(struct stage *s, size_t cap)
{
	memset(s, 0, sizeof(*s));
	cap = (cap + 4095) & ~(size_t)4095;
	s->buf = mmap(NULL, cap, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (s->buf == MAP_FAILED) {
		s->buf = NULL;
		return -errno;
	}
	s->cap = cap;
	return 0;
}

void stage_fini(struct stage *s)
{
	if (s->buf)
		munmap(s->buf, s->cap);
	free(s->runs);
	free(s->fns);
	memset(s, 0, sizeof(*s));
}

static int grow(void **arr, size_t *cap, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 64;
	void *n = realloc(*arr, ncap * elem);

	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

int stage_add(struct stage *s, struct fn *f, size_t off)
{
	size_t res = fn_reserve(f->len);
	struct stage_run *last = s->nr_runs ? &s->runs[s->nr_runs - 1] : NULL;
	uint8_t *src;
	int err;

	if (s->used + res > s->cap)
		return -ENOSPC;
	src = s->buf + s->used;
	if (s->nr_fns == s->cap_fns &&
	    (err = grow((void **)&s->fns, &s->cap_fns, sizeof(*s->fns))))
		return err;
	if (last && last->src + last->len == src && last->off + last->len == off) {
		last->len += res;
	} else {
		if (s->nr_runs == s->cap_runs &&
		    (err = grow((void **)&s->runs, &s->cap_runs,
				sizeof(*s->runs))))
			return err;
		s->runs[s->nr_runs++] = (struct stage_run){ src, off, res };
	}
	if (res > f->len)
		memset(src + f->len, 0xcc, res - f->len);
	s->fns[s->nr_fns++] = f;
	s->used += res;
	f->stage = src;
	return 0;
}

void stage_reset(struct stage *s)
{
	s->used = 0;
	s->nr_runs = 0;
	s->nr_fns = 0;
}

int pool_bump(size_t *next, size_t cap, size_t len, size_t align,
	      size_t *off)
{
	size_t cur = __atomic_load_n(next, __ATOMIC_RELAXED), start;

	if (!align)
		align = FN_ALIGN;
	do {
		start = (cur + align - 1) & ~(align - 1);
		if (start + fn_reserve(len) > cap)
			return -ENOSPC;
	} while (!__atomic_compare_exchange_n(next, &cur,
					      start + fn_reserve(len), false,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	*off = start;
	return 0;
}

int stager_create(struct mpool *p, size_t stage_bytes, struct mstager **out)
{
	struct mstager *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->p = p;
	err = stage_init(&s->st, stage_bytes);
	if (err) {
		free(s);
		return err;
	}
	*out = s;
	return 0;
}

void stager_destroy(struct mstager *s)
{
	stage_fini(&s->st);
	free(s->segs);
	free(s);
}

int stager_bump(struct mstager *s, size_t *next, size_t cap, uint8_t *base,
		struct fn *f)
{
	size_t off;
	int err = pool_bump(next, cap, f->len, f->align, &off);

	if (err)
		return err;
	err = stage_add(&s->st, f, off);
	if (err)
		return err;
	f->addr = base + off;
	return 0;
}
