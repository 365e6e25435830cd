// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: policy knobs and statistics in /sys/kernel/jitseal/.
 *
 * Knobs are written by CAP_SYS_ADMIN only, each write is validated and
 * logged, and writing 1 to "locked" freezes every knob until reboot.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/kobject.h>
#include <linux/kstrtox.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/sysfs.h>

#include "jitseal.h"

#define JITSEAL_POOL_BYTES_LIMIT	SZ_4G
#define JITSEAL_USER_BYTES_LIMIT	SZ_1T
#define JITSEAL_USER_POOLS_LIMIT	SZ_1M

struct jitseal_policy jitseal_policy = {
	.max_pool_bytes	= SZ_256M,
	.max_user_bytes	= SZ_1G,
	.max_user_pools	= 1024,
	.retire		= 1,
	.slots		= 1,
	.allowed_gid	= INVALID_GID,
};

/* Serialises knob writes; readers use READ_ONCE() on single fields. */
static DEFINE_MUTEX(jitseal_policy_lock);

static atomic64_t jitseal_stat_pools;
static atomic64_t jitseal_stat_sealed_bytes;
static atomic64_t jitseal_stat_pages;
static atomic64_t jitseal_stat_loads;
static atomic64_t jitseal_stat_retired_pages;
static atomic64_t jitseal_stat_retired_bytes;
static atomic64_t jitseal_stat_slot_updates;
static atomic64_t jitseal_stat_slot_refusals;
static atomic64_t jitseal_stat_rejects[JITSEAL_NR_REJECTS];

void jitseal_stat_reject(int err)
{
	enum jitseal_reject why;

	switch (err) {
	case -EDQUOT:
	case -ENOSPC:
		why = JITSEAL_REJECT_QUOTA;
		break;
	case -EEXIST:
		why = JITSEAL_REJECT_OVERLAP;
		break;
	case -EFAULT:
		why = JITSEAL_REJECT_FAULT;
		break;
	case -ENOMEM:
		why = JITSEAL_REJECT_NOMEM;
		break;
	case -EPERM:
	case -EACCES:
		why = JITSEAL_REJECT_PERM;
		break;
	case -EINTR:
		why = JITSEAL_REJECT_INTR;
		break;
	default:
		why = JITSEAL_REJECT_INVALID;
		break;
	}
	atomic64_inc(&jitseal_stat_rejects[why]);
}

void jitseal_stat_pool(long delta)
{
	atomic64_add(delta, &jitseal_stat_pools);
}

void jitseal_stat_load(u64 bytes, u64 pages)
{
	atomic64_add(bytes, &jitseal_stat_sealed_bytes);
	atomic64_add(pages, &jitseal_stat_pages);
	atomic64_inc(&jitseal_stat_loads);
}

void jitseal_stat_unload(u64 bytes, u64 pages)
{
	atomic64_sub(bytes, &jitseal_stat_sealed_bytes);
	atomic64_sub(pages, &jitseal_stat_pages);
}

/* Retired pages leave the gauges and are counted for good. */
void jitseal_stat_retire(u64 bytes, u64 pages)
{
	jitseal_stat_unload(bytes, pages);
	atomic64_add(bytes, &jitseal_stat_retired_bytes);
	atomic64_add(pages, &jitseal_stat_retired_pages);
}

/* Slots written by SET_SLOTS. */
void jitseal_stat_slots(u64 updates)
{
	atomic64_add(updates, &jitseal_stat_slot_updates);
}

/* A SET_SLOTS refused for one of its updates (audited too). */
void jitseal_stat_slot_refused(void)
{
	atomic64_inc(&jitseal_stat_slot_refusals);
}

/*
 * A knob.  A numeric one names its field, range and alignment and is
 * handled by the generic format/parse below; the others bring their own.
 * @parse validates a write and applies it, with jitseal_policy_lock held
 * and the policy unlocked.
 */
struct jitseal_knob {
	struct kobj_attribute attr;
	int (*format)(const struct jitseal_knob *knob, char *buf, size_t size);
	int (*parse)(const struct jitseal_knob *knob, const char *buf);
	u64 *field;		/* numeric knobs */
	u64 min, max, align;
};

static int jitseal_format_num(const struct jitseal_knob *knob, char *buf,
			      size_t size)
{
	return scnprintf(buf, size, "%llu", READ_ONCE(*knob->field));
}

static int jitseal_parse_num(const struct jitseal_knob *knob, const char *buf)
{
	u64 val;

	if (kstrtou64(buf, 0, &val) || val < knob->min || val > knob->max ||
	    (knob->align && !IS_ALIGNED(val, knob->align)))
		return -EINVAL;
	WRITE_ONCE(*knob->field, val);
	return 0;
}

