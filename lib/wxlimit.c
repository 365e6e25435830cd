// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Leaf: the process's own W^X switches, which forbid the host backends.
 *
 * Mainline's prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN) (v6.3) and the
 * seccomp filter of systemd's MemoryDenyWriteExecute=yes both refuse
 * mprotect() adding PROT_EXEC, so the memfd and mprotect backends cannot
 * install code; and a process that asked for either wants no writable
 * view of its code, which the memfd backend would give it.  Sealed pools
 * (the kmod backend) map the module's read+exec pages in one mmap() and
 * work under both.  Before a host backend is used, this refuses it with
 * one line on stderr naming the switch, instead of a bare errno later.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "internal.h"

#ifndef PR_GET_MDWE
#define PR_GET_MDWE			66
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN	(1UL << 0)
#endif

/* "Seccomp: 2" in /proc/self/status: a filter is installed. */
static bool js_seccomp_filtered(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];
	bool filtered = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Seccomp:", 8)) {
			filtered = strtol(line + 8, NULL, 10) == 2;
			break;
		}
	fclose(f);
	return filtered;
}

/* Does a seccomp filter refuse mprotect(PROT_EXEC)?  Tried on a page. */
static bool js_seccomp_denies_exec(void)
{
	void *p;
	bool denied;

	if (!js_seccomp_filtered())
		return false;
	p = mmap(NULL, js_page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return false;
	denied = mprotect(p, js_page_size, PROT_READ | PROT_EXEC) &&
		 errno == EPERM;
	munmap(p, js_page_size);
	return denied;
}

int js_wx_switch_check(const char *backend)
{
	long mdwe = prctl(PR_GET_MDWE, 0L, 0L, 0L, 0L);
	const char *what;

	if (mdwe > 0 && (mdwe & PR_MDWE_REFUSE_EXEC_GAIN))
		what = "prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN)";
	else if (js_seccomp_denies_exec())
		what = "a seccomp filter refusing mprotect(PROT_EXEC), as systemd's MemoryDenyWriteExecute=yes";
	else
		return 0;
	js_explain("the %s backend cannot run under %s: only sealed pools (the kmod backend, /dev/jitseal) can",
		   backend, what);
	fprintf(stderr, "libjitseal: %s\n", jitseal_pool_error());
	return -EPERM;
}
