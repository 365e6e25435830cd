// SPDX-License-Identifier: GPL-2.0
/*
 * jitsealctl apply [--check [--offline]] [FILE]: make the module's policy,
 * W^X enforcement and exemptions what the configuration file says (default
 * /etc/jitseal/jitseal.conf; jitseal.service runs it at boot).  Everything
 * is validated first: a file with any error, or one that asks for what the
 * running state cannot become (a locked policy, enforcement active with
 * another scope, locked enforcement), changes nothing.  Applying the same
 * file again changes nothing either.  --check runs the same validation,
 * against the running state too unless --offline, and changes nothing.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jitsealctl.h"

struct apply_state {
	char old[CONF_NR_KNOBS][32];
	bool change[CONF_NR_KNOBS];
	bool locked;
	bool active;		/* enforcement */
	bool elocked;		/* enforcement locked */
	bool restart;		/* its cgroup was removed and made again */
	struct wx_config cur;
	char done[512];		/* what changed, for the one line */
};

static void done(struct apply_state *s, const char *what)
{
	size_t n = strlen(s->done);

	snprintf(s->done + n, sizeof(s->done) - n, "%s%s", n ? ", " : "",
		 what);
}

static bool knobs_wanted(const struct conf *c)
{
	for (int k = 0; k < CONF_NR_KNOBS; k++)
		if (c->knob_line[k])
			return true;
	return c->lock_line;
}

static int check_policy(const struct conf *c, struct apply_state *s)
{
	char locked[8];
	int err;

	if (!knobs_wanted(c))
		return 0;
	if (!module_loaded())
		return fail("%s: the jitseal module is not loaded (jitsealctl load): nothing changed",
			    c->file);
	s->locked = !policy_read("locked", locked, sizeof(locked)) &&
		    strcmp(locked, "0");
	for (int k = 0; k < CONF_NR_KNOBS; k++) {
		if (!c->knob_line[k])
			continue;
		err = policy_read(conf_knob_keys[k], s->old[k],
				  sizeof(s->old[k]));
		if (err)
			return fail("cannot read %s: %s: nothing changed",
				    conf_knob_keys[k], strerror(-err));
		s->change[k] = strcmp(s->old[k], c->knob[k]) != 0;
		if (s->change[k] && s->locked)
			return fail("%s:%d: %s is %s and the policy is locked until reboot: nothing changed",
				    c->file, c->knob_line[k], conf_knob_keys[k],
				    s->old[k]);
	}
	if (c->lock_line && !c->lock && s->locked)
		return fail("%s:%d: lock = no, but the policy is locked until reboot: nothing changed",
			    c->file, c->lock_line);
	return 0;
}

static const char *scope_word(int scope)
{
	return scope == WX_SCOPE_ALL ? "all" : scope == WX_SCOPE_CGROUP ?
	       "cgroup" : scope == WX_SCOPE_PID ? "pid" : "?";
}

/* Locked enforcement: the file's exemptions must be the ones in force. */
static int check_locked_exempt(const struct conf *c)
{
	struct wx_lock_config *lk = calloc(1, sizeof(*lk));
	const struct conf_exempt *bad = NULL;
	int err, n = 0;

	if (!lk)
		return fail("out of memory");
	err = pinned_lock(lk);
	for (int i = 0; !err && !bad && i < c->nexempt; i++) {
		const struct conf_exempt *x = &c->exempt[i];
		struct conf_exempt now = *x;
		struct wx_exe_key k;
		__u32 dev;

		if (exempt_identify_quiet(x->path, &now, &dev) ||
		    exempt_changed(x, &now))
			continue;	/* would not be in force anyway */
		exempt_key(&now, dev, &k);
		n++;
		if (lock_exempt_mode(lk, &k) != x->mode)
			bad = x;
	}
	if (!err && !bad && (__u32)n != lk->nexempt)
		n = -1;
	free(lk);
	if (err)
		return fail("cannot read the enforcement lock (%s): nothing changed",
			    strerror(-err));
	if (bad)
		return fail("%s:%d: this exemption is not in force, and enforcement is locked until reboot: nothing changed",
			    bad->file, bad->line);
	if (n < 0)
		return fail("%s: an exemption in force is not in the file, and enforcement is locked until reboot: nothing changed",
			    c->file);
	return 0;
}

static int check_enforcement(const struct conf *c, struct apply_state *s)
{
	const char *why;
	char real[PATH_MAX];
	int err;

	s->active = !access(WX_PIN_DIR, F_OK);
	s->elocked = s->active && enforcement_locked();
	if (c->scope_line && c->scope != CONF_SCOPE_OFF && !s->active)
		return enforce_possible();
	if (!c->scope_line || !s->active)
		return 0;
	if (c->scope == CONF_SCOPE_OFF)
		return s->elocked ?
		       fail("%s:%d: enforce = off, but enforcement is locked until reboot: nothing changed",
			    c->file, c->scope_line) : 0;
	err = pinned_config(&s->cur);
	if (err)
		return fail("cannot read the active enforcement (%s): nothing changed",
			    strerror(-err));
	if (c->scope == WX_SCOPE_CGROUP && !realpath(c->cgroup, real))
		real[0] = '\0';
	if (scope_cgroup_gone(&s->cur)) {
		if (s->elocked)
			return fail("%s:%d: the enforced cgroup %s was removed, and enforcement is locked until reboot; nothing changed",
				    c->file, c->scope_line, s->cur.scope_path);
		s->restart = true;	/* whatever the file asks: start afresh */
		return 0;
	}
	why = s->elocked ? "it is locked until reboot" : "jitsealctl release first";
	if ((int)s->cur.scope != c->scope || (int)s->cur.mode != c->mode ||
	    (c->scope == WX_SCOPE_CGROUP &&
	     strncmp(real, s->cur.scope_path, sizeof(s->cur.scope_path) - 1)))
		return fail("%s:%d: enforcement is active with scope %s, mode %s: %s; nothing changed",
			    c->file, c->scope_line, scope_word(s->cur.scope),
			    s->cur.mode == WX_MODE_AUDIT ? "audit" : "enforce",
			    why);
	return s->elocked ? check_locked_exempt(c) : 0;
}

