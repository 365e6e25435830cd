// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * The profiling sinks' one warning line each on stderr: a leaf, so that
 * profile.c and the sinks it calls need no circle.
 */
#include <stdarg.h>
#include <stdio.h>

#include "profile.h"

void js_prof_warn(bool *once, const char *fmt, ...)
{
	va_list ap;

	if (*once)
		return;
	*once = true;
	va_start(ap, fmt);
	fputs("libjitseal: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