static int jitseal_format_allowed_gid(const struct jitseal_knob *knob,
				      char *buf, size_t size)
{
	kgid_t gid = READ_ONCE(jitseal_policy.allowed_gid);

	if (!gid_valid(gid))
		return scnprintf(buf, size, "-1");
	return scnprintf(buf, size, "%u", from_kgid(&init_user_ns, gid));
}

static int jitseal_parse_allowed_gid(const struct jitseal_knob *knob,
				     const char *buf)
{
	kgid_t gid = INVALID_GID;
	s64 val;

	if (kstrtos64(buf, 0, &val) || val < -1 || val >= U32_MAX)
		return -EINVAL;
	if (val >= 0) {
		gid = make_kgid(&init_user_ns, val);
		if (!gid_valid(gid))
			return -EINVAL;
	}
	WRITE_ONCE(jitseal_policy.allowed_gid, gid);
	return 0;
}

static int jitseal_format_locked(const struct jitseal_knob *knob, char *buf,
				 size_t size)
{
	return scnprintf(buf, size, "%d", READ_ONCE(jitseal_policy.locked));
}

static int jitseal_parse_locked(const struct jitseal_knob *knob,
				const char *buf)
{
	unsigned int val;

	/* Only reached while unlocked: 0 changes nothing, 1 is for good. */
	if (kstrtouint(buf, 0, &val) || val > 1)
		return -EINVAL;
	if (val) {
		/*
		 * Until reboot: unloading and loading the module again would
		 * reset the policy, so a locked module stays loaded.
		 */
		__module_get(THIS_MODULE);
		WRITE_ONCE(jitseal_policy.locked, true);
	}
	return 0;
}

static ssize_t jitseal_knob_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	const struct jitseal_knob *knob =
		container_of(attr, struct jitseal_knob, attr);
	char val[24];

	knob->format(knob, val, sizeof(val));
	return sysfs_emit(buf, "%s\n", val);
}

static ssize_t jitseal_knob_store(struct kobject *kobj,
				  struct kobj_attribute *attr,
				  const char *buf, size_t count)
{
	const struct jitseal_knob *knob =
		container_of(attr, struct jitseal_knob, attr);
	char old[24], new[24];
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	mutex_lock(&jitseal_policy_lock);
	if (jitseal_policy.locked) {
		ret = -EPERM;
	} else {
		knob->format(knob, old, sizeof(old));
		ret = knob->parse(knob, buf);
	}
	if (!ret) {
		knob->format(knob, new, sizeof(new));
		jitseal_audit_policy(attr->attr.name, old, new);
	}
	mutex_unlock(&jitseal_policy_lock);

	if (ret == -EPERM)
		jitseal_audit_policy(attr->attr.name, NULL, NULL);
	return ret ?: count;
}

#define JITSEAL_KNOB_ATTR(_str)						\
	.attr = {							\
		.attr	= { .name = _str, .mode = 0644 },		\
		.show	= jitseal_knob_show,				\
		.store	= jitseal_knob_store,				\
	}

/* A numeric knob: jitseal_policy._name within [_min, _max], _align. */
#define JITSEAL_KNOB_NUM(_name, _min, _max, _align)			\
	static struct jitseal_knob jitseal_knob_##_name = {		\
		JITSEAL_KNOB_ATTR(#_name),				\
		.format	= jitseal_format_num,				\
		.parse	= jitseal_parse_num,				\
		.field	= &jitseal_policy._name,			\
		.min	= _min,						\
		.max	= _max,						\
		.align	= _align,					\
	}

/* A knob with its own format and parse. */
#define JITSEAL_KNOB(_name)						\
	static struct jitseal_knob jitseal_knob_##_name = {		\
		JITSEAL_KNOB_ATTR(#_name),				\
		.format	= jitseal_format_##_name,			\
		.parse	= jitseal_parse_##_name,			\
	}

JITSEAL_KNOB_NUM(max_pool_bytes, PAGE_SIZE, JITSEAL_POOL_BYTES_LIMIT,
		 PAGE_SIZE);
JITSEAL_KNOB_NUM(max_user_bytes, 0, JITSEAL_USER_BYTES_LIMIT, 0);
JITSEAL_KNOB_NUM(max_user_pools, 0, JITSEAL_USER_POOLS_LIMIT, 0);
JITSEAL_KNOB_NUM(audit, 0, 1, 0);
JITSEAL_KNOB_NUM(retire, 0, 1, 0);
JITSEAL_KNOB_NUM(slots, 0, 1, 0);
JITSEAL_KNOB(allowed_gid);
JITSEAL_KNOB(locked);

