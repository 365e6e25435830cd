// SPDX-License-Identifier: GPL-2.0
/* Calls a function nobody defines: jitseal-lli must name it and fail. */
#include <stdio.h>

int jitseal_test_no_such_function(int x);

int main(void)
{
	printf("%d\n", jitseal_test_no_such_function(1));
	return 0;
}
