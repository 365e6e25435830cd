// SPDX-License-Identifier: GPL-2.0
/* Constant tables, string literals, a switch jump table (rodata). */
#include <stdio.h>
#include <stdint.h>

static const uint32_t crc_table[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
	0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

static uint32_t crc32(const char *s, size_t n)
{
	uint32_t c = ~0u;

	for (size_t i = 0; i < n; i++) {
		c ^= (unsigned char)s[i];
		c = (c >> 4) ^ crc_table[c & 15];
		c = (c >> 4) ^ crc_table[c & 15];
	}
	return ~c;
}

__attribute__((noinline)) static const char *day(int d)
{
	switch (d) {
	case 0: return "Monday";
	case 1: return "Tuesday";
	case 2: return "Wednesday";
	case 3: return "Thursday";
	case 4: return "Friday";
	case 5: return "Saturday";
	case 6: return "Sunday";
	case 7: return "Someday";
	default: return "never";
	}
}

static const double weights[] = { 0.5, 0.25, 0.125, 0.0625 };

int main(void)
{
	static const char text[] = "The quick brown fox jumps over the lazy dog";

	printf("crc32=%08x\n", crc32(text, sizeof(text) - 1));
	for (int d = -1; d < 9; d++)
		printf("%s ", day(d));
	printf("\n%.4f %.4f\n", weights[1], weights[3]);
	printf("%s|%s\n", "literal one", "literal two");
	return 0;
}
