// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Leaf: the map of a pool's finalized allocations, keyed by final
 * address, for jitseal_free().  Open addressing with linear probing and
 * backward-shift deletion (no tombstones), at most three quarters full,
 * 16 bytes an entry: every byte of a new table is zeroed (and under
 * instruction counting a large memset counts per byte), so the table is
 * kept small; it starts at 256 entries on the first finalize.
 */
#include <stdlib.h>

#include "internal.h"

static size_t js_amap_hash(uintptr_t addr, size_t mask)
{
	uint64_t h = (uint64_t)addr * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h ^ (h >> 29)) & mask;
}

static void js_amap_put(struct js_rec *slot, size_t mask, const struct js_rec *e)
{
	size_t i = js_amap_hash(e->addr, mask);

	while (slot[i].addr)
		i = (i + 1) & mask;
	slot[i] = *e;
}

static int js_amap_grow(struct js_amap *m)
{
	size_t cap = m->slot ? (m->mask + 1) * 2 : 256, i;
	struct js_rec *slot = malloc(cap * sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	/* only the keys: no memset of the whole table */
	for (i = 0; i < cap; i++)
		slot[i].addr = 0;
	for (i = 0; m->slot && i <= m->mask; i++)
		if (m->slot[i].addr)
			js_amap_put(slot, cap - 1, &m->slot[i]);
	free(m->slot);
	m->slot = slot;
	m->mask = cap - 1;
	return 0;
}

/*
 * Room for @n more entries, kept for the caller until it adds them
 * (js_amap_add_reserved()) or gives the room back (js_amap_unreserve()).
 */
int js_amap_reserve(struct js_amap *m, size_t n)
{
	int err;

	while (!m->slot || 4 * (m->nr + m->resv + n) > 3 * (m->mask + 1)) {
		err = js_amap_grow(m);
		if (err)
			return err;
	}
	m->resv += n;
	return 0;
}

void js_amap_unreserve(struct js_amap *m, size_t n)
{
	m->resv -= n;
}

/* Add @e (its address is not in the map) into room reserved before. */
void js_amap_add_reserved(struct js_amap *m, const struct js_rec *e)
{
	js_amap_put(m->slot, m->mask, e);
	m->nr++;
	m->resv--;
}

/* Add @e (its address is not in the map). */
int js_amap_add(struct js_amap *m, const struct js_rec *e)
{
	int err = js_amap_reserve(m, 1);

	if (err)
		return err;
	js_amap_add_reserved(m, e);
	return 0;
}

/* Remove the allocation at @addr into @out; false if there is none. */
bool js_amap_take(struct js_amap *m, uintptr_t addr, struct js_rec *out)
{
	size_t i, j, h;

	if (!m->slot || !addr)
		return false;
	for (i = js_amap_hash(addr, m->mask); m->slot[i].addr != addr;
	     i = (i + 1) & m->mask)
		if (!m->slot[i].addr)
			return false;
	*out = m->slot[i];
	/* shift back the entries of the probe chain that follow */
	for (j = (i + 1) & m->mask; m->slot[j].addr; j = (j + 1) & m->mask) {
		h = js_amap_hash(m->slot[j].addr, m->mask);
		if (((j - h) & m->mask) >= ((j - i) & m->mask)) {
			m->slot[i] = m->slot[j];
			i = j;
		}
	}
	m->slot[i].addr = 0;
	m->nr--;
	return true;
}

void js_amap_release(struct js_amap *m)
{
	free(m->slot);
	m->slot = NULL;
	m->mask = m->nr = m->resv = 0;
}
