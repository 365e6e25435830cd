// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Leaf: why the calling thread's last jitseal_pool_create() failed, as
 * one line that says what to do (jitseal_pool_error()).  The errno alone
 * cannot: ENODEV does not say "load the module", EINVAL not which
 * environment variable is wrong.  The line lives in the thread, like
 * dlerror()'s, so threads creating pools at once never see each other's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static __thread char js_why[384];

/* The line for the pool being created; the first one set stays. */
void js_explain(const char *fmt, ...)
{
	va_list ap;

	if (js_why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(js_why, sizeof(js_why), fmt, ap);
	va_end(ap);
}

/* A create starts: no line yet. */
void js_explain_clear(void)
{
	js_why[0] = '\0';
}

/* A create failed with @err: a line that at least names the errno. */
void js_explain_fallback(int err)
{
	js_explain("cannot create a pool: %s", strerror(-err));
}

JITSEAL_API const char *jitseal_pool_error(void)
{
	return js_why[0] ? js_why : NULL;
}
