// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Backend selection and names.
 *
 * JITSEAL_BACKEND=kmod|memfd|mprotect|auto in the environment (ignored in
 * set-uid programs) overrides opts->backend.  A pool that requires sealing
 * (JITSEAL_SEALED_ONLY, the default) never gets a weaker backend:
 *   -EOPNOTSUPP  a non-sealing backend was forced (opts or environment);
 *   -ENODEV      /dev/jitseal does not exist (module not loaded);
 *   other        the error of opening /dev/jitseal (-EACCES, -EPERM, ...).
 * With JITSEAL_SEALED_PREFERRED, AUTO falls back to memfd, then mprotect.
 * Under the process's own W^X switch (PR_SET_MDWE, a MemoryDenyWriteExecute
 * seccomp filter) a host backend is -EPERM with one line naming the switch.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static const struct js_backend *const js_backends[] = {
	[JITSEAL_BACKEND_KMOD] = &js_backend_kmod,
	[JITSEAL_BACKEND_MEMFD] = &js_backend_memfd,
	[JITSEAL_BACKEND_MPROTECT] = &js_backend_mprotect,
};

static int js_backend_env(enum jitseal_backend *out)
{
	const char *env = secure_getenv("JITSEAL_BACKEND");
	unsigned int i;

	if (!env || !*env)
		return 0;
	if (!strcmp(env, "auto")) {
		*out = JITSEAL_BACKEND_AUTO;
		return 0;
	}
	for (i = JITSEAL_BACKEND_KMOD; i <= JITSEAL_BACKEND_MPROTECT; i++) {
		if (!strcmp(env, js_backends[i]->name)) {
			*out = (enum jitseal_backend)i;
			return 0;
		}
	}
	return -EINVAL;
}

int js_backend_select(const struct jitseal_pool_opts *opts,
		      const struct js_backend **be)
{
	enum jitseal_backend want = JS_OPTS_GET(opts, backend, JITSEAL_BACKEND_AUTO);
	bool sealed_only = JS_OPTS_GET(opts, sealing, 0) == JITSEAL_SEALED_ONLY;
	int fd, err;

	err = js_backend_env(&want);
	if (err)
		return err;
	if (want != JITSEAL_BACKEND_AUTO) {
		*be = js_backends[want];
		if ((*be)->sealed)
			return 0;
		return sealed_only ? -EOPNOTSUPP : js_wx_switch_check((*be)->name);
	}
	fd = js_kmod_open();
	if (fd >= 0) {
		close(fd);
		*be = &js_backend_kmod;
		return 0;
	}
	if (sealed_only)
		return fd;
	/* memfd unless memfd_create is refused (e.g. by a seccomp policy) */
	fd = memfd_create("jitseal-probe", MFD_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		*be = &js_backend_memfd;
	} else {
		*be = &js_backend_mprotect;
	}
	return js_wx_switch_check((*be)->name);
}

JITSEAL_API const char *jitseal_backend_name(enum jitseal_backend backend)
{
	if (backend == JITSEAL_BACKEND_AUTO)
		return "auto";
	if ((unsigned int)backend >= sizeof(js_backends) / sizeof(js_backends[0]))
		return NULL;
	return js_backends[backend]->name;
}
