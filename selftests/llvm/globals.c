// SPDX-License-Identifier: GPL-2.0
/* Initialised and zero-initialised RW data, pointers in data, static locals. */
#include <stdio.h>
#include <string.h>

int counter = 41;
long table[8] = { 1, 2, 3, 5, 8, 13, 21, 34 };
static char big_zero[1 << 16];		/* .bss, zero-fill */
int zero_ints[1000];
static const char *names[] = { "alpha", "beta", "gamma" };	/* relocated data */
struct node {
	int v;
	struct node *next;
};
static struct node n3 = { 3, NULL }, n2 = { 2, &n3 }, n1 = { 1, &n2 };

static int next_id(void)
{
	static int id = 100;

	return id++;
}

int main(void)
{
	long sum = 0;
	int nz = 0;

	counter++;
	for (int i = 0; i < 8; i++)
		sum += table[i];
	for (size_t i = 0; i < sizeof(big_zero); i++)
		nz += big_zero[i] != 0;
	for (int i = 0; i < 1000; i++)
		nz += zero_ints[i] != 0;
	memset(big_zero, 7, sizeof(big_zero));
	zero_ints[999] = 5;
	printf("counter=%d sum=%ld nonzero=%d after=%d,%d\n", counter, sum, nz,
	       big_zero[12345], zero_ints[999]);
	for (int i = 0; i < 3; i++)
		printf("%s%c", names[i], i == 2 ? '\n' : ' ');
	for (struct node *n = &n1; n; n = n->next)
		printf("node %d\n", n->v);
	printf("ids %d %d %d\n", next_id(), next_id(), next_id());
	return 0;
}
