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
 * Each refusal leaves a line saying what to do for jitseal_pool_error()
 * (explain.c); an unknown JITSEAL_BACKEND is also printed on stderr, once,
 * like an unknown JITSEAL_PERF item.
 */
#include <stdio.h>
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

static bool js_backend_env_warned;

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
	js_explain("JITSEAL_BACKEND=%s is not a backend: use kmod, memfd, mprotect or auto",
		   env);
	if (!__atomic_exchange_n(&js_backend_env_warned, true, __ATOMIC_RELAXED))
		fprintf(stderr, "libjitseal: %s\n", jitseal_pool_error());
	return -EINVAL;
}

/* The words the library, the LLVM adapter and jitseal-lli share. */
#define JS_NO_SEAL_HOW	"a program that accepts unsealed code sets " \
			"jitseal_pool_opts.sealing = JITSEAL_SEALED_PREFERRED " \
			"(JITSEAL_BACKEND=memfd or mprotect then chooses the fallback)"

/* Why a pool that requires sealing cannot have it: @err opening the device. */
static int js_no_sealing(int err)
{
	if (err == -ENODEV)
		js_explain("no sealed memory: /dev/jitseal does not exist (load the "
			   "jitseal module: modprobe jitseal); " JS_NO_SEAL_HOW);
	else if (err == -EACCES)
		js_explain("no sealed memory: cannot open /dev/jitseal: %s (its udev "
			   "rule gives it to the group jitseal: add the user to it); "
			   JS_NO_SEAL_HOW, strerror(-err));
	else
		js_explain("no sealed memory: cannot open /dev/jitseal: %s; "
			   JS_NO_SEAL_HOW, strerror(-err));
	return err;
}

/* A weaker backend was asked for by name, for a pool that requires sealing. */
static int js_forced_weaker(const char *name, bool by_env)
{
	js_explain("the %s backend does not seal, and this pool requires sealing "
		   "(JITSEAL_SEALED_ONLY, the default): %s; a program that accepts "
		   "unsealed code sets jitseal_pool_opts.sealing = JITSEAL_SEALED_PREFERRED",
		   name, by_env ? "JITSEAL_BACKEND asked for it" :
		   "jitseal_pool_opts.backend asked for it");
	return -EOPNOTSUPP;
}

int js_backend_select(const struct jitseal_pool_opts *opts,
		      const struct js_backend **be)
{
	enum jitseal_backend opt = JS_OPTS_GET(opts, backend, JITSEAL_BACKEND_AUTO);
	enum jitseal_backend want = opt;
	bool sealed_only = JS_OPTS_GET(opts, sealing, 0) == JITSEAL_SEALED_ONLY;
	int fd, err;

	err = js_backend_env(&want);
	if (err)
		return err;
	if (want != JITSEAL_BACKEND_AUTO) {
		*be = js_backends[want];
		if ((*be)->sealed)
			return 0;
		if (sealed_only)
			return js_forced_weaker((*be)->name, want != opt);
		return js_wx_switch_check((*be)->name);
	}
	fd = js_kmod_open();
	if (fd >= 0) {
		close(fd);
		*be = &js_backend_kmod;
		return 0;
	}
	if (sealed_only)
		return js_no_sealing(fd);
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
