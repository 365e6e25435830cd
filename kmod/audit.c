// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: audit records of loads through the kernel's audit subsystem, so
 * that auditd stores them and ausearch finds them (type KERNEL_OTHER, with
 * op=jitseal_load).  One record per successful LOAD while the "audit" knob
 * is 1; it names the task (pid, uid, auid, ses, comm, exe, ...), the pool,
 * the batch's size and one SHA-256 of the whole batch: the digest of the
 * per-segment digests that LOAD returns, in the caller's order.
 *
 * A record the audit subsystem drops (backlog full, out of memory) is
 * counted in /sys/module/jitseal/parameters/audit_lost.  RETIRE has its
 * record too (op=jitseal_retire).  With audit off (audit=0, or auditctl
 * -e 0) the caller logs its printk line instead, naming the task by
 * jitseal_audit_comm(): a name under user control never starts a line of
 * its own there.
 * Documentation/admin-guide/jitseal.rst, "Audit".
 */
#include <linux/atomic.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>
#include <crypto/sha2.h>

#include "jitseal.h"

static atomic64_t jitseal_audit_lost;

static int jitseal_audit_lost_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&jitseal_audit_lost));
}

/* A counter, not a setting: refused at load time too. */
static int jitseal_audit_lost_set(const char *val,
				  const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops jitseal_audit_lost_ops = {
	.set	= jitseal_audit_lost_set,
	.get	= jitseal_audit_lost_get,
};

module_param_cb(audit_lost, &jitseal_audit_lost_ops, NULL, 0444);
MODULE_PARM_DESC(audit_lost,
		 "read-only counter: load audit records the audit subsystem dropped");

/**
 * jitseal_audit_load - the audit record of one successful load
 * @pool_id:	the pool's id
 * @nr:		segments of the batch
 * @bytes:	bytes of the batch
 * @digests:	@nr SHA-256 digests, one per segment, in the caller's order
 *
 * Return: false when the audit subsystem is off and the caller must log
 * the load itself; true when the record went to audit or was counted lost.
 */
bool jitseal_audit_load(u64 pool_id, u32 nr, u64 bytes, const u8 *digests)
{
	u8 batch[SHA256_DIGEST_SIZE];
	struct audit_buffer *ab;

	if (!audit_enabled)
		return false;
	ab = audit_log_start(audit_context(), GFP_KERNEL, AUDIT_KERNEL_OTHER);
	if (!ab) {
		atomic64_inc(&jitseal_audit_lost);
		return true;
	}
	sha256(digests, (size_t)nr * JITSEAL_DIGEST_SIZE, batch);
	audit_log_format(ab, "op=jitseal_load pool=%llu segments=%u bytes=%llu batch_sha256=%*phN",
			 pool_id, nr, bytes, SHA256_DIGEST_SIZE, batch);
	audit_log_task_info(ab);
	audit_log_end(ab);
	return true;
}

/**
 * jitseal_audit_retire - the audit record of one successful RETIRE
 * @pool_id:	the pool's id
 * @offset:	first retired byte
 * @pages:	pages retired
 * @bytes:	sealed bytes they held
 *
 * Return: as jitseal_audit_load().
 */
bool jitseal_audit_retire(u64 pool_id, u64 offset, u64 pages, u64 bytes)
{
	struct audit_buffer *ab;

	if (!audit_enabled)
		return false;
	ab = audit_log_start(audit_context(), GFP_KERNEL, AUDIT_KERNEL_OTHER);
	if (!ab) {
		atomic64_inc(&jitseal_audit_lost);
		return true;
	}
	audit_log_format(ab, "op=jitseal_retire pool=%llu offset=%llu pages=%llu bytes=%llu",
			 pool_id, offset, pages, bytes);
	audit_log_task_info(ab);
	audit_log_end(ab);
	return true;
}

/**
 * jitseal_audit_comm - the caller's task name for a printk line
 * @buf:	JITSEAL_COMM_BUF bytes
 *
 * As it is when it holds no space, quote, backslash or control byte; else
 * in hex, as the audit subsystem writes untrusted strings.  Console and
 * syslog(2) readers would otherwise take a newline in it for the start of
 * a line the kernel never wrote.
 *
 * Return: @buf.
 */
const char *jitseal_audit_comm(char *buf)
{
	char comm[TASK_COMM_LEN];
	const unsigned char *c;

	get_task_comm(comm, current);
	for (c = comm; *c; c++)
		if (*c <= ' ' || *c >= 0x7f || *c == '"' || *c == '\\')
			break;
	if (!*c)
		strscpy(buf, comm, JITSEAL_COMM_BUF);
	else
		bin2hex(buf, comm, strlen(comm))[0] = '\0';
	return buf;
}
