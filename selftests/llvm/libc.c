// SPDX-License-Identifier: GPL-2.0
/* libc from JIT code: printf, malloc, strtol, snprintf, string functions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <errno.h>

int main(void)
{
	const char *in = "12 0x1f -077 junk 99999999999999999999";
	char *end, buf[64], *dup;
	const char *p = in;
	int *v;

	for (int i = 0; i < 5; i++) {
		long x;

		errno = 0;
		x = strtol(p, &end, 0);
		if (end == p) {
			while (*p && !isspace((unsigned char)*p))
				p++;
			printf("skip ");
			continue;
		}
		printf("%ld%s ", x, errno == ERANGE ? "(ERANGE)" : "");
		p = end;
	}
	printf("\n");
	v = malloc(1000 * sizeof(*v));
	if (!v)
		return 1;
	for (int i = 0; i < 1000; i++)
		v[i] = i * i;
	v = realloc(v, 2000 * sizeof(*v));
	snprintf(buf, sizeof(buf), "%s-%05d-%x-%.3e", "snp", v[999] % 100000, 48879, 1.0 / 3);
	free(v);
	dup = strdup(buf);
	printf("%s len=%zu upper=%c\n", dup, strlen(dup), toupper((unsigned char)dup[1]));
	printf("strstr=%s strchr=%s\n", strstr(dup, "0-"), strchr(dup, 'b'));
	free(dup);
	printf("truncated=%d\n", snprintf(buf, 4, "%s", "abcdefgh"));
	fputs("fputs to stdout\n", stdout);
	return 7;
}