/* Everything the running state must allow; 0 or 1 after one line. */
static int check_state(const struct conf *c, struct apply_state *s)
{
	return check_policy(c, s) || check_enforcement(c, s);
}

static void restore_knobs(struct apply_state *s, int n)
{
	for (int k = 0; k < n; k++)
		if (s->change[k] && policy_write(conf_knob_keys[k], s->old[k]))
			warn("cannot restore %s to %s", conf_knob_keys[k],
			     s->old[k]);
}

static int set_knobs(const struct conf *c, struct apply_state *s)
{
	char what[96];
	int err;

	for (int k = 0; k < CONF_NR_KNOBS; k++) {
		if (!s->change[k])
			continue;
		err = policy_write(conf_knob_keys[k], c->knob[k]);
		if (err) {
			restore_knobs(s, k);
			return fail("%s:%d: the module refused %s = %s: %s: nothing changed",
				    c->file, c->knob_line[k], conf_knob_keys[k],
				    c->knob[k], strerror(-err));
		}
		snprintf(what, sizeof(what), "%s = %s", conf_knob_keys[k],
			 c->knob_text[k]);
		done(s, what);
	}
	return 0;
}

static int set_enforcement(const struct conf *c, struct apply_state *s)
{
	struct enforce_opts o = {
		.scope = c->scope, .mode = c->mode, .cgroup = c->cgroup,
	};
	char what[64];
	int n;

	if (c->scope_line && c->scope == CONF_SCOPE_OFF) {
		if (!s->active)
			return 0;
		if (release_enforcement())
			return 1;
		done(s, "enforcement released");
		return 0;
	}
	if (s->restart) {
		if (release_enforcement())
			return 1;
		s->active = false;
		done(s, "enforcement released (its cgroup was removed)");
	}
	if (c->scope_line && !s->active) {
		if (enforce_start(&o))
			return 1;
		s->active = true;
		done(s, o.mode == WX_MODE_AUDIT ? "enforcement started (audit mode)" :
		     "enforcement started");
	}
	if (!s->active || s->elocked)
		return 0;
	n = exempt_sync(c);
	if (n < 0)
		return 1;
	if (n) {
		snprintf(what, sizeof(what), "%d exemption%s changed", n,
			 n == 1 ? "" : "s");
		done(s, what);
	}
	return 0;
}

static int apply(const struct conf *c)
{
	struct apply_state s = {};
	bool did = false;
	int err;

	if (require_root("apply") || check_state(c, &s))
		return 1;
	if (set_knobs(c, &s))
		return 1;
	if (set_enforcement(c, &s)) {
		restore_knobs(&s, CONF_NR_KNOBS);
		return 1;
	}
	if (c->lock && !s.locked) {
		err = policy_write("locked", "1");
		if (err)
			return fail("%s:%d: cannot lock the policy: %s",
				    c->file, c->lock_line, strerror(-err));
		done(&s, "policy locked until reboot");
	}
	if (module_loaded() && policy_locked()) {
		if (lock_enforcement(&did))
			return 1;
		if (did)
			done(&s, "enforcement locked until reboot");
	}
	say("applied %s: %s", c->file, s.done[0] ? s.done : "nothing to change");
	return 0;
}

/* --check: exempted files that are gone or changed are warnings. */
static void check_exempt_files(const struct conf *c)
{
	for (int i = 0; i < c->nexempt; i++) {
		const struct conf_exempt *x = &c->exempt[i];
		struct conf_exempt now = *x;
		__u32 dev;

		if (exempt_identify(x->path, &now, &dev))
			warn("%s:%d: %s would not be exempt", x->file, x->line,
			     x->path);
		else if (exempt_changed(x, &now))
			warn("%s:%d: %s changed since it was exempted: it would not be exempt",
			     x->file, x->line, x->path);
	}
}

/* --check: the file, then (unless OFFLINE) against the running state. */
static int check(const struct conf *c, bool offline)
{
	struct apply_state s = {};

	check_exempt_files(c);
	if (offline) {
		printf("%s: valid (not checked against the running state)\n",
		       c->file);
		return 0;
	}
	if (geteuid())
		return fail("%s: valid, but checking it against the running state needs root (or --offline)",
			    c->file);
	if (check_state(c, &s))
		return 1;
	printf("%s: valid, and apply can make it so\n", c->file);
	return 0;
}

int cmd_apply(int argc, char **argv)
{
	const char *file = JITSEAL_CONF;
	bool check_only = false, offline = false;
	struct conf c;
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--check"))
			check_only = true;
		else if (!strcmp(argv[i], "--offline"))
			offline = true;
		else
			return fail("apply: unknown option '%s' (usage: jitsealctl apply [--check [--offline]] [FILE])",
				    argv[i]);
	}
	if (i < argc)
		file = argv[i++];
	if (i < argc)
		return fail("usage: jitsealctl apply [--check [--offline]] [FILE]");
	if (offline && !check_only)
		return fail("apply: --offline goes with --check");
	if (conf_read(file, &c, true)) {
		fprintf(stderr, "jitsealctl: %s: %d error%s: nothing changed\n",
			file, c.errors, c.errors == 1 ? "" : "s");
		conf_free(&c);
		return 1;
	}
	rc = check_only ? check(&c, offline) : apply(&c);
	conf_free(&c);
	return rc;
}
