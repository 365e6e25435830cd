// SPDX-License-Identifier: GPL-2.0
/* libc calls back into JIT code: qsort, bsearch, function pointer tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item {
	const char *name;
	int weight;
};

static struct item items[] = {
	{ "pear", 7 }, { "apple", 3 }, { "fig", 11 }, { "kiwi", 2 },
	{ "plum", 5 }, { "date", 13 }, { "lime", 1 }, { "quince", 8 },
};
#define N (sizeof(items) / sizeof(items[0]))

static int by_weight(const void *a, const void *b)
{
	return ((const struct item *)a)->weight - ((const struct item *)b)->weight;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->name, ((const struct item *)b)->name);
}

static int by_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int twice(int x) { return 2 * x; }
static int square(int x) { return x * x; }
static int negate(int x) { return -x; }

static int (*const ops[])(int) = { twice, square, negate };

static int apply_all(int (*const *fns)(int), size_t n, int x)
{
	for (size_t i = 0; i < n; i++)
		x = fns[i](x);
	return x;
}

int main(void)
{
	struct item key = { "kiwi", 0 }, *hit;
	int nums[64];

	qsort(items, N, sizeof(items[0]), by_weight);
	for (size_t i = 0; i < N; i++)
		printf("%s:%d ", items[i].name, items[i].weight);
	printf("\n");
	qsort(items, N, sizeof(items[0]), by_name);
	hit = bsearch(&key, items, N, sizeof(items[0]), by_name);
	printf("bsearch kiwi -> %s %d\n", hit ? hit->name : "none", hit ? hit->weight : -1);
	key.name = "mango";
	hit = bsearch(&key, items, N, sizeof(items[0]), by_name);
	printf("bsearch mango -> %s\n", hit ? hit->name : "none");
	for (int i = 0; i < 64; i++)
		nums[i] = (i * 37) % 64;
	qsort(nums, 64, sizeof(int), by_int);
	printf("nums: %d %d %d .. %d\n", nums[0], nums[1], nums[2], nums[63]);
	printf("apply_all(3)=%d\n", apply_all(ops, 3, 3));
	return 0;
}
