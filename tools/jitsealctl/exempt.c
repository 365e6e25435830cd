// SPDX-License-Identifier: GPL-2.0
/*
 * jitsealctl exempt [--audit] PATH | unexempt PATH | exemptions: PaX-style
 * per-executable exemptions from the W^X rules.  The mark is the file
 * itself: inode, superblock and change time, in the pinned "exempt" map
 * that the BPF program looks the current task's executable up in.  A copy,
 * a replaced or rewritten binary is another file and is confined.  The
 * configuration file keeps them (with the inode and ctime seen when
 * exempted) for apply and for enforce to load.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>

#include "jitsealctl.h"

int require_sys_admin(const char *what)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &h, d))
		return fail("%s: cannot read capabilities: %s", what,
			    strerror(errno));
	if (d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &
	    CAP_TO_MASK(CAP_SYS_ADMIN))
		return 0;
	return fail("%s: needs CAP_SYS_ADMIN", what);
}

/* The file at PATH as the kernel will see it running. */
int exempt_identify(const char *path, struct conf_exempt *x, __u32 *dev)
{
	char head[2] = "";
	struct statx st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("cannot open %s: %s", path, strerror(errno));
	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &st)) {
		close(fd);
		return fail("cannot stat %s: %s", path, strerror(errno));
	}
	if (read(fd, head, 2) < 0)
		head[0] = '\0';
	close(fd);
	if (!S_ISREG(st.stx_mode))
		return fail("%s is not a regular file", path);
	if (!(st.stx_mode & 0111))
		return fail("%s is not executable", path);
	if (head[0] == '#' && head[1] == '!')
		return fail("%s is a script: the kernel runs its interpreter, exempt that instead",
			    path);
	x->ino = st.stx_ino;
	x->ctime_sec = st.stx_ctime.tv_sec;
	x->ctime_nsec = st.stx_ctime.tv_nsec;
	x->has_id = 3;
	*dev = (st.stx_dev_major << 20) | st.stx_dev_minor;
	return 0;
}

/* Is the file now another one than the one recorded when exempted? */
bool exempt_changed(const struct conf_exempt *x, const struct conf_exempt *now)
{
	return x->has_id && (now->ino != x->ino ||
			     now->ctime_sec != x->ctime_sec ||
			     now->ctime_nsec != x->ctime_nsec);
}

static int exempt_map(void)
{
	int fd = pinned_fd("exempt");

	if (fd == -ENOENT && !access(WX_PIN_DIR, F_OK))
		return -fail("enforcement was started by a jitsealctl without exemptions: release and enforce again");
	if (fd < 0 && fd != -ENOENT)
		return -fail("cannot open %s/exempt: %s", WX_PIN_DIR,
			     strerror(-fd));
	return fd;	/* -ENOENT: enforcement is off */
}

static void key_of(const struct conf_exempt *x, __u32 dev,
		   struct wx_exe_key *k)
{
	memset(k, 0, sizeof(*k));
	k->ino = x->ino;
	k->ctime_sec = x->ctime_sec;
	k->ctime_nsec = x->ctime_nsec;
	k->dev = dev;
}

/* Drop every map entry of this inode and ctime, whatever the device. */
static void map_forget(int fd, const struct conf_exempt *x)
{
	struct wx_exe_key k, next, *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (k.ino == x->ino && k.ctime_sec == x->ctime_sec &&
		    k.ctime_nsec == x->ctime_nsec) {
			bpf_map_delete_elem(fd, &k);
			prev = NULL;	/* start over: the walk lost its place */
		}
	}
}

/*
 * Make the pinned map hold exactly the exemptions of C whose files are
 * still the ones recorded.  Nothing to do while enforcement is off.
 */
int exempt_sync(const struct conf *c)
{
	struct wx_exe_key k, next, *prev = NULL;
	int fd = exempt_map(), rc = 0;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return 1;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		bpf_map_delete_elem(fd, &k);
	}
	for (int i = 0; i < c->nexempt; i++) {
		struct conf_exempt now = c->exempt[i];
		const struct conf_exempt *x = &c->exempt[i];
		struct wx_exempt v = { .mode = x->mode };
		__u32 dev;

		if (exempt_identify(x->path, &now, &dev)) {
			warn("%s:%d: %s is not exempt", c->file, x->line, x->path);
			continue;
		}
		if (exempt_changed(x, &now)) {
			warn("%s:%d: %s changed since it was exempted (inode or ctime differ): not exempt; run jitsealctl exempt again",
			     c->file, x->line, x->path);
			continue;
		}
		key_of(&now, dev, &k);
		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY)) {
			rc = fail("cannot exempt %s: %s", x->path, strerror(errno));
			break;
		}
	}
	close(fd);
	return rc;
}

static int parse_exempt(int argc, char **argv, const char **file,
			bool *audit, int npos, const char *usage)
{
	static const struct option longopts[] = {
		{ "audit", no_argument, NULL, 'A' },
		{ "config", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'A' && audit) {
			*audit = true;
		} else if (c == 'C') {
			*file = optarg;
		} else {
			if (optopt)
				return fail("%s: option --%s needs an argument",
					    argv[0], argv[optind - 1] + 2);
			return fail("%s: unknown option '%s' (usage: %s)",
				    argv[0], argv[optind - 1], usage);
		}
	}
	if (optind != argc - npos)
		return fail("usage: %s", usage);
	return npos ? require_sys_admin(argv[0]) : 0;
}

