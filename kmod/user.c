// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: per-user accounting of pools and sealed bytes.
 *
 * One entry per real uid that holds a pool, in a small hashtable.  A pool
 * holds a reference to the entry of the user that created it and charges
 * it; the entry goes away with the last pool of that user.
 */
#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "jitseal.h"

struct jitseal_user {
	struct hlist_node node;
	kuid_t uid;
	/* All protected by jitseal_users_lock. */
	unsigned int refs;
	u32 pools;
	u64 sealed_bytes;
};

static DEFINE_HASHTABLE(jitseal_users, 6);
static DEFINE_SPINLOCK(jitseal_users_lock);

static struct jitseal_user *jitseal_user_find(kuid_t uid)
{
	struct jitseal_user *user;

	hash_for_each_possible(jitseal_users, user, node, __kuid_val(uid))
		if (uid_eq(user->uid, uid))
			return user;
	return NULL;
}

struct jitseal_user *jitseal_user_get(kuid_t uid)
{
	struct jitseal_user *user, *new;

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return NULL;

	spin_lock(&jitseal_users_lock);
	user = jitseal_user_find(uid);
	if (!user) {
		user = new;
		new = NULL;
		user->uid = uid;
		hash_add(jitseal_users, &user->node, __kuid_val(uid));
	}
	user->refs++;
	spin_unlock(&jitseal_users_lock);

	kfree(new);
	return user;
}

void jitseal_user_put(struct jitseal_user *user)
{
	spin_lock(&jitseal_users_lock);
	if (--user->refs) {
		user = NULL;
	} else {
		WARN_ON_ONCE(user->pools || user->sealed_bytes);
		hash_del(&user->node);
	}
	spin_unlock(&jitseal_users_lock);
	kfree(user);
}

int jitseal_user_charge_pool(struct jitseal_user *user)
{
	int ret = 0;

	spin_lock(&jitseal_users_lock);
	if (user->pools >= READ_ONCE(jitseal_policy.max_user_pools))
		ret = -EDQUOT;
	else
		user->pools++;
	spin_unlock(&jitseal_users_lock);
	return ret;
}

void jitseal_user_uncharge_pool(struct jitseal_user *user)
{
	spin_lock(&jitseal_users_lock);
	user->pools--;
	spin_unlock(&jitseal_users_lock);
}

int jitseal_user_charge_bytes(struct jitseal_user *user, u64 bytes)
{
	u64 max = READ_ONCE(jitseal_policy.max_user_bytes);
	int ret = 0;

	spin_lock(&jitseal_users_lock);
	if (bytes > max || user->sealed_bytes > max - bytes)
		ret = -EDQUOT;
	else
		user->sealed_bytes += bytes;
	spin_unlock(&jitseal_users_lock);
	return ret;
}

void jitseal_user_uncharge_bytes(struct jitseal_user *user, u64 bytes)
{
	spin_lock(&jitseal_users_lock);
	user->sealed_bytes -= bytes;
	spin_unlock(&jitseal_users_lock);
}
