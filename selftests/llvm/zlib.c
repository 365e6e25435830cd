// SPDX-License-Identifier: GPL-2.0
/* A shared library's functions from JIT code (jitseal-lli --dlopen libz). */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

int main(void)
{
	static const char text[] = "sealed sealed sealed sealed sealed sealed code";
	unsigned char packed[256], back[256];
	uLongf plen = sizeof(packed), blen = sizeof(back);

	if (compress(packed, &plen, (const Bytef *)text, sizeof(text)) != Z_OK ||
	    uncompress(back, &blen, packed, plen) != Z_OK)
		return 1;
	printf("zlib %s: %zu -> %lu -> %lu, %s, crc %08lx\n", ZLIB_VERSION, sizeof(text),
	       (unsigned long)plen, (unsigned long)blen,
	       memcmp(text, back, blen) ? "differs" : "same",
	       crc32(0, (const Bytef *)text, sizeof(text)));
	return 0;
}
