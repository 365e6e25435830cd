// SPDX-License-Identifier: GPL-2.0
/* jitsealctl: names of the W^X rules, counters and hooks. */
#include <stddef.h>

#include "jitsealctl.h"

static const struct {
	const char *name;
	const char *what;
} rules[WX_NR_RULES] = {
	[WX_RULE_WX] = { "wx",
		"mapping or mprotect asking for write and exec together" },
	[WX_RULE_EXEC_ANON] = { "exec_anon",
		"exec on anonymous memory (heap, stack, MAP_ANONYMOUS)" },
	[WX_RULE_EXEC_WRITTEN] = { "exec_written",
		"exec added to memory that is writable or privately written" },
	[WX_RULE_EXEC_WRITER] = { "exec_writer",
		"exec mapping of a file open for writing" },
	[WX_RULE_EXEC_MEMFD] = { "exec_memfd",
		"exec mapping of a memory-only file without F_SEAL_WRITE" },
	[WX_RULE_EXEC_DEVICE] = { "exec_device",
		"exec mapping of a device other than /dev/jitseal" },
	[WX_RULE_WRITE_EXEC] = { "write_exec",
		"opening for writing a file mapped executable in scope" },
	[WX_RULE_PROC_MEM] = { "proc_mem",
		"opening /proc/PID/mem for writing" },
	[WX_RULE_PTRACE] = { "ptrace",
		"ptrace attach by a confined tracer" },
	[WX_RULE_IMPLIED_EXEC] = { "implied_exec",
		"READ_IMPLIES_EXEC personality or executable stack" },
	[WX_RULE_USERFAULTFD] = { "userfaultfd",
		"creating a userfaultfd" },
};

const char *rule_name(__u32 rule)
{
	return rule < WX_NR_RULES ? rules[rule].name : "unknown";
}

const char *rule_what(__u32 rule)
{
	return rule < WX_NR_RULES ? rules[rule].what : "";
}

const char *counter_name(__u32 idx)
{
	switch (idx) {
	case WX_CNT_EVENTS_LOST:
		return "events_lost";
	case WX_CNT_TRACK_FAILED:
		return "track_failed";
	}
	return rule_name(idx);
}

const char *op_name(__u32 op)
{
	switch (op) {
	case WX_OP_MMAP:
		return "mmap";
	case WX_OP_MPROTECT:
		return "mprotect";
	case WX_OP_OPEN:
		return "open";
	case WX_OP_PTRACE:
		return "ptrace";
	case WX_OP_TRACEME:
		return "traceme";
	case WX_OP_EXEC:
		return "exec";
	case WX_OP_BRK:
		return "brk";
	case WX_OP_USERFAULTFD:
		return "userfaultfd";
	}
	return "unknown";
}
