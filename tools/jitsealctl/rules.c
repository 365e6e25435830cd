// SPDX-License-Identifier: GPL-2.0
/* jitsealctl: names of the W^X rules, counters and hooks. */
#include <stddef.h>

#include "jitsealctl.h"

/* As `status` and `events` print them; described in jitsealctl(8). */
static const char *const rules[WX_NR_RULES] = {
	[WX_RULE_WX] = "wx",
	[WX_RULE_EXEC_ANON] = "exec_anon",
	[WX_RULE_EXEC_WRITTEN] = "exec_written",
	[WX_RULE_EXEC_WRITER] = "exec_writer",
	[WX_RULE_EXEC_MEMFD] = "exec_memfd",
	[WX_RULE_EXEC_DEVICE] = "exec_device",
	[WX_RULE_WRITE_EXEC] = "write_exec",
	[WX_RULE_PROC_MEM] = "proc_mem",
	[WX_RULE_PTRACE] = "ptrace",
	[WX_RULE_IMPLIED_EXEC] = "implied_exec",
	[WX_RULE_USERFAULTFD] = "userfaultfd",
};

const char *rule_name(__u32 rule)
{
	return rule < WX_NR_RULES ? rules[rule] : "unknown";
}

const char *counter_name(__u32 idx)
{
	switch (idx) {
	case WX_CNT_EVENTS_LOST:
		return "events_lost";
	case WX_CNT_TRACK_FAILED:
		return "track_failed";
	case WX_CNT_EXEMPTED:
		return "exempted";
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
