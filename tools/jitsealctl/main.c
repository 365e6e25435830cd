// SPDX-License-Identifier: GPL-2.0
/*
 * jitsealctl: administer jitseal, the sealed code pools for JIT compilers:
 * the module's policy and statistics, and W^X enforcement by BPF LSM.
 * See man/man8/jitsealctl.8.
 */
#include <stdio.h>
#include <string.h>

#include "jitsealctl.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "status", cmd_status },
	{ "policy", cmd_policy },
	{ "enforce", cmd_enforce },
	{ "release", cmd_release },
	{ "events", cmd_events },
	{ "load", cmd_load },
	{ "unload", cmd_unload },
	{ "apply", cmd_apply },
	{ "exempt", cmd_exempt },
	{ "unexempt", cmd_unexempt },
	{ "exemptions", cmd_exemptions },
};

static void usage(FILE *out)
{
	fputs("usage: jitsealctl [--quiet] COMMAND ...\n"
	      "       jitsealctl status\n"
	      "       jitsealctl load [--params \"NAME=VALUE ...\"] | unload\n"
	      "       jitsealctl policy get [KEY] | set KEY VALUE | lock\n"
	      "       jitsealctl apply [--check [--offline]] [FILE]\n"
	      "       jitsealctl enforce (--all | --cgroup PATH | --pid PID) [--audit] [--config FILE]\n"
	      "       jitsealctl release\n"
	      "       jitsealctl events [--follow]\n"
	      "       jitsealctl exempt [--audit] [--follow] [--config FILE] PATH\n"
	      "       jitsealctl unexempt [--config FILE] PATH\n"
	      "       jitsealctl exemptions [--config FILE]\n", out);
}

/* --quiet (or -q) anywhere before "--": taken out of ARGV. */
static int take_quiet(int argc, char **argv)
{
	int i, n = 1;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q"))
			quiet = true;
		else
			argv[n++] = argv[i];
	}
	while (i < argc)
		argv[n++] = argv[i++];
	argv[n] = NULL;
	return n;
}

int main(int argc, char **argv)
{
	argc = take_quiet(argc, argv);
	if (argc < 2)
		return fail("no command (try: jitsealctl help)");
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	return fail("unknown command '%s' (try: jitsealctl help)", argv[1]);
}
