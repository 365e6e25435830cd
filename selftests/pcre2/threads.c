// SPDX-License-Identifier: GPL-2.0
/*
 * Threads compile concurrently: T threads (default 8) each JIT compile,
 * match and free R patterns (default 500) through the sealed libpcre2-8,
 * and every JIT result equals the interpreter's on the same pattern.
 *   threads [T [R]]
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>
#include <jitseal/sljit.h>

#include "tap.h"

static unsigned long rounds = 500;

struct worker {
	pthread_t tid;
	unsigned int id;
	unsigned long jitted, mismatches, failures;
};

/* The ovector of one match, JIT or not, as a comparable number. */
static long match_key(pcre2_code *re, const char *subj, int jit)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	PCRE2_SIZE *ov;
	long key;
	int rc;

	rc = pcre2_match(re, (PCRE2_SPTR)subj, strlen(subj), 0,
			 jit ? 0 : PCRE2_NO_JIT, md, NULL);
	ov = pcre2_get_ovector_pointer(md);
	key = rc < 0 ? rc : (long)(rc * 10000 + ov[0] * 100 + ov[1]);
	pcre2_match_data_free(md);
	return key;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	static const char *const pats[] = {
		"(a+)+b", "[[:digit:]]{2,}-(\\w+)", "^(?:x|y)*z$", "(foo|bar)\\1",
		"\\bthe\\s+(\\w+)", "(?i)JIT[a-z]*", "a.{3}c|d(e)f",
	};
	char pat[96], subj[96];
	unsigned long i;

	for (i = 0; i < rounds; i++) {
		const char *p = pats[(i + w->id) % (sizeof(pats) / sizeof(pats[0]))];
		PCRE2_SIZE off;
		size_t jitsize = 0;
		pcre2_code *re;
		int err;

		snprintf(pat, sizeof(pat), "%s|t%uq%lu", p, w->id, i);
		snprintf(subj, sizeof(subj), "12-ab the jitter aaab foofoo xyz t%uq%lu dxf abbc",
			 w->id, i);
		re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
		if (!re || pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) ||
		    pcre2_pattern_info(re, PCRE2_INFO_JITSIZE, &jitsize) || !jitsize) {
			w->failures++;
		} else {
			w->jitted++;
			if (match_key(re, subj, 1) != match_key(re, subj, 0))
				w->mismatches++;
		}
		pcre2_code_free(re);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned int nt = argc > 1 ? (unsigned int)atoi(argv[1]) : 8, i;
	JITSEAL_OPTS(jitseal_pool_stats, st);
	unsigned long jitted = 0, mism = 0, fail = 0;
	struct worker *w;

	if (argc > 2)
		rounds = strtoul(argv[2], NULL, 0);
	w = calloc(nt, sizeof(*w));
	for (i = 0; i < nt; i++) {
		w[i].id = i;
		pthread_create(&w[i].tid, NULL, work, &w[i]);
	}
	for (i = 0; i < nt; i++) {
		pthread_join(w[i].tid, NULL);
		jitted += w[i].jitted;
		mism += w[i].mismatches;
		fail += w[i].failures;
	}
	tap_check(!fail && jitted == nt * rounds,
		  "%u threads: %lu of %lu patterns JIT compiled (%lu failed)",
		  nt, jitted, nt * rounds, fail);
	tap_check(!mism, "every JIT match equals the interpreter's (%lu differ)", mism);
	if (!jitseal_sljit_pool() || jitseal_pool_stats(jitseal_sljit_pool(), &st))
		st.finalizes = 0;
	tap_check(st.finalizes >= jitted && st.frees == st.finalizes,
		  "pool on %s: %llu installs, %llu frees", jitseal_backend_name(st.backend),
		  (unsigned long long)st.finalizes, (unsigned long long)st.frees);
	free(w);
	return tap_end();
}
