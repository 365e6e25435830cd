// SPDX-License-Identifier: GPL-2.0
/*
 * Memory stays bounded: compile, JIT, match and free N patterns (default
 * 100,000) through the sealed libpcre2-8 (linked statically, so this
 * program sees the binding's pool).  Every function is installed and
 * freed with jitseal_free(); the pool must stay in one region and its
 * pages bounded by a small constant, whatever N.
 *   cycles [N]
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>
#include <jitseal/sljit.h>

#include "tap.h"

#define MAX_PAGES	16	/* a few functions of a few KiB live at once */

static int cycle(unsigned long i, pcre2_match_data *md)
{
	char pat[64], subj[96];
	PCRE2_SIZE off;
	pcre2_code *re;
	size_t jitsize = 0;
	int err, rc;

	/* A different pattern each time: i's digits, a class and a repeat. */
	snprintf(pat, sizeof(pat), "x%lu[a-c]{%lu}y|z%lu", i, i % 7 + 1, i % 13);
	snprintf(subj, sizeof(subj), "--x%lu%.*sy--", i, (int)(i % 7 + 1), "abcabcab");
	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
	if (!re)
		return -1;
	rc = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	if (!rc)
		pcre2_pattern_info(re, PCRE2_INFO_JITSIZE, &jitsize);
	if (!rc && jitsize)
		rc = pcre2_jit_match(re, (PCRE2_SPTR)subj, strlen(subj), 0, 0, md, NULL) == 1 ? 0 : -2;
	else
		rc = -3;
	pcre2_code_free(re);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000, i, bad = 0;
	JITSEAL_OPTS(jitseal_pool_stats, st);
	pcre2_match_data *md = pcre2_match_data_create(4, NULL);
	struct jitseal_pool *pool;
	size_t max_pages = 0;
	unsigned int max_regions = 0;
	int first = 0;

	first = cycle(0, md);
	pool = jitseal_sljit_pool();
	if (!tap_check(pool && !first, "the first pattern is JIT compiled and matches (pool on %s)",
		       pool ? jitseal_backend_name(jitseal_pool_backend(pool)) : "nothing"))
		return tap_end();
	for (i = 1; i < n; i++) {
		if (cycle(i, md))
			bad++;
		if (i % 1000 == 0 && !jitseal_pool_stats(pool, &st)) {
			if (st.pages > max_pages)
				max_pages = st.pages;
			if (st.regions > max_regions)
				max_regions = st.regions;
		}
	}
	jitseal_pool_stats(pool, &st);
	tap_check(!bad, "%lu patterns JIT compiled, matched by the JIT, freed (%lu failed)", n, bad);
	tap_check(st.finalizes >= n, "one install per pattern: %llu finalizes",
		  (unsigned long long)st.finalizes);
	tap_check(st.frees == st.finalizes, "every installed function freed: %llu frees of %llu",
		  (unsigned long long)st.frees, (unsigned long long)st.finalizes);
	tap_check(max_regions == 1 && st.regions == 1, "one region all along (at most %u)", max_regions);
	tap_check(max_pages <= MAX_PAGES && st.pages <= 1,
		  "pages bounded: at most %zu of %d during the run, %zu at the end",
		  max_pages, MAX_PAGES, st.pages);
	tap_check(n < 1000 || st.reclaimed[JITSEAL_CODE] > 0,
		  "freed pages were given back (%llu reclaimed)",
		  (unsigned long long)st.reclaimed[JITSEAL_CODE]);
	pcre2_match_data_free(md);
	return tap_end();
}
