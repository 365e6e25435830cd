/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Workloads the W^X tests run in a confined process: each tries one way to
 * get executable memory and returns 0 when it got (and ran) it, else the
 * errno of the call that was refused.  Shared by the test programs (run
 * in a forked child) and wx_attempt (run after exec).
 */
#ifndef ENFORCE_ATTEMPTS_H
#define ENFORCE_ATTEMPTS_H

/* Results that are not an errno. */
#define WRONG_RESULT	200	/* got the memory, code returned garbage */
#define SETUP_FAILED	201	/* something unrelated to the rule failed */

int run_attempt(const char *name);

#endif
