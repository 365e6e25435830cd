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
};

static void usage(FILE *out)
{
	fputs("usage: jitsealctl status\n"
	      "       jitsealctl policy get [KEY] | set KEY VALUE | lock\n"
	      "       jitsealctl enforce (--all | --cgroup PATH | --pid PID) [--audit]\n"
	      "       jitsealctl release\n"
	      "       jitsealctl events [--follow]\n", out);
}

int main(int argc, char **argv)
{
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
