// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: per-user accounting of pools and sealed bytes.
 *
 * One entry per user that holds a pool, keyed like the kernel's ucounts by
 * (user namespace, uid): the entry of a user inside a namespace links to
 * the entry of the namespace's owner in its parent namespace, and so on up
 * to the initial namespace.  A charge must fit at every level and is taken
 * at every level, so a user with a range of subordinate uids (newuidmap)
 * shares its own quota with all of them instead of getting a fresh one per
 * uid.  A pool holds a reference to the entry of the user that created it,
 * an entry one to its parent; entries go with their last reference.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/user_namespace.h>

#include "jitseal.h"

struct jitseal_user {
	struct hlist_node node;
	struct user_namespace *ns;	/* a reference */
	kuid_t uid;
	refcount_t ref;
	/* The owner of @ns in the parent namespace; NULL in init_user_ns. */
	struct jitseal_user *parent;
	/* Protected by jitseal_charge_lock. */
	u32 pools;
	u64 sealed_bytes;
};

/* The table: lookups, inserts and removals. */
static DEFINE_HASHTABLE(jitseal_users, 6);
static DEFINE_MUTEX(jitseal_users_mutex);
/* The counters of every entry. */
static DEFINE_SPINLOCK(jitseal_charge_lock);

static u32 jitseal_user_hash(struct user_namespace *ns, kuid_t uid)
{
	return hash_ptr(ns, 32) ^ __kuid_val(uid);
}

static struct jitseal_user *jitseal_user_find(struct user_namespace *ns,
					      kuid_t uid)
{
	struct jitseal_user *user;

	lockdep_assert_held(&jitseal_users_mutex);
	hash_for_each_possible(jitseal_users, user, node,
			       jitseal_user_hash(ns, uid))
		if (user->ns == ns && uid_eq(user->uid, uid))
			return user;
	return NULL;
}

static struct jitseal_user *jitseal_user_new(struct user_namespace *ns,
					     kuid_t uid)
{
	struct jitseal_user *user;

	lockdep_assert_held(&jitseal_users_mutex);
	user = kzalloc(sizeof(*user), GFP_KERNEL_ACCOUNT);
	if (!user)
		return NULL;
	user->ns = get_user_ns(ns);
	user->uid = uid;
	refcount_set(&user->ref, 1);
	hash_add(jitseal_users, &user->node, jitseal_user_hash(ns, uid));
	return user;
}

/**
 * jitseal_user_get - the accounting entry of @uid in @ns, with its owners
 * @ns:		the caller's user namespace
 * @uid:	the caller's uid
 *
 * Return: a referenced entry, or NULL without memory.
 */
struct jitseal_user *jitseal_user_get(struct user_namespace *ns, kuid_t uid)
{
	struct jitseal_user *first = NULL, **link = &first, *user;

	mutex_lock(&jitseal_users_mutex);
	for (;;) {
		user = jitseal_user_find(ns, uid);
		if (user) {
			refcount_inc(&user->ref);
			*link = user;
			break;
		}
		user = jitseal_user_new(ns, uid);
		*link = user;
		if (!user || ns == &init_user_ns)
			break;
		/* A new entry takes a reference to its owner's. */
		link = &user->parent;
		uid = ns->owner;
		ns = ns->parent;
	}
	if (!user) {
		/*
		 * Out of memory half-way: every entry of the chain is new
		 * and still private to this call (the mutex); none may be
		 * left without its owner.
		 */
		for (user = first; user; user = first) {
			first = user->parent;
			hash_del(&user->node);
			put_user_ns(user->ns);
			kfree(user);
		}
	}
	mutex_unlock(&jitseal_users_mutex);
	return first;
}

void jitseal_user_put(struct jitseal_user *user)
{
	struct jitseal_user *parent;

	while (user &&
	       refcount_dec_and_mutex_lock(&user->ref, &jitseal_users_mutex)) {
		WARN_ON_ONCE(user->pools || user->sealed_bytes);
		hash_del(&user->node);
		mutex_unlock(&jitseal_users_mutex);
		parent = user->parent;
		put_user_ns(user->ns);
		kfree(user);
		user = parent;
	}
}

int jitseal_user_charge_pool(struct jitseal_user *user)
{
	u64 max = READ_ONCE(jitseal_policy.max_user_pools);
	struct jitseal_user *u;
	int ret = 0;

	spin_lock(&jitseal_charge_lock);
	for (u = user; u; u = u->parent)
		if (u->pools >= max)
			ret = -EDQUOT;
	for (u = user; u && !ret; u = u->parent)
		u->pools++;
	spin_unlock(&jitseal_charge_lock);
	return ret;
}

void jitseal_user_uncharge_pool(struct jitseal_user *user)
{
	struct jitseal_user *u;

	spin_lock(&jitseal_charge_lock);
	for (u = user; u; u = u->parent)
		u->pools--;
	spin_unlock(&jitseal_charge_lock);
}

int jitseal_user_charge_bytes(struct jitseal_user *user, u64 bytes)
{
	u64 max = READ_ONCE(jitseal_policy.max_user_bytes);
	struct jitseal_user *u;
	int ret = 0;

	spin_lock(&jitseal_charge_lock);
	for (u = user; u; u = u->parent)
		if (bytes > max || u->sealed_bytes > max - bytes)
			ret = -EDQUOT;
	for (u = user; u && !ret; u = u->parent)
		u->sealed_bytes += bytes;
	spin_unlock(&jitseal_charge_lock);
	return ret;
}

void jitseal_user_uncharge_bytes(struct jitseal_user *user, u64 bytes)
{
	struct jitseal_user *u;

	spin_lock(&jitseal_charge_lock);
	for (u = user; u; u = u->parent)
		u->sealed_bytes -= bytes;
	spin_unlock(&jitseal_charge_lock);
}
