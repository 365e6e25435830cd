// SPDX-License-Identifier: GPL-2.0
/*
 * jitsealctl load [--params "NAME=VALUE ..."] | unload: the module through
 * libkmod (the library behind modprobe), found in the installed module tree
 * (/lib/modules/VER, where DKMS puts it) with its dependencies.  Before it
 * inserts anything, load checks that the module speaks this tool's ioctl
 * API (modinfo api_version) and that every parameter given is one the
 * module declares.  A module that is already loaded, however it got there
 * (insmod by hand, another tree), is fine when it answers with our API:
 * the module tree is not consulted then.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <libkmod.h>
#include <linux/jitseal.h>

#include "jitsealctl.h"

#define MODULE_NAME	"jitseal"

/* The module's modinfo VALUE for KEY (first one), or NULL. */
static char *modinfo_value(struct kmod_module *mod, const char *key)
{
	struct kmod_list *info = NULL, *l;
	char *value = NULL;

	if (kmod_module_get_info(mod, &info) < 0)
		return NULL;
	kmod_list_foreach(l, info) {
		if (!strcmp(kmod_module_info_get_key(l), key)) {
			value = strdup(kmod_module_info_get_value(l));
			break;
		}
	}
	kmod_module_info_free_list(info);
	return value;
}

/* Is NAME one of the module's parameters ("parm" entries "NAME:text")? */
static bool module_has_param(struct kmod_module *mod, const char *name,
			     size_t len, char *list, size_t list_len)
{
	struct kmod_list *info = NULL, *l;
	bool found = false;

	list[0] = '\0';
	if (kmod_module_get_info(mod, &info) < 0)
		return false;
	kmod_list_foreach(l, info) {
		const char *v = kmod_module_info_get_value(l);
		size_t n = strcspn(v, ":");

		if (strcmp(kmod_module_info_get_key(l), "parm"))
			continue;
		if (n == len && !strncmp(v, name, len))
			found = true;
		snprintf(list + strlen(list), list_len - strlen(list), "%s%.*s",
			 list[0] ? ", " : "", (int)n, v);
	}
	kmod_module_info_free_list(info);
	if (!list[0])
		snprintf(list, list_len, "none");
	return found;
}

/* Every word of PARAMS is NAME=VALUE with a NAME the module declares. */
static int check_params(struct kmod_module *mod, const char *params)
{
	char known[512];
	const char *p = params;

	while (*p) {
		size_t word = strcspn(p, " \t"), name = strcspn(p, "= \t");

		if (!word) {
			p++;
			continue;
		}
		if (name == 0 || name == word || p[name] != '=')
			return fail("load: parameter '%.*s' is not NAME=VALUE",
				    (int)word, p);
		if (!module_has_param(mod, p, name, known, sizeof(known)))
			return fail("load: the jitseal module has no parameter '%.*s' (it takes: %s)",
				    (int)name, p, known);
		p += word;
	}
	return 0;
}

/* The module's ioctl API, from its modinfo: refuse a mismatch. */
static int check_api(struct kmod_module *mod, const char *path)
{
	char *api = modinfo_value(mod, "api_version");
	char *version = modinfo_value(mod, "version");
	char want[16];
	int rc = 0;

	snprintf(want, sizeof(want), "%d", JITSEAL_API_VERSION);
	if (!api)
		rc = fail("load: %s does not declare its API version (module %s, jitsealctl %s speaks API %d)",
			  path, version ? version : "unknown",
			  JITSEALCTL_VERSION, JITSEAL_API_VERSION);
	else if (strcmp(api, want))
		rc = fail("load: %s speaks API version %s (module %s), jitsealctl %s speaks API version %d",
			  path, api, version ? version : "unknown",
			  JITSEALCTL_VERSION, JITSEAL_API_VERSION);
	free(api);
	free(version);
	return rc;
}

/* The API version of the loaded module, by ioctl; negative errno. */
int loaded_api_version(void)
{
	struct jitseal_version v = { .size = sizeof(v) };
	int fd, err = 0;

	fd = open(JITSEAL_DEVICE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, JITSEAL_IOC_VERSION, &v))
		err = -errno;
	close(fd);
	return err ? err : (int)v.api_version;
}

static struct kmod_ctx *kmod_open(void)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);

	if (!ctx) {
		fail("cannot initialise libkmod");
		return NULL;
	}
	/* Missing index files are not fatal: lookups fall back to files. */
	kmod_load_resources(ctx);
	return ctx;
}

/* The jitseal module of the module tree, or NULL after one error line. */
static struct kmod_module *find_module(struct kmod_ctx *ctx)
{
	struct kmod_list *list = NULL;
	struct kmod_module *mod = NULL;
	struct utsname u;
	int err;

	err = kmod_module_new_from_lookup(ctx, MODULE_NAME, &list);
	if (err < 0 || !list) {
		uname(&u);
		if (err < 0)
			fail("load: cannot look up the jitseal module in %s: %s",
			     kmod_get_dirname(ctx), strerror(-err));
		else
			fail("load: no jitseal module in %s for kernel %s (install jitseal-dkms, or dkms install jitseal/%s)",
			     kmod_get_dirname(ctx), u.release, JITSEALCTL_VERSION);
		return NULL;
	}
	mod = kmod_module_get_module(list);
	kmod_module_unref_list(list);
	if (!kmod_module_get_path(mod)) {
		fail("load: jitseal is built into this kernel or has no file in %s",
		     kmod_get_dirname(ctx));
		kmod_module_unref(mod);
		return NULL;
	}
	return mod;
}

