// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: the audit trail, one mechanism for LOAD, RETIRE, refused
 * SET_SLOTS and policy.
 *
 * Each record goes to the kernel's audit subsystem, so that auditd stores
 * it and ausearch finds it (type KERNEL_OTHER, told apart by op=jitseal_*),
 * with the task's fields from audit_log_task_info().  Loads and retires are
 * recorded while the "audit" knob is 1, policy changes always.  A record
 * the audit subsystem drops (backlog full, out of memory) is counted in
 * /sys/kernel/jitseal/audit_lost with the other statistics (and, for the
 * scripts of earlier versions, /sys/module/jitseal/parameters/audit_lost).
 * With the audit subsystem off (audit=0, or auditctl -e 0) the same event
 * is a kernel log line instead, written
 * here and only here; a task name under user control never starts a line
 * of its own there (jitseal_audit_comm()).
 * Documentation/admin-guide/jitseal.rst, "Audit".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/audit.h>
#include <linux/cred.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <crypto/sha2.h>

#include "jitseal.h"

/* A task name in hex, and its NUL. */
#define JITSEAL_COMM_BUF	(2 * TASK_COMM_LEN + 1)

/* Printk lines name at most this many digest prefixes. */
#define JITSEAL_AUDIT_DIGESTS	8

static atomic64_t jitseal_audit_lost;

/* Records the audit subsystem dropped: policy.c shows it in sysfs. */
u64 jitseal_audit_lost_count(void)
{
	return atomic64_read(&jitseal_audit_lost);
}

static int jitseal_audit_lost_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%llu\n", jitseal_audit_lost_count());
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
		 "read-only counter, as /sys/kernel/jitseal/audit_lost");

/*
 * The caller's task name for a printk line in @buf (JITSEAL_COMM_BUF
 * bytes): as it is when it holds no space, quote, backslash or control
 * byte, else in hex, as the audit subsystem writes untrusted strings.
 * Console and syslog(2) readers would otherwise take a newline in it for
 * the start of a line the kernel never wrote.
 */
static const char *jitseal_audit_comm(char *buf)
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

/* A record of the audit subsystem, or NULL: the caller logs a line. */
static struct audit_buffer *jitseal_audit_start(bool *lost)
{
	struct audit_buffer *ab;

	*lost = false;
	if (!audit_enabled)
		return NULL;
	ab = audit_log_start(audit_context(), GFP_KERNEL, AUDIT_KERNEL_OTHER);
	if (!ab) {
		atomic64_inc(&jitseal_audit_lost);
		*lost = true;
	}
	return ab;
}

static void jitseal_audit_end(struct audit_buffer *ab)
{
	audit_log_task_info(ab);
	audit_log_end(ab);
}

/* The uid that printk lines name: in the initial namespace. */
static uid_t jitseal_audit_uid(void)
{
	return from_kuid(&init_user_ns, current_uid());
}

/**
 * jitseal_audit_load - the record of one successful load
 * @pool_id:	the pool's id
 * @nr:		segments of the batch
 * @bytes:	bytes of the batch
 * @digests:	@nr SHA-256 digests, one per segment, in the caller's order
 *
 * The audit record names one digest of the whole batch (the SHA-256 of the
 * per-segment digests that LOAD returns), the log line the first bytes of
 * each segment's.
 */
void jitseal_audit_load(u64 pool_id, u32 nr, u64 bytes,
			const u8 (*digests)[JITSEAL_DIGEST_SIZE])
{
	char prefixes[JITSEAL_AUDIT_DIGESTS * 9 + 16], comm[JITSEAL_COMM_BUF];
	u32 i, n = min_t(u32, nr, JITSEAL_AUDIT_DIGESTS);
	u8 batch[SHA256_DIGEST_SIZE];
	struct audit_buffer *ab;
	int len = 0;
	bool lost;

	ab = jitseal_audit_start(&lost);
	if (ab) {
		sha256(digests[0], (size_t)nr * JITSEAL_DIGEST_SIZE, batch);
		audit_log_format(ab, "op=jitseal_load pool=%llu segments=%u bytes=%llu",
				 pool_id, nr, bytes);
		audit_log_format(ab, " batch_sha256=%*phN", SHA256_DIGEST_SIZE,
				 batch);
		jitseal_audit_end(ab);
	}
	if (ab || lost)
		return;

	for (i = 0; i < n; i++)
		len += scnprintf(prefixes + len, sizeof(prefixes) - len,
				 "%s%4phN", i ? "," : "", digests[i]);
	if (nr > n)
		scnprintf(prefixes + len, sizeof(prefixes) - len, ",+%u", nr - n);
	pr_info_ratelimited("audit: load pid=%d comm=%s uid=%u pool=%llu segments=%u bytes=%llu sha256=%s\n",
			    task_tgid_nr(current), jitseal_audit_comm(comm),
			    jitseal_audit_uid(), pool_id, nr, bytes, prefixes);
}

