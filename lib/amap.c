// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Leaf: the map of a pool's finalized allocations, keyed by final
 * address, for jitseal_free().  Until the pool's first free it is only a
 * log, in finalize order (an append: a JIT that never frees pays nothing
 * more); the first js_amap_take() builds the index from it, once.  The
 * index is open addressing with linear probing and backward-shift
 * deletion (no tombstones), at most three quarters full, 16 bytes an
 * entry: every byte of a new table is zeroed (and under instruction
 * counting a large memset counts per byte), so the table is kept small;
 * it starts at 256 entries.
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

/* Log mode: room for @n more entries after those reserved. */
static int js_amap_log_reserve(struct js_amap *m, size_t n)
{
	struct js_rec *log = js_grow(m->log, &m->log_cap, m->nr + m->resv + n,
				     sizeof(*log), 256);

	if (!log)
		return -ENOMEM;
	m->log = log;
	return 0;
}

/* js_amap_reserve() when the log is full, or in index mode. */
int js_amap_reserve_slow(struct js_amap *m, size_t n)
{
	int err;

	if (!m->slot)
		err = js_amap_log_reserve(m, n);
	else
		err = 0;
	while (!err && m->slot && 4 * (m->nr + m->resv + n) > 3 * (m->mask + 1))
		err = js_amap_grow(m);
	if (!err)
		m->resv += n;
	return err;
}

void js_amap_unreserve(struct js_amap *m, size_t n)
{
	m->resv -= n;
}

/* Add @e (its address is not in the map) into room reserved before. */
void js_amap_add_reserved(struct js_amap *m, const struct js_rec *e)
{
	if (m->slot)
		js_amap_put(m->slot, m->mask, e);
	else
		m->log[m->nr] = *e;
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

/*
 * The first take: index the log (room for what is reserved included).
 * Without memory for the index the log stays, searched linearly.
 */
static void js_amap_index(struct js_amap *m)
{
	size_t cap = 256, i;
	struct js_rec *slot;

	while (4 * (m->nr + m->resv) > 3 * cap)
		cap *= 2;
	slot = malloc(cap * sizeof(*slot));
	if (!slot)
		return;
	for (i = 0; i < cap; i++)
		slot[i].addr = 0;
	for (i = 0; i < m->nr; i++)
		js_amap_put(slot, cap - 1, &m->log[i]);
	free(m->log);
	m->log = NULL;
	m->log_cap = 0;
	m->slot = slot;
	m->mask = cap - 1;
}

/* Log mode, no index: find @addr by a scan, fill its slot with the last. */
static bool js_amap_log_take(struct js_amap *m, uintptr_t addr,
			     struct js_rec *out)
{
	size_t i;

	for (i = 0; i < m->nr; i++) {
		if (m->log[i].addr == addr) {
			*out = m->log[i];
			m->log[i] = m->log[--m->nr];
			return true;
		}
	}
	return false;
}

/* Remove the allocation at @addr into @out; false if there is none. */
bool js_amap_take(struct js_amap *m, uintptr_t addr, struct js_rec *out)
{
	size_t i, j, h;

	if (!addr || (!m->slot && !m->nr))
		return false;
	if (!m->slot)
		js_amap_index(m);
	if (!m->slot)
		return js_amap_log_take(m, addr, out);
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
	free(m->log);
	m->slot = m->log = NULL;
	m->mask = m->nr = m->resv = m->log_cap = 0;
}
