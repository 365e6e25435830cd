// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: JITSEAL_IOC_LOAD, sealing a batch of segments.
 *
 * The batch is validated, then every byte is copied exactly once from user
 * memory into kernel memory no user can write: straight into the new pages
 * the batch needs (not yet visible to anyone), or into a bounce buffer for
 * the free tail of pages that are already mapped.  Digests are computed from
 * that kernel copy.  Only when nothing can fail any more are the bounce
 * bytes copied into the live pages and the new pages published, so a failed
 * LOAD leaves the pool exactly as it was and a successful one installs
 * exactly the bytes it digested.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/sha2.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "jitseal.h"

#define JITSEAL_PAGE_GFP (GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/*
 * A JIT typically seals one or a few functions at a time.  Batches within
 * these bounds make no heap allocation at all (charging short-lived
 * buffers to the memory cgroup used to cost more than the rest of the
 * load): what is read before the pool lock (segments) is in a struct
 * jitseal_small on the stack, what is used under it (digests, pages,
 * extent nodes, bounce bytes) in the pool's struct jitseal_scratch, which
 * the lock serialises.  A slab object per call would be zeroed whole on every LOAD
 * (init_on_alloc) and the whole set does not fit a small stack frame.
 */
#define JITSEAL_SMALL_SEGS	4
#define JITSEAL_SMALL_PAGES	4
#define JITSEAL_SMALL_BOUNCE	256

struct jitseal_kseg {
	u64 src;
	u64 offset;
	u64 len;
	u32 index;		/* in the caller's array: order of digests */
};

struct jitseal_tpage {
	struct page *page;
	unsigned long index;	/* in pool->pages */
	bool fresh;		/* reserved by this batch, not yet published */
};

/* Left uninitialised until used. */
struct jitseal_small {
	struct jitseal_kseg segs[JITSEAL_SMALL_SEGS];
};

struct jitseal_scratch {
	u8 digests[JITSEAL_SMALL_SEGS][JITSEAL_DIGEST_SIZE];
	struct jitseal_tpage tpages[JITSEAL_SMALL_PAGES];
	struct jitseal_extent *spares[JITSEAL_SMALL_SEGS];
	u8 bounce[JITSEAL_SMALL_BOUNCE];
};

struct jitseal_kbatch {
	struct jitseal_kpool *pool;
	struct jitseal_load arg;
	struct jitseal_kseg *segs;
	u64 bytes;
	u32 nr_runs;		/* runs of touching segments: extent nodes */
	u8 (*digests)[JITSEAL_DIGEST_SIZE];
	struct jitseal_extent **spares;
	struct jitseal_tpage *tpages;
	unsigned long nr_tpages;
	unsigned long nr_fresh;
	u8 *bounce;
	size_t bounce_len;
	bool sync_core;		/* the architecture asks for it after code */
	bool audit;		/* the knob, read once */
	struct jitseal_small *small;
	struct jitseal_scratch *scratch;	/* the pool's, under its lock */
	struct jitseal_kdecls decls;	/* entry points and slots (slot.c) */
};

/* A pool's scratch of jitseal_load_locked(), or NULL. */
struct jitseal_scratch *jitseal_load_scratch_new(void)
{
	return kmalloc(sizeof(struct jitseal_scratch), GFP_KERNEL_ACCOUNT);
}

/* Room for @n items of @size: @small when they fit, else the heap. */
static void *jitseal_scratch(void *small, size_t small_n, size_t n,
			     size_t size)
{
	if (n <= small_n)
		return small;
	return kvmalloc_array(n, size, GFP_KERNEL_ACCOUNT);
}

static void jitseal_scratch_free(void *p, const void *small)
{
	if (p != small)
		kvfree(p);
}

static int jitseal_kseg_cmp(const void *a, const void *b)
{
	const struct jitseal_kseg *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return 0;
}

