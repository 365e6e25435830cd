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

/*
 * The file at PATH as the kernel will see it running; NULL, or why it
 * cannot be exempted (in a static buffer).
 */
static const char *identify(const char *path, struct conf_exempt *x,
			    __u32 *dev)
{
	static char why[PATH_MAX + 96];
	char head[2] = "";
	struct statx st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot open %s: %s", path,
			 strerror(errno));
		return why;
	}
	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &st)) {
		snprintf(why, sizeof(why), "cannot stat %s: %s", path,
			 strerror(errno));
		close(fd);
		return why;
	}
	if (read(fd, head, 2) < 0)
		head[0] = '\0';
	close(fd);
	why[0] = '\0';
	if (!S_ISREG(st.stx_mode))
		snprintf(why, sizeof(why), "%s is not a regular file", path);
	else if (!(st.stx_mode & 0111))
		snprintf(why, sizeof(why), "%s is not executable", path);
	else if (head[0] == '#' && head[1] == '!')
		snprintf(why, sizeof(why), "%s is a script: the kernel runs its interpreter, exempt that instead",
			 path);
	if (why[0])
		return why;
	x->ino = st.stx_ino;
	x->ctime_sec = st.stx_ctime.tv_sec;
	x->ctime_nsec = st.stx_ctime.tv_nsec;
	x->has_id = 3;
	*dev = (st.stx_dev_major << 20) | st.stx_dev_minor;
	return NULL;
}

int exempt_identify(const char *path, struct conf_exempt *x, __u32 *dev)
{
	const char *why = identify(path, x, dev);

	return why ? fail("%s", why) : 0;
}

