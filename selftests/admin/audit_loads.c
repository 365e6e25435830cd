// SPDX-License-Identifier: GPL-2.0
/*
 * audit_loads N: N LOADs of two segments each on one pool, with digests.
 * Prints one line per load, "POOL_ID HEX", HEX being the two segment
 * digests LOAD returned, in order: the batch digest of its audit record
 * is their SHA-256 (selftests/admin/vm_tests checks that).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/jitseal.h>

#define SEG	32

static int die(const char *what)
{
	fprintf(stderr, "audit_loads: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct jitseal_setup setup = { .size = sizeof(setup), .code_bytes = 1 << 20 };
	struct jitseal_pool_info info = { .size = sizeof(info) };
	unsigned char stage[2][SEG], digests[2][JITSEAL_DIGEST_SIZE];
	struct jitseal_segment segs[2] = {};
	struct jitseal_load load = {
		.size = sizeof(load), .flags = JITSEAL_LOAD_DIGEST,
		.segments = (unsigned long)segs, .nr_segments = 2,
		.segment_size = sizeof(segs[0]), .digests = (unsigned long)digests,
	};
	int n = argc > 1 ? atoi(argv[1]) : 0, fd;

	if (n <= 0 || n > 1000) {
		fprintf(stderr, "usage: audit_loads N (1..1000)\n");
		return 2;
	}
	fd = open(JITSEAL_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return die("open " JITSEAL_DEVICE);
	if (ioctl(fd, JITSEAL_IOC_SETUP, &setup) || ioctl(fd, JITSEAL_IOC_INFO, &info))
		return die("setup");
	for (int i = 0; i < n; i++) {
		for (int s = 0; s < 2; s++) {
			memset(stage[s], 0xc3, SEG);
			stage[s][0] = (unsigned char)i;	/* every batch differs */
			stage[s][1] = (unsigned char)s;
			segs[s].src = (unsigned long)stage[s];
			segs[s].offset = (unsigned long)(i * 2 + s) * SEG;
			segs[s].len = SEG;
			segs[s].prot = JITSEAL_PROT_RX;
		}
		if (ioctl(fd, JITSEAL_IOC_LOAD, &load))
			return die("load");
		printf("%llu ", (unsigned long long)info.pool_id);
		for (int s = 0; s < 2; s++)
			for (int b = 0; b < JITSEAL_DIGEST_SIZE; b++)
				printf("%02x", digests[s][b]);
		printf("\n");
	}
	return close(fd) ? die("close") : 0;
}