/* Copy segment @i from user memory and check it against the pool. */
static int jitseal_read_segment(struct jitseal_kbatch *b, u32 i)
{
	const struct jitseal_kpool *pool = b->pool;
	struct jitseal_kseg *k = &b->segs[i];
	struct jitseal_segment s;
	u64 end, lo, hi;
	int ret;

	ret = copy_struct_from_user(&s, sizeof(s),
				    u64_to_user_ptr(b->arg.segments +
						    (u64)i * b->arg.segment_size),
				    b->arg.segment_size);
	if (ret)
		return ret;

	if (s.prot == JITSEAL_PROT_RX) {
		lo = 0;
		hi = pool->code_bytes;
	} else if (s.prot == JITSEAL_PROT_R) {
		lo = pool->code_bytes;
		hi = jitseal_kpool_bytes(pool);
	} else {
		return -EINVAL;
	}
	if (s.flags || !s.len || check_add_overflow(s.offset, s.len, &end) ||
	    s.offset < lo || end > hi)
		return -EINVAL;

	b->bytes += s.len;
	if (b->bytes > JITSEAL_MAX_LOAD_BYTES)
		return -EINVAL;

	k->src = s.src;
	k->offset = s.offset;
	k->len = s.len;
	k->index = i;
	return 0;
}

/* A cursor over the runs of touching segments of a sorted batch. */
struct jitseal_segrun {
	u32 first;	/* first segment of the run */
	u32 next;	/* first segment after it */
	u32 nr;		/* runs so far, this one included */
	u64 end;	/* end offset of the run */
};

/*
 * Advance @r, zeroed at first, to the next run of touching segments of @b:
 * one extent node each.  False after the last.
 */
static bool jitseal_next_run(const struct jitseal_kbatch *b,
			     struct jitseal_segrun *r)
{
	u32 s = r->next;

	if (s >= b->arg.nr_segments)
		return false;
	r->first = s;
	r->end = b->segs[s].offset + b->segs[s].len;
	while (s + 1 < b->arg.nr_segments && b->segs[s + 1].offset == r->end) {
		s++;
		r->end += b->segs[s].len;
	}
	r->next = s + 1;
	r->nr++;
	return true;
}

static int jitseal_read_segments(struct jitseal_kbatch *b)
{
	struct jitseal_segrun r = {};
	u32 i, n = b->arg.nr_segments;
	int ret;

	b->segs = jitseal_scratch(b->small->segs, JITSEAL_SMALL_SEGS, n,
				  sizeof(*b->segs));
	if (!b->segs)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		ret = jitseal_read_segment(b, i);
		if (ret)
			return ret;
	}

	sort(b->segs, n, sizeof(*b->segs), jitseal_kseg_cmp, NULL);

	/* Segments of one batch must not overlap each other. */
	for (i = 1; i < n; i++)
		if (b->segs[i - 1].offset + b->segs[i - 1].len >
		    b->segs[i].offset)
			return -EINVAL;
	while (jitseal_next_run(b, &r))
		;
	b->nr_runs = r.nr;
	return 0;
}

/*
 * An extent node for every run of touching segments that will not merge
 * into a sealed range, so that publishing cannot fail.  A JIT appending
 * code after code needs none.
 */
static int jitseal_alloc_spares(struct jitseal_kbatch *b)
{
	struct jitseal_segrun r = {};
	struct jitseal_extent **spare;

	lockdep_assert_held(&b->pool->lock);
	b->spares = jitseal_scratch(b->scratch->spares, JITSEAL_SMALL_SEGS,
				    b->nr_runs, sizeof(*b->spares));
	if (!b->spares)
		return -ENOMEM;
	memset(b->spares, 0, b->nr_runs * sizeof(*b->spares));

	while (jitseal_next_run(b, &r)) {
		if (jitseal_extents_touch(b->pool, b->segs[r.first].offset,
					  r.end))
			continue;
		spare = &b->spares[r.nr - 1];
		*spare = kmalloc(sizeof(**spare), GFP_KERNEL_ACCOUNT);
		if (!*spare)
			return -ENOMEM;
	}
	return 0;
}

static void jitseal_free_spares(struct jitseal_kbatch *b)
{
	u32 i;

	if (!b->spares)
		return;
	for (i = 0; i < b->nr_runs; i++)
		kfree(b->spares[i]);
	jitseal_scratch_free(b->spares, b->scratch->spares);
}

static unsigned long jitseal_first_page(const struct jitseal_kseg *k)
{
	return k->offset >> PAGE_SHIFT;
}

static unsigned long jitseal_last_page(const struct jitseal_kseg *k)
{
	return (k->offset + k->len - 1) >> PAGE_SHIFT;
}

