// SPDX-License-Identifier: GPL-2.0
/*
 * jitsealctl apply [--check] [FILE]: make the module's policy, W^X
 * enforcement and exemptions what the configuration file says (default
 * /etc/jitseal/jitseal.conf; jitseal.service runs it at boot).  Everything
 * is validated first: a file with any error, or one that asks for what the
 * running state cannot become (a locked policy, enforcement active with
 * another scope), changes nothing.  Applying the same file again changes
 * nothing either.
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
	struct wx_config cur;
};

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

static int check_enforcement(const struct conf *c, struct apply_state *s)
{
	char real[PATH_MAX];
	int err;

	s->active = !access(WX_PIN_DIR, F_OK);
	if (!c->scope_line || !s->active || c->scope == CONF_SCOPE_OFF)
		return 0;
	err = pinned_config(&s->cur);
	if (err)
		return fail("cannot read the active enforcement (%s): nothing changed",
			    strerror(-err));
	if (c->scope == WX_SCOPE_CGROUP && !realpath(c->cgroup, real))
		real[0] = '\0';
	if ((int)s->cur.scope != c->scope || (int)s->cur.mode != c->mode ||
	    (c->scope == WX_SCOPE_CGROUP &&
	     strncmp(real, s->cur.scope_path, sizeof(s->cur.scope_path) - 1)))
		return fail("%s:%d: enforcement is active with scope %s, mode %s: jitsealctl release first; nothing changed",
			    c->file, c->scope_line, scope_word(s->cur.scope),
			    s->cur.mode == WX_MODE_AUDIT ? "audit" : "enforce");
	return 0;
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
	}
	return 0;
}

static int set_enforcement(const struct conf *c, struct apply_state *s)
{
	struct enforce_opts o = {
		.scope = c->scope, .mode = c->mode, .cgroup = c->cgroup,
	};

	if (c->scope_line && c->scope == CONF_SCOPE_OFF) {
		if (s->active && cmd_release(1, (char *[]){ "release", NULL }))
			return 1;
		return 0;
	}
	if (c->scope_line && !s->active && enforce_start(&o))
		return 1;
	return exempt_sync(c);
}

static int apply(const struct conf *c)
{
	struct apply_state s = {};

	if (require_root("apply") || check_policy(c, &s) ||
	    check_enforcement(c, &s))
		return 1;
	if (set_knobs(c, &s))
		return 1;
	if (set_enforcement(c, &s)) {
		restore_knobs(&s, CONF_NR_KNOBS);
		return 1;
	}
	if (c->lock && !s.locked) {
		int err = policy_write("locked", "1");

		if (err)
			return fail("%s:%d: cannot lock the policy: %s",
				    c->file, c->lock_line, strerror(-err));
	}
	return 0;
}

/* --check: exempted files that are gone or changed are warnings. */
static int check_exempt_files(const struct conf *c)
{
	for (int i = 0; i < c->nexempt; i++) {
		const struct conf_exempt *x = &c->exempt[i];
		struct conf_exempt now = *x;
		__u32 dev;

		if (exempt_identify(x->path, &now, &dev))
			warn("%s:%d: %s would not be exempt", c->file, x->line,
			     x->path);
		else if (exempt_changed(x, &now))
			warn("%s:%d: %s changed since it was exempted: it would not be exempt",
			     c->file, x->line, x->path);
	}
	return 0;
}

int cmd_apply(int argc, char **argv)
{
	const char *file = JITSEAL_CONF;
	bool check = false;
	struct conf c;
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--check"))
			return fail("apply: unknown option '%s' (usage: jitsealctl apply [--check] [FILE])",
				    argv[i]);
		check = true;
	}
	if (i < argc)
		file = argv[i++];
	if (i < argc)
		return fail("usage: jitsealctl apply [--check] [FILE]");
	if (conf_read(file, &c, true)) {
		fprintf(stderr, "jitsealctl: %s: %d error%s: nothing changed\n",
			file, c.errors, c.errors == 1 ? "" : "s");
		conf_free(&c);
		return 1;
	}
	rc = check ? check_exempt_files(&c) : apply(&c);
	if (check)
		printf("%s: valid\n", file);
	conf_free(&c);
	return rc;
}