int exempt_identify_quiet(const char *path, struct conf_exempt *x, __u32 *dev)
{
	return identify(path, x, dev) ? -1 : 0;
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

void exempt_key(const struct conf_exempt *x, __u32 dev, struct wx_exe_key *k)
{
	memset(k, 0, sizeof(*k));
	k->ino = x->ino;
	k->ctime_sec = x->ctime_sec;
	k->ctime_nsec = x->ctime_nsec;
	k->dev = dev;
}

static void exempt_value(const struct conf_exempt *x, struct wx_exempt *v)
{
	memset(v, 0, sizeof(*v));
	v->mode = x->mode;
	snprintf(v->path, sizeof(v->path), "%.*s", (int)sizeof(v->path) - 1,
		 x->path);
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

/* The keys and values C asks for, of files still the ones recorded. */
static int wanted_keys(const struct conf *c, struct wx_exe_key *keys,
		       struct wx_exempt *vals)
{
	int n = 0;

	for (int i = 0; i < c->nexempt; i++) {
		struct conf_exempt now = c->exempt[i];
		const struct conf_exempt *x = &c->exempt[i];
		__u32 dev;

		if (exempt_identify(x->path, &now, &dev)) {
			warn("%s:%d: %s is not exempt", x->file, x->line, x->path);
			continue;
		}
		if (exempt_changed(x, &now)) {
			warn("%s:%d: %s changed since it was exempted (inode or ctime differ): not exempt; run jitsealctl exempt again",
			     x->file, x->line, x->path);
			continue;
		}
		exempt_key(&now, dev, &keys[n]);
		exempt_value(x, &vals[n++]);
	}
	return n;
}

static int find_key(const struct wx_exe_key *keys, int n,
		    const struct wx_exe_key *k)
{
	for (int i = 0; i < n; i++)
		if (!memcmp(&keys[i], k, sizeof(*k)))
			return i;
	return -1;
}

/* Drop the map's entries that C does not ask for; how many. */
static int drop_unwanted(int fd, const struct wx_exe_key *keys,
			 const struct wx_exempt *vals, int n)
{
	struct wx_exe_key k, next, *prev = NULL;
	struct wx_exempt v;
	int i, dropped = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		i = find_key(keys, n, &k);
		if (i >= 0 && !bpf_map_lookup_elem(fd, &k, &v) &&
		    !memcmp(&v, &vals[i], sizeof(v)))
			continue;
		bpf_map_delete_elem(fd, &k);
		prev = NULL;	/* start over: the walk lost its place */
		dropped++;
	}
	return dropped;
}

/*
 * Make the pinned map hold exactly the exemptions of C whose files are
 * still the ones recorded.  Nothing to do while enforcement is off.
 * Returns how many entries changed, or -1 after one error line.
 */
int exempt_sync(const struct conf *c)
{
	struct wx_exe_key *keys = calloc(WX_EXEMPT_MAX, sizeof(*keys));
	struct wx_exempt *vals = calloc(WX_EXEMPT_MAX, sizeof(*vals));
	int fd = -ENOENT, n, changed = -1;
	struct wx_exempt v;

	if (!keys || !vals) {
		fail("out of memory");
		goto out;
	}
	fd = exempt_map();
	if (fd < 0) {
		changed = fd == -ENOENT ? 0 : -1;
		goto out;
	}
	n = wanted_keys(c, keys, vals);
	changed = drop_unwanted(fd, keys, vals, n);
	for (int i = 0; i < n; i++) {
		if (!bpf_map_lookup_elem(fd, &keys[i], &v))
			continue;
		if (bpf_map_update_elem(fd, &keys[i], &vals[i], BPF_NOEXIST)) {
			changed = -fail("cannot add an exemption: %s",
					strerror(errno));
			break;
		}
		changed++;
	}
out:
	if (fd >= 0)
		close(fd);
	free(keys);
	free(vals);
	return changed;
}

struct exempt_args {
	const char *file;	/* --config, or NULL: the default files */
	bool audit, follow;
};

static int parse_exempt(int argc, char **argv, struct exempt_args *a,
			int npos, const char *usage)
{
	static const struct option longopts[] = {
		{ "audit", no_argument, NULL, 'A' },
		{ "follow", no_argument, NULL, 'F' },
		{ "config", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	bool exempt = !strcmp(argv[0], "exempt");
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'A' && exempt) {
			a->audit = true;
		} else if (c == 'F' && exempt) {
			a->follow = true;
		} else if (c == 'C') {
			a->file = optarg;
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

/*
 * May exempt and unexempt rewrite FILE?  The one given with --config, and
 * drop-ins; never jitseal.conf itself, a conffile of the package.
 */
static bool ours(const struct exempt_args *a, const char *file)
{
	return a->file ? !strcmp(file, a->file) :
	       !strncmp(file, JITSEAL_CONF_DIR "/", strlen(JITSEAL_CONF_DIR) + 1);
}

/* Put X in force now (if enforcement is on); -1 after one error line. */
static int exempt_now(int fd, const struct conf_exempt *old,
		      const struct conf_exempt *x, __u32 dev)
{
	struct wx_exe_key k;
	struct wx_exempt v;

	if (old)
		map_forget(fd, old);
	exempt_key(x, dev, &k);
	exempt_value(x, &v);
	if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
		return -fail("exempt: cannot put %s in force: %s", x->path,
			     strerror(errno));
	return 0;
}

/* Keep X in the file it belongs to; 0, or 1 with what to do instead. */
static int exempt_keep(const struct exempt_args *a, const struct conf_exempt *old,
		       const struct conf_exempt *x, bool in_force)
{
	const char *target = a->file ? a->file : JITSEAL_EXEMPT_CONF;
	struct conf_exempt w = *x;

	if (old && !ours(a, old->file))
		return fail("exempt: %s is exempted at %s:%d, a file jitsealctl does not rewrite: change that line by hand%s",
			    x->path, old->file, old->line,
			    in_force ? " (in force now until release or reboot)" : "");
	if (a->follow)
		w.has_id = 0;
	if (conf_set_exempt(old ? old->file : target, x->path, &w))
		return in_force ? (warn("%s is exempt now, until release or reboot, but not kept: add \"exempt = %s\" to a file in %s",
				       x->path, x->path, JITSEAL_CONF_DIR), 0) : 1;
	return 0;
}

int cmd_exempt(int argc, char **argv)
{
	struct exempt_args a = {};
	struct conf_exempt x = {}, *old;
	char real[PATH_MAX];
	struct conf c;
	int fd, rc = 1;
	__u32 dev;

	if (parse_exempt(argc, argv, &a, 1,
			 "jitsealctl exempt [--audit] [--follow] [--config FILE] PATH"))
		return 1;
	if (enforcement_locked())
		return refuse_locked("exempt");
	if (!realpath(argv[optind], real))
		return fail("exempt: %s: %s", argv[optind], strerror(errno));
	if (strpbrk(real, " \t#"))
		return fail("exempt: %s: paths with blanks or '#' cannot be kept in a configuration file",
			    real);
	snprintf(x.path, sizeof(x.path), "%s", real);
	x.mode = a.audit ? WX_EXEMPT_AUDIT : WX_EXEMPT_FULL;
	if (exempt_identify(real, &x, &dev))
		return 1;
	if (conf_read(a.file ? a.file : JITSEAL_CONF, &c, false)) {
		fail("exempt: %s has errors: nothing changed", c.file);
		goto out;
	}
	old = find_entry(&c, real);
	fd = exempt_map();
	if (fd < 0 && fd != -ENOENT)
		goto out;
	if (fd >= 0 && exempt_now(fd, old, &x, dev))
		goto out_fd;
	if (exempt_keep(&a, old, &x, fd >= 0))
		goto out_fd;
	rc = 0;
	say("exempt%s: %s (inode %llu)%s%s", a.audit ? " (audit)" : "", real,
	    (unsigned long long)x.ino, a.follow ? ", following the path" : "",
	    fd >= 0 ? "" : ", from the next enforce or apply");
out_fd:
	if (fd >= 0)
		close(fd);
out:
	conf_free(&c);
	return rc;
}

/* Drop the map's entries for PATH (by the path kept, or E's identity). */
static int unexempt_now(int fd, const char *path, const struct conf_exempt *e)
{
	struct wx_exe_key k, next, *prev = NULL;
	struct wx_exempt v;
	int n = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v) ||
		    (strncmp(v.path, path, sizeof(v.path)) &&
		     !(e && k.ino == e->ino && k.ctime_sec == e->ctime_sec &&
		       k.ctime_nsec == e->ctime_nsec)))
			continue;
		bpf_map_delete_elem(fd, &k);
		prev = NULL;
		n++;
	}
	return n;
}

int cmd_unexempt(int argc, char **argv)
{
	struct exempt_args a = {};
	struct conf_exempt *e;
	char real[PATH_MAX];
	struct conf c;
	int fd, n = 0, rc = 1;

	if (parse_exempt(argc, argv, &a, 1,
			 "jitsealctl unexempt [--config FILE] PATH"))
		return 1;
	if (enforcement_locked())
		return refuse_locked("unexempt");
	if (conf_read(a.file ? a.file : JITSEAL_CONF, &c, false)) {
		fail("unexempt: %s has errors: nothing changed", c.file);
		goto out;
	}
	/* A replaced file may be gone: then the path as given. */
	if (!realpath(argv[optind], real))
		snprintf(real, sizeof(real), "%s", argv[optind]);
	e = find_entry(&c, real);
	fd = exempt_map();
	if (fd < 0 && fd != -ENOENT)
		goto out;
	if (fd >= 0) {
		n = unexempt_now(fd, real, e);
		close(fd);
	}
	if (!e && !n) {
		fail("unexempt: %s is neither in force nor in %s", real, c.file);
		goto out;
	}
	if (e && !ours(&a, e->file))
		warn("%s:%d still exempts %s from the next enforce or apply: remove that line by hand (jitsealctl does not rewrite %s)",
		     e->file, e->line, real, e->file);
	else if (e && conf_set_exempt(e->file, real, NULL))
		goto out;
	rc = 0;
	say("no longer exempt: %s%s", real, n ? "" : " (it was not in force)");
out:
	conf_free(&c);
	return rc;
}

/* What the kernel holds: the map, or the lock's copy once locked. */
struct held {
	struct wx_exe_key key[WX_EXEMPT_MAX];
	struct wx_exempt val[WX_EXEMPT_MAX];
	bool seen[WX_EXEMPT_MAX];
	int n;
	bool on;		/* enforcement active */
};

static int read_held(struct held *h)
{
	struct wx_exe_key k, *prev = NULL;
	struct wx_lock_config *lk;
	int fd, err;

	h->on = !access(WX_PIN_DIR, F_OK);
	if (!h->on)
		return 0;
	if (enforcement_locked()) {
		lk = calloc(1, sizeof(*lk));
		err = lk ? pinned_lock(lk) : -ENOMEM;
		for (__u32 i = 0; !err && i < lk->nexempt && i < WX_EXEMPT_MAX; i++) {
			h->key[h->n] = lk->exempt[i];
			h->val[h->n++] = lk->exempt_mode[i];
		}
		free(lk);
		return err ? fail("exemptions: cannot read the lock: %s",
				  strerror(-err)) : 0;
	}
	fd = exempt_map();
	if (fd < 0)
		return 1;
	while (h->n < WX_EXEMPT_MAX && !bpf_map_get_next_key(fd, prev, &k)) {
		h->key[h->n] = k;
		prev = &h->key[h->n];
		if (!bpf_map_lookup_elem(fd, &k, &h->val[h->n]))
			h->n++;
	}
	close(fd);
	return 0;
}

static const char *mode_word(__u32 mode)
{
	return mode == WX_EXEMPT_AUDIT ? "audit" : "exempt";
}

/* One line for a file's exemption: its state in the kernel. */
static void show_entry(const struct conf_exempt *x, struct held *h)
{
	struct conf_exempt now = *x;
	struct wx_exe_key k;
	const char *state;
	__u32 dev;
	int i = -1;

	if (exempt_identify_quiet(x->path, &now, &dev)) {
		state = "missing";
	} else if (exempt_changed(x, &now)) {
		state = "changed: not exempt";
	} else {
		exempt_key(&now, dev, &k);
		for (i = 0; i < h->n; i++)
			if (!memcmp(&h->key[i], &k, sizeof(k)))
				break;
		i = i < h->n ? i : -1;
		state = !h->on ? "enforcement off" : i < 0 ? "not in force" :
			h->val[i].mode != x->mode ? "in force with another mode" :
			"in force";
	}
	if (i >= 0)
		h->seen[i] = true;
	printf("%s %s (%s)\n", x->path, mode_word(x->mode), state);
}

/*
 * exemptions [--config FILE]: each exemption of the file (and drop-ins)
 * with its state in the kernel, then those in force that no file has.
 */
int cmd_exemptions(int argc, char **argv)
{
	struct exempt_args a = {};
	struct held *h;
	struct conf c;
	int rc = 0;

	if (parse_exempt(argc, argv, &a, 0,
			 "jitsealctl exemptions [--config FILE]"))
		return 1;
	if (conf_read(a.file ? a.file : JITSEAL_CONF, &c, false)) {
		conf_free(&c);
		return fail("exemptions: %s has errors", c.file);
	}
	h = calloc(1, sizeof(*h));
	if (!h || read_held(h)) {
		rc = h ? 1 : fail("out of memory");
		goto out;
	}
	for (int i = 0; i < c.nexempt; i++)
		show_entry(&c.exempt[i], h);
	for (int i = 0; i < h->n; i++)
		if (!h->seen[i])
			printf("%s %s (in force, in no configuration file)\n",
			       h->val[i].path[0] ? h->val[i].path : "?",
			       mode_word(h->val[i].mode));
out:
	free(h);
	conf_free(&c);
	return rc;
}