/* Pages the sorted, disjoint segments touch, each counted once. */
static unsigned long jitseal_count_pages(const struct jitseal_kbatch *b)
{
	unsigned long n = 0;
	u32 i;

	for (i = 0; i < b->arg.nr_segments; i++) {
		n += jitseal_last_page(&b->segs[i]) -
		     jitseal_first_page(&b->segs[i]) + 1;
		if (i && jitseal_last_page(&b->segs[i - 1]) ==
			 jitseal_first_page(&b->segs[i]))
			n--;
	}
	return n;
}

/*
 * A new page for the batch, filled with traps: nobody can see it yet.  Its
 * entry in pool->pages is reserved now, so that publishing cannot fail.
 */
static int jitseal_fresh_page(struct jitseal_kbatch *b,
			      struct jitseal_tpage *t)
{
	void *kaddr;

	if (xa_reserve(&b->pool->pages, t->index, GFP_KERNEL_ACCOUNT))
		return -ENOMEM;
	t->fresh = true;
	t->page = alloc_page(JITSEAL_PAGE_GFP);
	if (!t->page)
		return -ENOMEM;
	b->nr_fresh++;
	kaddr = kmap_local_page(t->page);
	jitseal_arch_fill_trap(kaddr, PAGE_SIZE);
	kunmap_local(kaddr);
	if (fatal_signal_pending(current))
		return -EINTR;
	cond_resched();
	return 0;
}

/*
 * Collect the pages the batch touches, in order, allocating (and filling
 * with traps) those that do not exist yet, and size the bounce buffer for
 * the bytes that go into existing pages.
 */
static int jitseal_prepare_pages(struct jitseal_kbatch *b)
{
	struct jitseal_kpool *pool = b->pool;
	unsigned long idx, last = ULONG_MAX;
	u32 i;
	int ret;

	lockdep_assert_held(&pool->lock);
	b->tpages = jitseal_scratch(b->scratch->tpages, JITSEAL_SMALL_PAGES,
				    jitseal_count_pages(b), sizeof(*b->tpages));
	if (!b->tpages)
		return -ENOMEM;

	for (i = 0; i < b->arg.nr_segments; i++) {
		const struct jitseal_kseg *k = &b->segs[i];

		for (idx = jitseal_first_page(k); idx <= jitseal_last_page(k);
		     idx++) {
			u64 start = max_t(u64, k->offset, (u64)idx << PAGE_SHIFT);
			u64 end = min_t(u64, k->offset + k->len,
					(u64)(idx + 1) << PAGE_SHIFT);
			struct jitseal_tpage *t;

			/* Many segments share a page: look it up once. */
			if (idx == last) {
				t = &b->tpages[b->nr_tpages - 1];
				if (!t->fresh)
					b->bounce_len += end - start;
				continue;
			}
			last = idx;

			t = &b->tpages[b->nr_tpages++];
			t->index = idx;
			t->page = xa_load(&pool->pages, idx);
			t->fresh = false;
			if (t->page) {
				b->bounce_len += end - start;
				continue;
			}
			ret = jitseal_fresh_page(b, t);
			if (ret)
				return ret;
		}
	}

	if (b->bounce_len) {
		b->bounce = jitseal_scratch(b->scratch->bounce,
					    JITSEAL_SMALL_BOUNCE, b->bounce_len,
					    1);
		if (!b->bounce)
			return -ENOMEM;
	}
	return 0;
}

static void jitseal_free_pages(struct jitseal_kbatch *b)
{
	unsigned long i;

	if (!b->tpages)
		return;
	for (i = 0; i < b->nr_tpages; i++) {
		struct jitseal_tpage *t = &b->tpages[i];

		if (!t->fresh)
			continue;
		xa_release(&b->pool->pages, t->index);
		if (t->page)
			__free_page(t->page);
	}
	jitseal_scratch_free(b->tpages, b->scratch->tpages);
}

/* The part of a segment that lies in one page. */
struct jitseal_piece {
	struct jitseal_tpage *t;
	unsigned int poff;	/* offset in the page */
	unsigned int len;
	u64 done;		/* bytes of the segment before this piece */
};

/*
 * Advance @c to the next piece of segment @k, or return false at its end.
 * Start with a zeroed @c; *@cursor indexes tpages and only moves forward,
 * as segments are sorted and disjoint.
 */
