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

/* Audit lines name at most this many digest prefixes. */
#define JITSEAL_AUDIT_DIGESTS	8

/*
 * A JIT typically seals one or a few functions at a time.  Batches within
 * these bounds keep their working arrays in a struct jitseal_small on the
 * stack and make no heap allocation at all: charging short-lived buffers to
 * the memory cgroup used to cost more than the rest of the load.
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
	bool fresh;		/* allocated by this batch, not yet published */
};

/* The working arrays of a small batch, left uninitialised until used. */
struct jitseal_small {
	struct jitseal_kseg segs[JITSEAL_SMALL_SEGS];
	struct jitseal_tpage tpages[JITSEAL_SMALL_PAGES];
	struct jitseal_extent *spares[JITSEAL_SMALL_SEGS];
	u8 digests[JITSEAL_SMALL_SEGS][JITSEAL_DIGEST_SIZE];
	u8 bounce[JITSEAL_SMALL_BOUNCE];
};

struct jitseal_batch {
	struct jitseal_pool *pool;
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
	struct jitseal_small *small;
};

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

static int jitseal_read_segments(struct jitseal_batch *b)
{
	const struct jitseal_pool *pool = b->pool;
	u64 base = b->arg.segments;
	u32 i;
	int ret;

	b->segs = jitseal_scratch(b->small->segs, JITSEAL_SMALL_SEGS,
				  b->arg.nr_segments, sizeof(*b->segs));
	if (!b->segs)
		return -ENOMEM;

	for (i = 0; i < b->arg.nr_segments; i++) {
		struct jitseal_kseg *k = &b->segs[i];
		struct jitseal_segment s;
		u64 end, lo, hi;

		ret = copy_struct_from_user(&s, sizeof(s),
					    u64_to_user_ptr(base +
					    (u64)i * b->arg.segment_size),
					    b->arg.segment_size);
		if (ret)
			return ret;

		if (s.prot == JITSEAL_PROT_RX) {
			lo = 0;
			hi = pool->code_bytes;
		} else if (s.prot == JITSEAL_PROT_R) {
			lo = pool->code_bytes;
			hi = jitseal_pool_bytes(pool);
		} else {
			return -EINVAL;
		}
		if (s.flags || !s.len ||
		    check_add_overflow(s.offset, s.len, &end) ||
		    s.offset < lo || end > hi)
			return -EINVAL;

		b->bytes += s.len;
		if (b->bytes > JITSEAL_MAX_LOAD_BYTES)
			return -EINVAL;

		k->src = s.src;
		k->offset = s.offset;
		k->len = s.len;
		k->index = i;
	}

	sort(b->segs, b->arg.nr_segments, sizeof(*b->segs), jitseal_kseg_cmp,
	     NULL);

	b->nr_runs = 1;
	for (i = 1; i < b->arg.nr_segments; i++) {
		const struct jitseal_kseg *p = &b->segs[i - 1], *k = &b->segs[i];

		if (p->offset + p->len > k->offset)
			return -EINVAL;	/* segments of one batch overlap */
		if (p->offset + p->len != k->offset)
			b->nr_runs++;
	}
	return 0;
}

/*
 * An extent node for every run of touching segments that will not merge
 * into a sealed range, so that publishing cannot fail.  A JIT appending
 * code after code needs none.  Called with pool->lock held.
 */
static int jitseal_alloc_spares(struct jitseal_batch *b)
{
	u32 s, run;

	b->spares = jitseal_scratch(b->small->spares, JITSEAL_SMALL_SEGS,
				    b->nr_runs, sizeof(*b->spares));
	if (!b->spares)
		return -ENOMEM;
	for (run = 0; run < b->nr_runs; run++)
		b->spares[run] = NULL;

	for (s = 0, run = 0; s < b->arg.nr_segments; s++, run++) {
		u64 start = b->segs[s].offset, end = start + b->segs[s].len;

		while (s + 1 < b->arg.nr_segments &&
		       b->segs[s + 1].offset == end) {
			s++;
			end += b->segs[s].len;
		}
		if (jitseal_extents_touch(&b->pool->sealed, start, end))
			continue;
		b->spares[run] = kmalloc(sizeof(*b->spares[run]),
					 GFP_KERNEL_ACCOUNT);
		if (!b->spares[run])
			return -ENOMEM;
	}
	return 0;
}