#define JITSEAL_STAT(_name, _counter)					\
	static ssize_t _name##_show(struct kobject *kobj,		\
				    struct kobj_attribute *attr,	\
				    char *buf)				\
	{								\
		return sysfs_emit(buf, "%lld\n",			\
				  atomic64_read(&(_counter)));		\
	}								\
	static struct kobj_attribute jitseal_stat_attr_##_name = __ATTR_RO(_name)

JITSEAL_STAT(pools, jitseal_stat_pools);
JITSEAL_STAT(sealed_bytes, jitseal_stat_sealed_bytes);
JITSEAL_STAT(pages, jitseal_stat_pages);
JITSEAL_STAT(loads, jitseal_stat_loads);
JITSEAL_STAT(retired_pages, jitseal_stat_retired_pages);
JITSEAL_STAT(retired_bytes, jitseal_stat_retired_bytes);
JITSEAL_STAT(slot_updates, jitseal_stat_slot_updates);
JITSEAL_STAT(slot_refusals, jitseal_stat_slot_refusals);
JITSEAL_STAT(quota, jitseal_stat_rejects[JITSEAL_REJECT_QUOTA]);

static ssize_t audit_lost_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", jitseal_audit_lost_count());
}

static struct kobj_attribute jitseal_stat_attr_audit_lost = __ATTR_RO(audit_lost);
JITSEAL_STAT(overlap, jitseal_stat_rejects[JITSEAL_REJECT_OVERLAP]);
JITSEAL_STAT(invalid, jitseal_stat_rejects[JITSEAL_REJECT_INVALID]);
JITSEAL_STAT(fault, jitseal_stat_rejects[JITSEAL_REJECT_FAULT]);
JITSEAL_STAT(nomem, jitseal_stat_rejects[JITSEAL_REJECT_NOMEM]);
JITSEAL_STAT(perm, jitseal_stat_rejects[JITSEAL_REJECT_PERM]);
JITSEAL_STAT(intr, jitseal_stat_rejects[JITSEAL_REJECT_INTR]);

static struct attribute *jitseal_attrs[] = {
	&jitseal_knob_max_pool_bytes.attr.attr,
	&jitseal_knob_max_user_bytes.attr.attr,
	&jitseal_knob_max_user_pools.attr.attr,
	&jitseal_knob_allowed_gid.attr.attr,
	&jitseal_knob_audit.attr.attr,
	&jitseal_knob_retire.attr.attr,
	&jitseal_knob_slots.attr.attr,
	&jitseal_knob_locked.attr.attr,
	&jitseal_stat_attr_pools.attr,
	&jitseal_stat_attr_sealed_bytes.attr,
	&jitseal_stat_attr_pages.attr,
	&jitseal_stat_attr_loads.attr,
	&jitseal_stat_attr_retired_pages.attr,
	&jitseal_stat_attr_retired_bytes.attr,
	&jitseal_stat_attr_slot_updates.attr,
	&jitseal_stat_attr_slot_refusals.attr,
	&jitseal_stat_attr_audit_lost.attr,
	NULL,
};

static const struct attribute_group jitseal_attr_group = {
	.attrs = jitseal_attrs,
};

static struct attribute *jitseal_reject_attrs[] = {
	&jitseal_stat_attr_quota.attr,
	&jitseal_stat_attr_overlap.attr,
	&jitseal_stat_attr_invalid.attr,
	&jitseal_stat_attr_fault.attr,
	&jitseal_stat_attr_nomem.attr,
	&jitseal_stat_attr_perm.attr,
	&jitseal_stat_attr_intr.attr,
	NULL,
};

static const struct attribute_group jitseal_reject_group = {
	.name = "rejects",
	.attrs = jitseal_reject_attrs,
};

static const struct attribute_group *jitseal_groups[] = {
	&jitseal_attr_group,
	&jitseal_reject_group,
	NULL,
};

static struct kobject *jitseal_kobj;

int jitseal_policy_init(void)
{
	int ret;

	jitseal_kobj = kobject_create_and_add("jitseal", kernel_kobj);
	if (!jitseal_kobj)
		return -ENOMEM;
	ret = sysfs_create_groups(jitseal_kobj, jitseal_groups);
	if (ret)
		kobject_put(jitseal_kobj);
	return ret;
}

void jitseal_policy_exit(void)
{
	sysfs_remove_groups(jitseal_kobj, jitseal_groups);
	kobject_put(jitseal_kobj);
}
