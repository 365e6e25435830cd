// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Units: what finalizes with JITSEAL_FINALIZE_UNIT installed, one list of
 * final addresses per unit, so that jitseal_free_unit() gives a whole
 * compilation unit back without the JIT keeping its addresses.  A unit's
 * list holds exactly its allocations that are still live: an allocation
 * of a unit freed on its own with jitseal_free() leaves its list first
 * (js_units_forget(); its map entry is marked JS_REC_UNIT, so the frees
 * of other allocations never look), so an address that a later finalize
 * reuses never belongs to the old unit.  Units are kept in id order (ids
 * only grow), found by binary search.  Called with the pool lock held.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The index of unit @id in @us, or where it would go. */
static size_t js_unit_pos(const struct js_units *us, uint64_t id)
{
	size_t lo = 0, hi = us->nr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (us->v[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct js_unit *js_unit_find(const struct js_units *us, uint64_t id)
{
	size_t i = js_unit_pos(us, id);

	return i < us->nr && us->v[i]->id == id ? us->v[i] : NULL;
}

/* A new, empty unit (the highest id yet). */
static struct js_unit *js_unit_new(struct js_units *us)
{
	struct js_unit **v, *u;

	v = js_grow(us->v, &us->cap, us->nr + 1, sizeof(*v), 16);
	if (!v)
		return NULL;
	us->v = v;
	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->id = ++us->last_id;
	us->v[us->nr++] = u;
	return u;
}

/*
 * Room in unit *@id (0: a new one, whose id is stored there) for @n more
 * addresses, kept for js_unit_add() until js_unit_unreserve().
 */
int js_unit_reserve(struct js_units *us, uint64_t *id, size_t n)
{
	struct js_unit *u = *id ? js_unit_find(us, *id) : js_unit_new(us);
	uintptr_t *addr;

	if (!u)
		return *id ? -ENOENT : -ENOMEM;
	addr = js_grow(u->addr, &u->cap, u->nr + u->resv + n, sizeof(*addr), 16);
	if (!addr) {
		if (!*id && !u->nr)
			js_unit_drop(us, u->id);
		return -ENOMEM;
	}
	u->addr = addr;
	u->resv += n;
	*id = u->id;
	return 0;
}

/* @addr joins unit @id, into room reserved before. */
void js_unit_add(struct js_units *us, uint64_t id, uintptr_t addr)
{
	struct js_unit *u = js_unit_find(us, id);

	u->addr[u->nr++] = addr;
	u->resv--;
}

/* Give back what js_unit_reserve() kept for @n addresses not added. */
void js_unit_unreserve(struct js_units *us, uint64_t id, size_t n)
{
	struct js_unit *u = js_unit_find(us, id);

	u->resv -= n;
}

/*
 * A finalize into unit @id (asked for as @asked, 0: a new one) is over:
 * the unit it reports, 0 for a new unit nothing joined (it goes).
 */
uint64_t js_unit_settle(struct js_units *us, uint64_t id, uint64_t asked)
{
	struct js_unit *u = js_unit_find(us, id);

	if (!asked && !u->nr && !u->resv) {
		js_unit_drop(us, id);
		return 0;
	}
	return id;
}

/*
 * Take unit @id out of @us, its addresses into *@addr (the caller frees
 * them): -ENOENT if there is none, -EBUSY while a finalize adds to it.
 */
int js_unit_take(struct js_units *us, uint64_t id, uintptr_t **addr,
		 size_t *nr)
{
	size_t i = js_unit_pos(us, id);
	struct js_unit *u;

	if (i >= us->nr || us->v[i]->id != id)
		return -ENOENT;
	u = us->v[i];
	if (u->resv)
		return -EBUSY;
	*addr = u->addr;
	*nr = u->nr;
	memmove(&us->v[i], &us->v[i + 1], (us->nr - i - 1) * sizeof(*us->v));
	us->nr--;
	free(u);
	return 0;
}

/* Unit @id goes, with its list (nothing of it is freed). */
void js_unit_drop(struct js_units *us, uint64_t id)
{
	uintptr_t *addr;
	size_t nr;

	if (!js_unit_take(us, id, &addr, &nr))
		free(addr);
}

/* The allocation at @addr, freed on its own, leaves its unit. */
void js_units_forget(struct js_units *us, uintptr_t addr)
{
	size_t i, j;

	for (i = 0; i < us->nr; i++) {
		struct js_unit *u = us->v[i];

		for (j = 0; j < u->nr; j++) {
			if (u->addr[j] == addr) {
				u->addr[j] = u->addr[--u->nr];
				return;
			}
		}
	}
}

/* The pool goes: every unit with it. */
void js_units_release(struct js_units *us)
{
	size_t i;

	for (i = 0; i < us->nr; i++) {
		free(us->v[i]->addr);
		free(us->v[i]);
	}
	free(us->v);
	memset(us, 0, sizeof(*us));
}