static bool jitseal_next_piece(struct jitseal_kbatch *b,
			       const struct jitseal_kseg *k,
			       unsigned long *cursor, struct jitseal_piece *c)
{
	u64 off;

	c->done += c->len;
	if (c->done >= k->len)
		return false;
	off = k->offset + c->done;
	c->poff = offset_in_page(off);
	c->len = min_t(u64, k->len - c->done, PAGE_SIZE - c->poff);
	while (b->tpages[*cursor].index != off >> PAGE_SHIFT)
		(*cursor)++;
	c->t = &b->tpages[*cursor];
	return true;
}

/*
 * The one read of user memory: each segment is copied into kernel memory
 * and digested from there.
 */
static int jitseal_copy_in(struct jitseal_kbatch *b)
{
	unsigned long cursor = 0;
	size_t bpos = 0;
	u32 i;

	for (i = 0; i < b->arg.nr_segments; i++) {
		const struct jitseal_kseg *k = &b->segs[i];
		const u8 __user *src = u64_to_user_ptr(k->src);
		struct jitseal_piece c = {};
		struct sha256_state sha;

		if (b->digests)
			sha256_init(&sha);

		while (jitseal_next_piece(b, k, &cursor, &c)) {
			void *kaddr = NULL;
			unsigned long uncopied;
			u8 *dst;

			if (c.t->fresh) {
				kaddr = kmap_local_page(c.t->page);
				dst = kaddr + c.poff;
			} else {
				dst = b->bounce + bpos;
				bpos += c.len;
			}

			uncopied = copy_from_user(dst, src + c.done, c.len);
			if (!uncopied && b->digests)
				sha256_update(&sha, dst, c.len);
			if (kaddr)
				kunmap_local(kaddr);
			if (uncopied)
				return -EFAULT;
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}

		if (b->digests)
			sha256_final(&sha, b->digests[k->index]);
	}
	return 0;
}

/* The free tails of live pages, through the kernel's own alias. */
static void jitseal_write_live(struct jitseal_kbatch *b)
{
	unsigned long code_pages = b->pool->code_bytes >> PAGE_SHIFT;
	unsigned long cursor = 0;
	size_t bpos = 0;
	u32 s;

	for (s = 0; s < b->arg.nr_segments; s++) {
		struct jitseal_piece c = {};
		void *kaddr;

		while (jitseal_next_piece(b, &b->segs[s], &cursor, &c)) {
			if (c.t->fresh)
				continue;
			kaddr = kmap_local_page(c.t->page);
			memcpy(kaddr + c.poff, b->bounce + bpos, c.len);
			if (c.t->index < code_pages)
				jitseal_arch_flush_icache(kaddr + c.poff,
							  c.len);
			kunmap_local(kaddr);
			bpos += c.len;
		}
	}
}

/* Make the batch visible.  Nothing here can fail. */
static void jitseal_publish(struct jitseal_kbatch *b)
{
	struct jitseal_kpool *pool = b->pool;
	unsigned long code_pages = pool->code_bytes >> PAGE_SHIFT;
	struct jitseal_segrun r = {};
	unsigned long i;

	lockdep_assert_held(&pool->lock);
	jitseal_write_live(b);

	for (i = 0; i < b->nr_tpages; i++) {
		struct jitseal_tpage *t = &b->tpages[i];
		void *kaddr;

		if (t->fresh && t->index < code_pages) {
			kaddr = kmap_local_page(t->page);
			jitseal_arch_flush_icache(kaddr, PAGE_SIZE);
			kunmap_local(kaddr);
		}
	}
	if (b->tpages[0].index < code_pages)
		b->sync_core = jitseal_arch_sync_icache();

	for (i = 0; i < b->nr_tpages; i++) {
		struct jitseal_tpage *t = &b->tpages[i];

		if (!t->fresh)
			continue;
		/*
		 * Into the entry reserved by jitseal_fresh_page(): no
		 * allocation, no failure.  Ordered after the page's contents
		 * for the fault handler's xa_load().
		 */
		xa_store(&pool->pages, t->index, t->page, 0);
		t->fresh = false;
	}

	jitseal_decls_publish(pool, &b->decls);

	/* Each run of touching segments goes in as one range. */
	while (jitseal_next_run(b, &r))
		jitseal_extents_insert(pool, b->segs[r.first].offset, r.end,
				       &b->spares[r.nr - 1]);

	/* INFO reads these without the lock. */
	WRITE_ONCE(pool->sealed_bytes, pool->sealed_bytes + b->bytes);
	WRITE_ONCE(pool->nr_alloc_pages, pool->nr_alloc_pages + b->nr_fresh);
	WRITE_ONCE(pool->loads, pool->loads + 1);
}

