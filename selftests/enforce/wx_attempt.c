// SPDX-License-Identifier: GPL-2.0
/* wx_attempt NAME: run one workload of attempts.c after an exec. */
#include <stdio.h>

#include "attempts.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: wx_attempt NAME\n");
		return SETUP_FAILED;
	}
	return run_attempt(argv[1]);
}
