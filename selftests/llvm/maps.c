// SPDX-License-Identifier: GPL-2.0
/*
 * For `make demo`: a C program that, run by jitseal-lli, prints where its
 * own code lives: the /dev/jitseal mappings of its process (r-xs: sealed,
 * read+exec, shared, never writable).
 */
#include <stdio.h>
#include <string.h>

static unsigned long collatz_steps(unsigned long n)
{
	unsigned long s = 0;

	for (; n != 1; s++)
		n = n & 1 ? 3 * n + 1 : n / 2;
	return s;
}

int main(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	printf("collatz(27) = %lu steps; main() at %p\n", collatz_steps(27), (void *)main);
	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "/dev/jitseal") || strstr(line, "memfd:jitseal"))
			fputs(line, stdout);
	fclose(f);
	return 0;
}