/* Whether [@off, @off + @len) lies in one segment of the sorted batch. */
static bool jitseal_in_batch(const struct jitseal_kbatch *b, u64 off, u64 len)
{
	u32 lo = 0, hi = b->arg.nr_segments, mid;
	const struct jitseal_kseg *k;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		k = &b->segs[mid];
		if (k->offset + k->len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == b->arg.nr_segments)
		return false;
	k = &b->segs[lo];
	return k->offset <= off && off + len <= k->offset + k->len;
}

/* Entry points in the batch's code, slots in its read-only data. */
static int jitseal_check_decls(const struct jitseal_kbatch *b)
{
	const struct jitseal_kdecls *d = &b->decls;
	u64 code = b->pool->code_bytes;
	u32 i;

	for (i = 0; i < d->nr_entries; i++)
		if (d->entries[i] >= code ||
		    !jitseal_in_batch(b, d->entries[i], 1))
			return -EINVAL;
	for (i = 0; i < d->nr_slots; i++)
		if (d->slots[i].offset < code ||
		    !jitseal_in_batch(b, d->slots[i].offset, sizeof(u64)))
			return -EINVAL;
	return 0;
}

/*
 * Each slot's initial target, read from the kernel's copy of the batch
 * (not user memory again): what slot.c checks is what is sealed.  Slots
 * and segments are sorted, and a slot's 8 aligned bytes lie in one piece.
 */
static void jitseal_peek_slots(struct jitseal_kbatch *b)
{
	struct jitseal_kdecls *d = &b->decls;
	unsigned long cursor = 0;
	size_t bpos = 0;
	u32 s, i = 0;

	for (s = 0; s < b->arg.nr_segments && i < d->nr_slots; s++) {
		const struct jitseal_kseg *k = &b->segs[s];
		struct jitseal_piece c = {};

		while (jitseal_next_piece(b, k, &cursor, &c)) {
			u64 start = k->offset + c.done;
			void *kaddr = NULL;
			const u8 *src;

			if (c.t->fresh) {
				kaddr = kmap_local_page(c.t->page);
				src = kaddr + c.poff;
			} else {
				src = b->bounce + bpos;
				bpos += c.len;
			}
			while (i < d->nr_slots &&
			       d->slots[i].offset < start + c.len) {
				memcpy(&d->slots[i].value,
				       src + (d->slots[i].offset - start),
				       sizeof(u64));
				i++;
			}
			if (kaddr)
				kunmap_local(kaddr);
		}
	}
}

/* Copy and check the LOAD argument and its segments; no lock yet. */
static int jitseal_load_read(struct jitseal_kbatch *b,
			     struct jitseal_load __user *uarg)
{
	const struct jitseal_load *a = &b->arg;
	int ret;

	ret = jitseal_copy_arg(&b->arg, sizeof(b->arg), JITSEAL_LOAD_SIZE_VER0,
			       uarg);
	if (ret)
		return ret;
	if ((a->flags & ~JITSEAL_LOAD_FLAGS) ||
	    !a->nr_segments || a->nr_segments > JITSEAL_MAX_SEGMENTS ||
	    a->segment_size < JITSEAL_SEGMENT_SIZE_VER0 ||
	    a->segment_size > JITSEAL_MAX_ARG_SIZE ||
	    (!(a->flags & JITSEAL_LOAD_DIGEST) && a->digests))
		return -EINVAL;
	if ((a->flags & JITSEAL_LOAD_DIGEST) &&
	    !access_ok(u64_to_user_ptr(a->digests),
		       (size_t)a->nr_segments * JITSEAL_DIGEST_SIZE))
		return -EFAULT;

	ret = jitseal_read_segments(b);
	if (ret)
		return ret;
	ret = jitseal_decls_read(&b->decls, a);
	if (ret)
		return ret;
	return jitseal_check_decls(b);
}