/**
 * jitseal_audit_retire - the record of one successful RETIRE
 * @pool_id:	the pool's id
 * @offset:	first retired byte
 * @pages:	pages retired
 * @bytes:	sealed bytes they held
 */
void jitseal_audit_retire(u64 pool_id, u64 offset, u64 pages, u64 bytes)
{
	char comm[JITSEAL_COMM_BUF];
	struct audit_buffer *ab;
	bool lost;

	ab = jitseal_audit_start(&lost);
	if (ab) {
		audit_log_format(ab, "op=jitseal_retire pool=%llu offset=%llu",
				 pool_id, offset);
		audit_log_format(ab, " pages=%llu bytes=%llu", pages, bytes);
		jitseal_audit_end(ab);
	}
	if (ab || lost)
		return;
	pr_info_ratelimited("audit: retire pid=%d comm=%s uid=%u pool=%llu offset=%llu pages=%llu bytes=%llu\n",
			    task_tgid_nr(current), jitseal_audit_comm(comm),
			    jitseal_audit_uid(), pool_id, offset, pages, bytes);
}

/**
 * jitseal_audit_policy - the record of a knob write
 * @knob:	the knob's name
 * @old:	its value before, or NULL when the write was refused
 * @new:	its value after, or NULL when the write was refused
 *
 * A refusal is a write to a locked policy (res=0).
 */
void jitseal_audit_policy(const char *knob, const char *old, const char *new)
{
	char comm[JITSEAL_COMM_BUF];
	struct audit_buffer *ab;
	bool lost;

	ab = jitseal_audit_start(&lost);
	if (ab) {
		if (new)
			audit_log_format(ab, "op=jitseal_policy knob=%s old=%s new=%s res=1",
					 knob, old, new);
		else
			audit_log_format(ab, "op=jitseal_policy knob=%s reason=locked res=0",
					 knob);
		jitseal_audit_end(ab);
	}
	if (ab || lost)
		return;
	if (new)
		pr_notice("policy: %s %s -> %s by uid=%u pid=%d comm=%s\n",
			  knob, old, new, jitseal_audit_uid(),
			  task_tgid_nr(current), jitseal_audit_comm(comm));
	else
		pr_notice_ratelimited("policy: %s: write refused, locked (uid=%u pid=%d comm=%s)\n",
				      knob, jitseal_audit_uid(),
				      task_tgid_nr(current),
				      jitseal_audit_comm(comm));
}

/**
 * jitseal_audit_slot - the record of a refused SET_SLOTS
 * @pool_id:	the pool's id
 * @slot:	the refused update's slot (pool offset)
 * @target:	the target it asked for
 * @err:	the error: -ENOENT (not a slot), -EADDRNOTAVAIL (target)
 *
 * Always recorded, whatever the "audit" knob says: a refused update is
 * what an attacker who took over the JIT would do.
 */
void jitseal_audit_slot(u64 pool_id, u64 slot, u64 target, int err)
{
	char comm[JITSEAL_COMM_BUF];
	struct audit_buffer *ab;
	bool lost;

	ab = jitseal_audit_start(&lost);
	if (ab) {
		audit_log_format(ab, "op=jitseal_set_slot pool=%llu slot=%llu",
				 pool_id, slot);
		audit_log_format(ab, " target=0x%llx errno=%d res=0", target,
				 -err);
		jitseal_audit_end(ab);
	}
	if (ab || lost)
		return;
	pr_notice_ratelimited("audit: slot refused pid=%d comm=%s uid=%u pool=%llu slot=%llu target=0x%llx errno=%d\n",
			      task_tgid_nr(current), jitseal_audit_comm(comm),
			      jitseal_audit_uid(), pool_id, slot, target, -err);
}