static void jitseal_free_spares(struct jitseal_batch *b)
{
	u32 i;

	if (!b->spares)
		return;
	for (i = 0; i < b->nr_runs; i++)
		kfree(b->spares[i]);
	jitseal_scratch_free(b->spares, b->small->spares);
}

static unsigned long jitseal_first_page(const struct jitseal_kseg *k)
{
	return k->offset >> PAGE_SHIFT;
}

static unsigned long jitseal_last_page(const struct jitseal_kseg *k)
{
	return (k->offset + k->len - 1) >> PAGE_SHIFT;
}

/*
 * Collect the pages the batch touches, in order, allocating (and filling
 * with traps) those that do not exist yet, and size the bounce buffer for
 * the bytes that go into existing pages.  Called with pool->lock held.
 */
static int jitseal_prepare_pages(struct jitseal_batch *b)
{
	struct jitseal_pool *pool = b->pool;
	unsigned long idx, last, n = 0;
	u32 i;

	last = ULONG_MAX;
	for (i = 0; i < b->arg.nr_segments; i++)
		for (idx = jitseal_first_page(&b->segs[i]);
		     idx <= jitseal_last_page(&b->segs[i]); idx++)
			if (idx != last) {
				last = idx;
				n++;
			}

	b->tpages = jitseal_scratch(b->small->tpages, JITSEAL_SMALL_PAGES, n,
				    sizeof(*b->tpages));
	if (!b->tpages)
		return -ENOMEM;

	last = ULONG_MAX;
	for (i = 0; i < b->arg.nr_segments; i++) {
		const struct jitseal_kseg *k = &b->segs[i];

		for (idx = jitseal_first_page(k); idx <= jitseal_last_page(k);
		     idx++) {
			u64 start = max_t(u64, k->offset, (u64)idx << PAGE_SHIFT);
			u64 end = min_t(u64, k->offset + k->len,
					(u64)(idx + 1) << PAGE_SHIFT);
			struct jitseal_tpage *t;
			void *kaddr;

			if (pool->pages[idx])
				b->bounce_len += end - start;
			if (idx == last)
				continue;
			last = idx;

			t = &b->tpages[b->nr_tpages++];
			t->index = idx;
			t->page = pool->pages[idx];
			t->fresh = false;
			if (t->page)
				continue;

			t->page = alloc_page(JITSEAL_PAGE_GFP);
			if (!t->page)
				return -ENOMEM;
			t->fresh = true;
			b->nr_fresh++;
			kaddr = kmap_local_page(t->page);
			jitseal_arch_fill_trap(kaddr, PAGE_SIZE);
			kunmap_local(kaddr);
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
	}

	if (b->bounce_len) {
		b->bounce = jitseal_scratch(b->small->bounce,
					    JITSEAL_SMALL_BOUNCE, b->bounce_len,
					    1);
		if (!b->bounce)
			return -ENOMEM;
	}
	return 0;
}

static void jitseal_free_pages(struct jitseal_batch *b)
{
	unsigned long i;

	if (!b->tpages)
		return;
	for (i = 0; i < b->nr_tpages; i++)
		if (b->tpages[i].fresh)
			__free_page(b->tpages[i].page);
	jitseal_scratch_free(b->tpages, b->small->tpages);
}

/* Pages are found in order: segments are sorted and disjoint. */
static struct jitseal_tpage *jitseal_tpage(struct jitseal_batch *b,
					   unsigned long *cursor,
					   unsigned long idx)
{
	while (b->tpages[*cursor].index != idx)
		(*cursor)++;
	return &b->tpages[*cursor];
}

/*
 * The one read of user memory: each segment is copied into kernel memory
 * and digested from there.
 */
static int jitseal_copy_in(struct jitseal_batch *b)
{
	unsigned long cursor = 0;
	size_t bpos = 0;
	u32 i;

	for (i = 0; i < b->arg.nr_segments; i++) {
		const struct jitseal_kseg *k = &b->segs[i];
		const u8 __user *src = u64_to_user_ptr(k->src);
		u64 off = k->offset, left = k->len;
		struct sha256_state sha;

		if (b->digests)
			sha256_init(&sha);

		while (left) {
			unsigned int poff = offset_in_page(off);
			unsigned int n = min_t(u64, left, PAGE_SIZE - poff);
			struct jitseal_tpage *t;
			void *kaddr = NULL;
			unsigned long uncopied;
			u8 *dst;

			t = jitseal_tpage(b, &cursor, off >> PAGE_SHIFT);
			if (t->fresh) {
				kaddr = kmap_local_page(t->page);
				dst = kaddr + poff;
			} else {
				dst = b->bounce + bpos;
				bpos += n;
			}

			uncopied = copy_from_user(dst, src, n);
			if (!uncopied && b->digests)
				sha256_update(&sha, dst, n);
			if (kaddr)
				kunmap_local(kaddr);
			if (uncopied)
				return -EFAULT;

			off += n;
			src += n;
			left -= n;
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}

		if (b->digests)
			sha256_final(&sha, b->digests[k->index]);
	}
	return 0;
}

/* Make the batch visible.  Nothing here can fail. */
static void jitseal_publish(struct jitseal_batch *b)
{
	struct jitseal_pool *pool = b->pool;
	unsigned long code_pages = pool->code_bytes >> PAGE_SHIFT;
	unsigned long cursor = 0, i;
	size_t bpos = 0;
	u32 s, run = 0;

	/* The free tails of live pages, through the kernel's own alias. */
	for (s = 0; s < b->arg.nr_segments; s++) {
		const struct jitseal_kseg *k = &b->segs[s];
		u64 off = k->offset, left = k->len;

		while (left) {
			unsigned int poff = offset_in_page(off);
			unsigned int n = min_t(u64, left, PAGE_SIZE - poff);
			struct jitseal_tpage *t;
			void *kaddr;

			t = jitseal_tpage(b, &cursor, off >> PAGE_SHIFT);
			if (!t->fresh) {
				kaddr = kmap_local_page(t->page);
				memcpy(kaddr + poff, b->bounce + bpos, n);
				if (t->index < code_pages)
					jitseal_arch_flush_icache(kaddr + poff,
								  n);
				kunmap_local(kaddr);
				bpos += n;
			}
			off += n;
			left -= n;
		}
	}

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
		jitseal_arch_sync_icache();

	for (i = 0; i < b->nr_tpages; i++) {
		struct jitseal_tpage *t = &b->tpages[i];

		if (!t->fresh)
			continue;
		/* Pairs with smp_load_acquire() in the fault handler. */
		smp_store_release(&pool->pages[t->index], t->page);
		t->fresh = false;
	}

	for (s = 0; s < b->arg.nr_segments; s++) {
		u64 start = b->segs[s].offset, end = start + b->segs[s].len;

		/* Insert each run of touching segments as one range. */
		while (s + 1 < b->arg.nr_segments &&
		       b->segs[s + 1].offset == end) {
			s++;
			end += b->segs[s].len;
		}
		jitseal_extents_insert(&pool->sealed, start, end,
				       &b->spares[run++]);
	}

	/* INFO reads these without the lock. */
	WRITE_ONCE(pool->sealed_bytes, pool->sealed_bytes + b->bytes);
	WRITE_ONCE(pool->nr_alloc_pages, pool->nr_alloc_pages + b->nr_fresh);
	WRITE_ONCE(pool->loads, pool->loads + 1);
}

static void jitseal_audit(const struct jitseal_batch *b)
{
	char prefixes[JITSEAL_AUDIT_DIGESTS * 9 + 16];
	u32 i, n = min_t(u32, b->arg.nr_segments, JITSEAL_AUDIT_DIGESTS);
	int len = 0;

	for (i = 0; i < n; i++)
		len += scnprintf(prefixes + len, sizeof(prefixes) - len,
				 "%s%4phN", i ? "," : "", b->digests[i]);
	if (b->arg.nr_segments > n)
		scnprintf(prefixes + len, sizeof(prefixes) - len, ",+%u",
			  b->arg.nr_segments - n);

	pr_info_ratelimited("audit: load pid=%d comm=%s uid=%u pool=%llu segments=%u bytes=%llu sha256=%s\n",
			    task_tgid_nr(current), current->comm,
			    from_kuid(&init_user_ns, current_uid()),
			    b->pool->id, b->arg.nr_segments, b->bytes,
			    prefixes);
}

long jitseal_ioctl_load(struct jitseal_pool *pool,
			struct jitseal_load __user *uarg)
{
	struct jitseal_small small;
	struct jitseal_batch b = { .pool = pool, .small = &small };
	bool audit = READ_ONCE(jitseal_policy.audit);
	int ret;
	u32 i;

	ret = jitseal_copy_arg(&b.arg, sizeof(b.arg), JITSEAL_LOAD_SIZE_VER0,
			       uarg);
	if (ret)
		return ret;
	if ((b.arg.flags & ~JITSEAL_LOAD_FLAGS) ||
	    !b.arg.nr_segments || b.arg.nr_segments > JITSEAL_MAX_SEGMENTS ||
	    b.arg.segment_size < JITSEAL_SEGMENT_SIZE_VER0 ||
	    b.arg.segment_size > JITSEAL_MAX_ARG_SIZE ||
	    (!(b.arg.flags & JITSEAL_LOAD_DIGEST) && b.arg.digests))
		return -EINVAL;
	if ((b.arg.flags & JITSEAL_LOAD_DIGEST) &&
	    !access_ok(u64_to_user_ptr(b.arg.digests),
		       (size_t)b.arg.nr_segments * JITSEAL_DIGEST_SIZE))
		return -EFAULT;

	ret = jitseal_read_segments(&b);
	if (ret)
		goto out_free;
	if ((b.arg.flags & JITSEAL_LOAD_DIGEST) || audit) {
		b.digests = jitseal_scratch(small.digests, JITSEAL_SMALL_SEGS,
					    b.arg.nr_segments,
					    JITSEAL_DIGEST_SIZE);
		ret = -ENOMEM;
		if (!b.digests)
			goto out_free;
	}

	ret = mutex_lock_killable(&pool->lock);
	if (ret)
		goto out_free;

	ret = -EEXIST;
	for (i = 0; i < b.arg.nr_segments; i++)
		if (jitseal_extents_overlap(&pool->sealed, b.segs[i].offset,
					    b.segs[i].offset + b.segs[i].len))
			goto out_unlock;
	ret = jitseal_alloc_spares(&b);
	if (ret)
		goto out_unlock;

	ret = jitseal_user_charge_bytes(pool->user, b.bytes);
	if (ret)
		goto out_unlock;

	ret = jitseal_prepare_pages(&b);
	if (ret)
		goto out_uncharge;
	ret = jitseal_copy_in(&b);
	if (ret)
		goto out_uncharge;
	if ((b.arg.flags & JITSEAL_LOAD_DIGEST) &&
	    copy_to_user(u64_to_user_ptr(b.arg.digests), b.digests,
			 (size_t)b.arg.nr_segments * JITSEAL_DIGEST_SIZE)) {
		ret = -EFAULT;
		goto out_uncharge;
	}

	jitseal_publish(&b);
	mutex_unlock(&pool->lock);

	if (b.arg.flags & JITSEAL_LOAD_SYNC_CORE)
		jitseal_arch_sync_core();
	jitseal_stat_load(b.bytes, b.nr_fresh);
	if (audit)
		jitseal_audit(&b);
	goto out_free;

out_uncharge:
	jitseal_user_uncharge_bytes(pool->user, b.bytes);
out_unlock:
	mutex_unlock(&pool->lock);
out_free:
	jitseal_scratch_free(b.bounce, small.bounce);
	jitseal_free_pages(&b);
	jitseal_free_spares(&b);
	jitseal_scratch_free(b.digests, small.digests);
	jitseal_scratch_free(b.segs, small.segs);
	return ret;
}