/*
 * Everything that needs the pool as it is now: check, charge, copy in,
 * publish.  On an error the pool is exactly as before.
 */
static int jitseal_load_install(struct jitseal_kbatch *b)
{
	struct jitseal_kpool *pool = b->pool;
	u32 i;
	int ret;

	for (i = 0; i < b->arg.nr_segments; i++)
		if (jitseal_extents_overlap(pool, b->segs[i].offset,
					    b->segs[i].offset + b->segs[i].len))
			return -EEXIST;
	ret = jitseal_alloc_spares(b);
	if (ret)
		return ret;
	ret = jitseal_decls_prepare(pool, &b->decls);
	if (ret)
		return ret;

	if ((b->arg.flags & JITSEAL_LOAD_DIGEST) || b->audit) {
		b->digests = jitseal_scratch(b->scratch->digests,
					     JITSEAL_SMALL_SEGS,
					     b->arg.nr_segments,
					     JITSEAL_DIGEST_SIZE);
		if (!b->digests)
			return -ENOMEM;
	}

	ret = jitseal_user_charge_bytes(pool->user, b->bytes);
	if (ret)
		return ret;
	ret = jitseal_prepare_pages(b);
	if (ret)
		goto err_uncharge;
	ret = jitseal_copy_in(b);
	if (ret)
		goto err_uncharge;
	if (b->decls.nr_slots) {
		jitseal_peek_slots(b);
		ret = jitseal_decls_check(pool, &b->decls);
		if (ret)
			goto err_uncharge;
	}
	if ((b->arg.flags & JITSEAL_LOAD_DIGEST) &&
	    copy_to_user(u64_to_user_ptr(b->arg.digests), b->digests,
			 (size_t)b->arg.nr_segments * JITSEAL_DIGEST_SIZE)) {
		ret = -EFAULT;
		goto err_uncharge;
	}

	jitseal_publish(b);
	return 0;

err_uncharge:
	jitseal_user_uncharge_bytes(pool->user, b->bytes);
	return ret;
}

/*
 * Under the pool lock, with the pool's scratch: install the batch and
 * audit it (digests are scratch too), then give back what the install did
 * not consume (extent nodes, pages it did not publish, heap arrays),
 * before the next LOAD may use the scratch.
 */
static noinline_for_stack int jitseal_load_locked(struct jitseal_kbatch *b)
{
	int ret;

	lockdep_assert_held(&b->pool->lock);
	b->scratch = b->pool->scratch;
	ret = jitseal_load_install(b);
	if (!ret && b->audit)
		jitseal_audit_load(b->pool->id, b->arg.nr_segments, b->bytes,
				   b->digests);
	jitseal_scratch_free(b->digests, b->scratch->digests);
	jitseal_scratch_free(b->bounce, b->scratch->bounce);
	jitseal_decls_release(b->pool, &b->decls);
	jitseal_free_pages(b);
	jitseal_free_spares(b);
	return ret;
}

/* What the batch read before the lock. */
static void jitseal_load_free(struct jitseal_kbatch *b)
{
	jitseal_scratch_free(b->segs, b->small->segs);
	jitseal_decls_free(&b->decls);
}

long jitseal_ioctl_load(struct jitseal_handle *h,
			struct jitseal_load __user *uarg)
{
	struct jitseal_kpool *pool = jitseal_handle_pool(h);
	struct jitseal_small small;
	struct jitseal_kbatch b = {
		.pool = pool,
		.small = &small,
		.audit = READ_ONCE(jitseal_policy.audit),
	};
	int ret;

	if (h->map_only)
		return -EPERM;
	if (!pool)
		return -ENXIO;

	ret = jitseal_load_read(&b, uarg);
	if (ret)
		goto out;
	ret = mutex_lock_killable(&pool->lock);
	if (ret)
		goto out;
	ret = jitseal_load_locked(&b);
	mutex_unlock(&pool->lock);
	if (ret)
		goto out;

	if ((b.arg.flags & JITSEAL_LOAD_SYNC_CORE) || b.sync_core)
		jitseal_arch_sync_core(jitseal_kpool_mine(pool));
	jitseal_stat_load(b.bytes, b.nr_fresh);
out:
	jitseal_load_free(&b);
	return ret;
}
