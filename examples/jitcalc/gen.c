// SPDX-License-Identifier: GPL-2.0
/*
 * What every jitcalc code generator (x86.c, arm64.c) shares: the growable
 * code buffer, the list of fixups to patch once final addresses are known,
 * and the constants that go to rodata.
 */
#include <stdlib.h>
#include <string.h>

#include "jitcalc.h"

void gen_put(struct gen *g, const void *bytes, size_t n)
{
	struct buf *b = &g->c->code;

	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		uint8_t *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			g->err = -1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, bytes, n);
	b->len += n;
}

void gen_fixup(struct gen *g, int kind, int target)
{
	struct cfunc *c = g->c;

	if (c->nfix == c->capfix) {
		int cap = c->capfix ? c->capfix * 2 : 8;
		struct fixup *f = realloc(c->fix, (size_t)cap * sizeof(*f));

		if (!f) {
			g->err = -1;
			return;
		}
		c->fix = f;
		c->capfix = cap;
	}
	c->fix[c->nfix++] = (struct fixup){ .at = c->code.len, .kind = kind,
					    .target = target };
}

int gen_const(struct gen *g, int64_t v)
{
	struct consts *k = g->k;
	int i;

	for (i = 0; i < k->n; i++)
		if (k->v[i] == v)
			return i;
	if (k->n == k->cap) {
		int cap = k->cap ? k->cap * 2 : 8;
		int64_t *p = realloc(k->v, (size_t)cap * sizeof(*p));

		if (!p) {
			g->err = -1;
			return 0;
		}
		k->v = p;
		k->cap = cap;
	}
	k->v[k->n] = v;
	return k->n++;
}

void free_cfunc(struct cfunc *c)
{
	free(c->code.p);
	free(c->fix);
	memset(c, 0, sizeof(*c));
}
