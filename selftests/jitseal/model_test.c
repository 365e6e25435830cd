// SPDX-License-Identifier: GPL-2.0
/*
 * C2, C4, C9 against a model: thousands of random batches, valid and not,
 * checked against a user-space shadow of the pool.  Every call must give
 * the errno the model predicts; a refused batch must change nothing; an
 * accepted one must install exactly its bytes.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sha256.h"
#include "util.h"

#define CODE_PAGES	64
#define RO_PAGES	16
#define CODE_BYTES	(CODE_PAGES * JS_PAGE)
#define POOL_BYTES	((CODE_PAGES + RO_PAGES) * JS_PAGE)
#define ITERATIONS	5000
#define MAX_SEGS	4

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure can be replayed */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static uint64_t below(uint64_t n)
{
	return rnd() % n;
}

struct model {
	uint8_t content[POOL_BYTES];
	bool sealed[POOL_BYTES];
	uint64_t sealed_bytes;
	unsigned int pages;
};

static bool page_published(const struct model *m, uint64_t page)
{
	uint64_t i;

	for (i = page * JS_PAGE; i < (page + 1) * JS_PAGE; i++)
		if (m->sealed[i])
			return true;
	return false;
}

static unsigned int count_pages(const struct model *m)
{
	unsigned int p, n = 0;

	for (p = 0; p < POOL_BYTES / JS_PAGE; p++)
		n += page_published(m, p);
	return n;
}

/*
 * Every byte of every published page in [first, last] is its sealed value
 * or a trap.
 */
static bool pages_match(const struct model *m, const uint8_t *pool,
			uint64_t first, uint64_t last)
{
	uint64_t p, i;

	for (p = first; p <= last && p < POOL_BYTES / JS_PAGE; p++) {
		if (!page_published(m, p))
			continue;
		for (i = p * JS_PAGE; i < (p + 1) * JS_PAGE; i++)
			if (pool[i] != (m->sealed[i] ? m->content[i] :
					 js_arch_fill_byte(i, JS_ARCH_TRAP_INSN)))
				return false;
	}
	return true;
}

static bool pool_matches(const struct model *m, const uint8_t *pool)
{
	return pages_match(m, pool, 0, POOL_BYTES / JS_PAGE - 1);
}

/* After a refused batch: nothing changed where it would have written. */
static bool batch_left_no_trace(const struct model *m, const uint8_t *pool,
				const struct jitseal_segment *s, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t first = s[i].offset / JS_PAGE;
		uint64_t last = first + (s[i].len < 2 * JS_PAGE ? s[i].len / JS_PAGE + 1 : 2);

		if (!pages_match(m, pool, first, last))
			return false;
	}
	return true;
}

static void random_segment(struct jitseal_segment *s, const uint8_t *src,
			   size_t src_len)
{
	uint64_t len = 1 + below(below(8) ? 48 : 600);
	bool code = below(4) != 0;

	memset(s, 0, sizeof(*s));
	s->prot = code ? JITSEAL_PROT_RX : JITSEAL_PROT_R;
	s->offset = code ? below(CODE_BYTES) : CODE_BYTES + below(RO_PAGES * JS_PAGE);
	s->len = len;
	s->src = (uintptr_t)(src + below(src_len - 300));

	switch (below(32)) {	/* now and then, something wrong */
	case 0: s->len = 0; break;
	case 1: s->prot = code ? JITSEAL_PROT_R : JITSEAL_PROT_RX; break;
	case 2: s->prot = below(2) ? 0 : 3 + below(100); break;
	case 3: s->flags = 1U << below(32); break;
	case 4: s->offset = POOL_BYTES - below(50); break;
	case 5: s->offset = UINT64_MAX - below(1000); break;
	case 6: s->len = UINT64_MAX - below(1000); break;
	case 7: s->src = below(2) ? 0 : 0xffff888000000000ULL; break;
	case 8: s->src = 16 + below(4000); break;
	}
}

