// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: the set of sealed byte ranges of a pool.
 *
 * An rbtree of disjoint [start, end) ranges ordered by start.  Ranges that
 * touch are merged, so a JIT that appends function after function keeps a
 * handful of nodes.  Every call but jitseal_extents_destroy(), which runs
 * when the last reference is gone, needs pool->lock.
 */
#include <linux/lockdep.h>
#include <linux/rbtree.h>
#include <linux/slab.h>

#include "jitseal.h"

/* Does any sealed byte lie in [start, end)? */
bool jitseal_extents_overlap(const struct jitseal_kpool *pool, u64 start,
			     u64 end)
{
	const struct rb_node *node = pool->sealed.rb_node;
	const struct jitseal_extent *last = NULL;

	lockdep_assert_held(&pool->lock);
	/* Find the last range that starts before @end. */
	while (node) {
		const struct jitseal_extent *e =
			rb_entry(node, struct jitseal_extent, node);

		if (e->start < end) {
			last = e;
			node = node->rb_right;
		} else {
			node = node->rb_left;
		}
	}
	return last && last->end > start;
}

/*
 * Would [start, end), which must not overlap the set, merge into a range
 * it touches?  Then jitseal_extents_insert() needs no new node for it.
 */
bool jitseal_extents_touch(const struct jitseal_kpool *pool, u64 start,
			   u64 end)
{
	const struct rb_node *node = pool->sealed.rb_node;

	lockdep_assert_held(&pool->lock);
	while (node) {
		const struct jitseal_extent *e =
			rb_entry(node, struct jitseal_extent, node);

		if (e->end == start || e->start == end)
			return true;
		node = e->start < start ? node->rb_right : node->rb_left;
	}
	return false;
}

/*
 * Add [start, end), which must not overlap the set.  *@spare is a
 * preallocated node: it is used (and *@spare set to NULL) only if the range
 * cannot be merged into a neighbour, so this never fails.
 */
void jitseal_extents_insert(struct jitseal_kpool *pool, u64 start, u64 end,
			    struct jitseal_extent **spare)
{
	struct rb_root *root = &pool->sealed;
	struct rb_node **link = &root->rb_node, *parent = NULL;
	struct jitseal_extent *prev = NULL, *next = NULL, *e;

	lockdep_assert_held(&pool->lock);
	while (*link) {
		parent = *link;
		e = rb_entry(parent, struct jitseal_extent, node);
		if (e->start < start) {
			prev = e;
			link = &parent->rb_right;
		} else {
			next = e;
			link = &parent->rb_left;
		}
	}

	if (prev && prev->end == start) {
		prev->end = end;
		if (next && next->start == end) {
			prev->end = next->end;
			rb_erase(&next->node, root);
			kfree(next);
		}
		return;
	}
	if (next && next->start == end) {
		/* Lowering the start keeps the order: nothing lies between. */
		next->start = start;
		return;
	}

	e = *spare;
	*spare = NULL;
	e->start = start;
	e->end = end;
	rb_link_node(&e->node, parent, link);
	rb_insert_color(&e->node, root);
}

/* Link @n, which overlaps nothing in the set, by its start. */
static void jitseal_extents_link(struct rb_root *root, struct jitseal_extent *n)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		if (rb_entry(parent, struct jitseal_extent, node)->start <
		    n->start)
			link = &parent->rb_right;
		else
			link = &parent->rb_left;
	}
	rb_link_node(&n->node, parent, link);
	rb_insert_color(&n->node, root);
}

/*
 * Take [start, end) out of the set; returns how many sealed bytes that
 * was.  *@spare is a preallocated node, used (and *@spare set to NULL)
 * only if a range must be split in two, so this never fails.
 */
u64 jitseal_extents_remove(struct jitseal_kpool *pool, u64 start, u64 end,
			   struct jitseal_extent **spare)
{
	struct rb_node *node = pool->sealed.rb_node;
	struct jitseal_extent *e = NULL, *split;
	u64 removed = 0;

	lockdep_assert_held(&pool->lock);
	/* The first range that ends after @start. */
	while (node) {
		struct jitseal_extent *x =
			rb_entry(node, struct jitseal_extent, node);

		if (x->end > start) {
			e = x;
			node = node->rb_left;
		} else {
			node = node->rb_right;
		}
	}

	while (e && e->start < end) {
		struct rb_node *next = rb_next(&e->node);
		u64 lo = max(e->start, start), hi = min(e->end, end);

		removed += hi - lo;
		if (e->start < start && e->end > end) {
			split = *spare;
			*spare = NULL;
			split->start = end;
			split->end = e->end;
			e->end = start;
			jitseal_extents_link(&pool->sealed, split);
			break;
		} else if (e->start < start) {
			e->end = start;
		} else if (e->end > end) {
			e->start = end;
		} else {
			rb_erase(&e->node, &pool->sealed);
			kfree(e);
		}
		e = next ? rb_entry(next, struct jitseal_extent, node) : NULL;
	}
	return removed;
}

void jitseal_extents_destroy(struct rb_root *root)
{
	struct jitseal_extent *e, *tmp;

	rbtree_postorder_for_each_entry_safe(e, tmp, root, node)
		kfree(e);
	*root = RB_ROOT;
}
