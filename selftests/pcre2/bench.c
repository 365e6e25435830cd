// SPDX-License-Identifier: GPL-2.0
/*
 * PCRE2 benchmark (tools/bench/pcre2-suite, make bench): the cost of
 * matching a set of patterns over a text corpus, with the JIT or with
 * PCRE2's interpreter, and of pcre2_jit_compile() per pattern.  Built
 * twice (bench-sealed, bench-stock) from the same source, against the two
 * PCRE2 builds of selftests/pcre2.  Prints CSV rows:
 *   pcre2,match,LABEL,MODE,ns,matches        whole corpus, every pattern
 *   pcre2,jit_compile,LABEL,jit,ns_per_pattern,patterns
 * Times are medians of REPS runs (CLOCK_MONOTONIC: under --icount, guest
 * instructions).
 *   bench-{sealed,stock} LABEL jit|interp|compile CORPUS [COPIES [REPS]]
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcre2.h>

static const char *const patterns[] = {
	"\\b(?:GNU|General|Public)\\s+\\w+",
	"(?i)warrant(?:y|ies)",
	"[A-Z][a-z]+ [A-Z][a-z]+",
	"^\\s*\\d+\\.\\s",
	"\\b(\\w+)\\s+\\1\\b",
	"https?://[^\\s>]+",
	"[aeiou]{3,}",
	"(?:licen[cs]e|copyright)[^.]{0,40}\\bwork",
};
#define NPAT (sizeof(patterns) / sizeof(patterns[0]))

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

static pcre2_code *compile(const char *p, int jit)
{
	PCRE2_SIZE off;
	pcre2_code *re;
	int err;

	re = pcre2_compile((PCRE2_SPTR)p, PCRE2_ZERO_TERMINATED, PCRE2_MULTILINE,
			   &err, &off, NULL);
	if (!re) {
		fprintf(stderr, "bench: pattern %s does not compile (%d)\n", p, err);
		exit(1);
	}
	if (jit && pcre2_jit_compile(re, PCRE2_JIT_COMPLETE)) {
		fprintf(stderr, "bench: pcre2_jit_compile refused %s\n", p);
		exit(1);
	}
	return re;
}

/* Every match of every pattern over the corpus; the number of matches. */
static unsigned long match_all(pcre2_code **re, const char *text, size_t len, int jit)
{
	pcre2_match_data *md = pcre2_match_data_create(10, NULL);
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < NPAT; i++) {
		PCRE2_SIZE start = 0, *ov;

		while (start < len &&
		       pcre2_match(re[i], (PCRE2_SPTR)text, len, start,
				   jit ? 0 : PCRE2_NO_JIT, md, NULL) > 0) {
			ov = pcre2_get_ovector_pointer(md);
			n++;
			start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		}
	}
	pcre2_match_data_free(md);
	return n;
}

static char *load(const char *path, int copies, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *one, *all;
	long sz;
	int c;

	if (!f || fseek(f, 0, SEEK_END) || (sz = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "bench: cannot read %s\n", path);
		exit(1);
	}
	one = malloc((size_t)sz);
	all = malloc((size_t)sz * (size_t)copies);
	if (!one || !all || fread(one, 1, (size_t)sz, f) != (size_t)sz) {
		fprintf(stderr, "bench: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	for (c = 0; c < copies; c++)
		memcpy(all + (size_t)sz * (size_t)c, one, (size_t)sz);
	free(one);
	*len = (size_t)sz * (size_t)copies;
	return all;
}

int main(int argc, char **argv)
{
	const char *label, *mode;
	int copies, reps, r, jit;
	pcre2_code *re[NPAT];
	unsigned long n = 0;
	uint64_t *t, t0;
	size_t len, i;
	char *text;

	if (argc < 4) {
		fprintf(stderr, "usage: bench LABEL jit|interp|compile CORPUS [COPIES [REPS]]\n");
		return 2;
	}
	label = argv[1];
	mode = argv[2];
	copies = argc > 4 ? atoi(argv[4]) : 4;
	reps = argc > 5 ? atoi(argv[5]) : 5;
	text = load(argv[3], copies, &len);
	t = calloc((size_t)reps, sizeof(*t));
	jit = strcmp(mode, "interp") != 0;

	if (!strcmp(mode, "compile")) {
		for (r = 0; r < reps; r++) {
			for (i = 0; i < NPAT; i++)
				re[i] = compile(patterns[i], 0);
			t0 = now_ns();
			for (i = 0; i < NPAT; i++)
				pcre2_jit_compile(re[i], PCRE2_JIT_COMPLETE);
			t[r] = (now_ns() - t0) / NPAT;
			for (i = 0; i < NPAT; i++)
				pcre2_code_free(re[i]);
		}
		printf("pcre2,jit_compile,%s,jit,%llu,%zu\n", label,
		       (unsigned long long)median(t, reps), NPAT);
		return 0;
	}
	for (i = 0; i < NPAT; i++)
		re[i] = compile(patterns[i], jit);
	for (r = 0; r < reps; r++) {
		t0 = now_ns();
		n = match_all(re, text, len, jit);
		t[r] = now_ns() - t0;
	}
	printf("pcre2,match,%s,%s,%llu,%lu\n", label, mode,
	       (unsigned long long)median(t, reps), n);
	for (i = 0; i < NPAT; i++)
		pcre2_code_free(re[i]);
	return 0;
}