static int parse_load(int argc, char **argv, const char **params)
{
	static const struct option longopts[] = {
		{ "params", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*params = "";
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'p') {
			*params = optarg;
			continue;
		}
		if (optopt)
			return fail("load: option --%s needs an argument",
				    argv[optind - 1] + 2);
		return fail("load: unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return fail("load: unexpected argument '%s' (usage: jitsealctl load [--params \"NAME=VALUE ...\"])",
			    argv[optind]);
	return 0;
}

/*
 * The loaded module must answer on its device with our API.  Already
 * loaded is fine (the boot unit runs load every time) if it does.
 */
static int check_loaded(bool already)
{
	int api = loaded_api_version();

	if (api < 0)
		return fail("load: the jitseal module is loaded but %s does not answer: %s",
			    JITSEAL_DEVICE, strerror(-api));
	if (api != JITSEAL_API_VERSION)
		return fail("load: the loaded jitseal module speaks API version %d, jitsealctl %s speaks API version %d",
			    api, JITSEALCTL_VERSION, JITSEAL_API_VERSION);
	if (already)
		say("the jitseal module is already loaded (API version %d)", api);
	else
		say("loaded the jitseal module (API version %d)", api);
	return 0;
}

int cmd_load(int argc, char **argv)
{
	const char *params, *path;
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	int err, rc = 1;

	if (parse_load(argc, argv, &params) || require_root("load"))
		return 1;
	if (module_loaded())
		return *params ? fail("load: the jitseal module is already loaded: unload it to change its parameters") :
		       check_loaded(true);
	ctx = kmod_open();
	if (!ctx)
		return 1;
	mod = find_module(ctx);
	if (!mod)
		goto out_ctx;
	path = kmod_module_get_path(mod);
	if (check_api(mod, path) || check_params(mod, params))
		goto out;
	err = kmod_module_probe_insert_module(mod, KMOD_PROBE_IGNORE_COMMAND,
					      params, NULL, NULL, NULL);
	if (err == KMOD_PROBE_APPLY_BLACKLIST)
		fail("load: jitseal is blacklisted");
	else if (err < 0)
		fail("load: cannot load %s: %s", path, strerror(-err));
	else
		rc = check_loaded(false);
out:
	kmod_module_unref(mod);
out_ctx:
	kmod_unref(ctx);
	return rc;
}

/* Why a module with references cannot go, in words. */
static int busy_reason(int refcnt)
{
	char locked[8];

	if (!policy_read("locked", locked, sizeof(locked)) &&
	    strcmp(locked, "0"))
		return fail("unload: the policy is locked: the module stays loaded until reboot");
	return fail("unload: the jitseal module is in use: %d open pool(s) or mapping(s) hold it",
		    refcnt);
}

int cmd_unload(int argc, char **argv)
{
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	int err, refcnt, rc = 1;

	(void)argv;
	if (argc != 1)
		return fail("usage: jitsealctl unload");
	if (require_root("unload"))
		return 1;
	ctx = kmod_open();
	if (!ctx)
		return 1;
	err = kmod_module_new_from_name(ctx, MODULE_NAME, &mod);
	if (err < 0) {
		fail("unload: %s", strerror(-err));
		goto out;
	}
	if (kmod_module_get_initstate(mod) != KMOD_MODULE_LIVE) {
		fail("unload: the jitseal module is not loaded");
		goto out;
	}
	refcnt = kmod_module_get_refcnt(mod);
	if (refcnt > 0) {
		busy_reason(refcnt);
		goto out;
	}
	err = kmod_module_remove_module(mod, 0);
	if (err == -EBUSY || err == -EAGAIN)
		busy_reason(kmod_module_get_refcnt(mod));
	else if (err < 0)
		fail("unload: cannot remove the jitseal module: %s",
		     strerror(-err));
	else
		rc = 0;
	if (!rc)
		say("unloaded the jitseal module");
out:
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return rc;
}

/* For status: version and references of the loaded module. */
void module_status(void)
{
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	const char *v;

	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return;
	if (!kmod_module_new_from_name(ctx, MODULE_NAME, &mod) &&
	    kmod_module_get_initstate(mod) == KMOD_MODULE_LIVE) {
		char buf[64];

		v = !read_text("/sys/module/" MODULE_NAME "/version", buf,
			       sizeof(buf)) ? buf : "unknown";
		printf("  version: %s\n", v);
		printf("  refcount: %d\n", kmod_module_get_refcnt(mod));
		printf("  state: %s\n", kmod_module_initstate_str(
			       kmod_module_get_initstate(mod)));
		if (!read_text("/sys/kernel/jitseal/audit_lost", buf,
			       sizeof(buf)) ||
		    !read_text("/sys/module/" MODULE_NAME "/parameters/audit_lost",
			       buf, sizeof(buf)))
			printf("  audit_lost: %s\n", buf);
	}
	kmod_module_unref(mod);
	kmod_unref(ctx);
}