/* The config's entry for PATH (as given or resolved), or NULL. */
static struct conf_exempt *find_entry(struct conf *c, const char *path)
{
	for (int i = 0; i < c->nexempt; i++)
		if (!strcmp(c->exempt[i].path, path))
			return &c->exempt[i];
	return NULL;
}

int cmd_exempt(int argc, char **argv)
{
	const char *file = JITSEAL_CONF;
	struct conf_exempt x = {};
	char real[PATH_MAX];
	struct wx_exe_key k;
	struct wx_exempt v;
	bool audit = false;
	struct conf c;
	int fd, rc = 1;
	__u32 dev;

	if (parse_exempt(argc, argv, &file, &audit, 1,
			 "jitsealctl exempt [--audit] [--config FILE] PATH"))
		return 1;
	if (!realpath(argv[optind], real))
		return fail("exempt: %s: %s", argv[optind], strerror(errno));
	if (strpbrk(real, " \t#"))
		return fail("exempt: %s: paths with blanks or '#' cannot be kept in %s",
			    real, file);
	snprintf(x.path, sizeof(x.path), "%s", real);
	x.mode = audit ? WX_EXEMPT_AUDIT : WX_EXEMPT_FULL;
	if (exempt_identify(real, &x, &dev))
		return 1;
	if (conf_read(file, &c, false)) {
		fail("exempt: %s has errors: nothing changed", file);
		goto out;
	}
	fd = exempt_map();
	if (fd < 0 && fd != -ENOENT)
		goto out;
	if (conf_set_exempt(file, real, &x))
		goto out_fd;
	rc = 0;
	if (fd >= 0) {
		if (find_entry(&c, real))
			map_forget(fd, find_entry(&c, real));
		key_of(&x, dev, &k);
		v = (struct wx_exempt){ .mode = x.mode };
		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
			rc = fail("exempt: %s is in %s but not exempt now: %s",
				  real, file, strerror(errno));
	}
	if (!rc)
		printf("exempt%s: %s (inode %llu)%s\n", audit ? " (audit)" : "",
		       real, (unsigned long long)x.ino,
		       fd >= 0 ? "" : ", from the next enforce or apply");
out_fd:
	if (fd >= 0)
		close(fd);
out:
	conf_free(&c);
	return rc;
}

int cmd_unexempt(int argc, char **argv)
{
	const char *file = JITSEAL_CONF;
	struct conf_exempt *e, now = {};
	char real[PATH_MAX];
	struct conf c;
	int fd, rc = 1;
	__u32 dev;

	if (parse_exempt(argc, argv, &file, NULL, 1,
			 "jitsealctl unexempt [--config FILE] PATH"))
		return 1;
	if (conf_read(file, &c, false)) {
		fail("unexempt: %s has errors: nothing changed", file);
		goto out;
	}
	/* A replaced file may be gone: then the path as given. */
	if (!realpath(argv[optind], real))
		snprintf(real, sizeof(real), "%s", argv[optind]);
	e = find_entry(&c, real);
	if (!e) {
		fail("unexempt: %s is not exempted in %s", real, file);
		goto out;
	}
	fd = exempt_map();
	if (fd < 0 && fd != -ENOENT)
		goto out;
	rc = conf_set_exempt(file, real, NULL);
	if (fd >= 0) {
		map_forget(fd, e);
		if (!exempt_identify(real, &now, &dev))
			map_forget(fd, &now);
		close(fd);
	}
out:
	conf_free(&c);
	return rc;
}

/* exemptions [--config FILE]: each, and whether it is in force now. */
int cmd_exemptions(int argc, char **argv)
{
	const char *file = JITSEAL_CONF;
	struct conf c;
	int fd;

	if (parse_exempt(argc, argv, &file, NULL, 0,
			 "jitsealctl exemptions [--config FILE]"))
		return 1;
	if (conf_read(file, &c, false)) {
		conf_free(&c);
		return fail("exemptions: %s has errors", file);
	}
	fd = exempt_map();
	for (int i = 0; i < c.nexempt; i++) {
		const struct conf_exempt *x = &c.exempt[i];
		struct conf_exempt now = *x;
		struct wx_exe_key k;
		struct wx_exempt v;
		const char *state = "enforcement off";
		__u32 dev;

		if (exempt_identify(x->path, &now, &dev))
			state = "missing";
		else if (exempt_changed(x, &now))
			state = "changed: not exempt";
		else if (fd >= 0) {
			key_of(&now, dev, &k);
			state = bpf_map_lookup_elem(fd, &k, &v) ? "not in force" :
				"in force";
		}
		printf("%s %s (%s)\n", x->path,
		       x->mode == WX_EXEMPT_AUDIT ? "audit" : "exempt", state);
	}
	if (fd >= 0)
		close(fd);
	conf_free(&c);
	return 0;
}