/* The errno the module must give, by the order it checks things. */
static int predict(const struct model *m, const struct jitseal_segment *s,
		   unsigned int n)
{
	bool overlap = false, fault = false;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		uint64_t lo = s[i].prot == JITSEAL_PROT_RX ? 0 : CODE_BYTES;
		uint64_t hi = s[i].prot == JITSEAL_PROT_RX ? CODE_BYTES : POOL_BYTES;
		uint64_t end = s[i].offset + s[i].len;

		if ((s[i].prot != JITSEAL_PROT_RX && s[i].prot != JITSEAL_PROT_R) ||
		    s[i].flags || !s[i].len || end < s[i].offset ||
		    s[i].offset < lo || end > hi)
			return -EINVAL;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (s[i].offset < s[j].offset + s[j].len &&
			    s[j].offset < s[i].offset + s[i].len)
				return -EINVAL;
	for (i = 0; i < n; i++) {
		uint64_t k;

		for (k = s[i].offset; k < s[i].offset + s[i].len; k++)
			overlap |= m->sealed[k];
		/* the first page, or a kernel address (top bit set) */
		fault |= s[i].src < 4096 || s[i].src >= 1ULL << 63;
	}
	if (overlap)
		return -EEXIST;
	return fault ? -EFAULT : 0;
}

TEST(random_batches_match_the_model)
{
	static uint8_t src[1 << 16];
	static struct model m;
	uint8_t dig[MAX_SEGS][JITSEAL_DIGEST_SIZE], want[32];
	struct jitseal_segment s[MAX_SEGS];
	unsigned int it, i, n, counts[4] = { 0 };
	struct jitseal_pool_info info;
	const uint8_t *pool;
	int fd, ret, expect;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)rnd();
	fd = js_pool(CODE_BYTES, RO_PAGES * JS_PAGE);
	ASSERT_LE(0, fd);
	pool = js_map(fd, POOL_BYTES, 0, PROT_READ);
	ASSERT_NE(NULL, pool);

	for (it = 0; it < ITERATIONS && m.sealed_bytes < POOL_BYTES / 2; it++) {
		bool digest = below(2);

		n = 1 + below(MAX_SEGS);
		for (i = 0; i < n; i++)
			random_segment(&s[i], src, sizeof(src));
		expect = predict(&m, s, n);
		ret = js_load(fd, s, n, digest ? JITSEAL_LOAD_DIGEST : 0,
			      digest ? dig : NULL);
		ASSERT_EQ(expect, ret) TH_LOG("iteration %u", it);
		counts[expect == 0 ? 0 : expect == -EINVAL ? 1 :
		       expect == -EEXIST ? 2 : 3]++;

		if (!ret) {
			for (i = 0; i < n; i++) {
				const uint8_t *from = (const uint8_t *)(uintptr_t)s[i].src;

				memcpy(m.content + s[i].offset, from, s[i].len);
				memset(m.sealed + s[i].offset, 1, s[i].len);
				m.sealed_bytes += s[i].len;
				ASSERT_EQ(0, memcmp(pool + s[i].offset, from,
						    s[i].len));
				if (digest) {
					js_sha256(from, s[i].len, want);
					ASSERT_EQ(0, memcmp(want, dig[i], 32));
				}
			}
			m.pages = count_pages(&m);
		}
		ASSERT_EQ(0, js_info(fd, &info));
		ASSERT_EQ(m.sealed_bytes, info.sealed_bytes) TH_LOG("iteration %u", it);
		ASSERT_EQ(m.pages, info.pages) TH_LOG("iteration %u", it);
		if (ret)
			ASSERT_TRUE(batch_left_no_trace(&m, pool, s, n))
				TH_LOG("iteration %u", it);
		if (!(it % 500))
			ASSERT_TRUE(pool_matches(&m, pool)) TH_LOG("iteration %u", it);
	}
	ASSERT_TRUE(pool_matches(&m, pool));
	TH_LOG("%u batches: %u loaded, %u EINVAL, %u EEXIST, %u EFAULT; %llu bytes sealed in %u pages",
	       it, counts[0], counts[1], counts[2], counts[3],
	       (unsigned long long)m.sealed_bytes, m.pages);
	/* The run exercised every outcome. */
	EXPECT_LT(100, counts[0]);
	EXPECT_LT(100, counts[1]);
	EXPECT_LT(100, counts[2]);
	EXPECT_LT(10, counts[3]);
	munmap((void *)pool, POOL_BYTES);
	close(fd);
}

TEST_HARNESS_MAIN
