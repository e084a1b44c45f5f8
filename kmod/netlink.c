// SPDX-License-Identifier: GPL-2.0
/*
 * livemig: the "livemig" generic netlink family.
 *
 * uapi/linux/livemig.h documents every command and attribute, and
 * Documentation/netlink/specs/livemig.yaml says the same; a test keeps the
 * three in agreement. Validation belongs in the policies below, not in the
 * handlers.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include <linux/livemig.h>

#include "livemig.h"
#include "proto.h"

/* GET_VERSION takes no attributes: an empty policy refuses any. */
static const struct nla_policy lm_get_version_policy[LIVEMIG_A_MAX + 1] = {
};

static struct genl_family lm_genl_family;

static int lm_nl_get_version(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &lm_genl_family, 0,
				LIVEMIG_CMD_GET_VERSION);
	if (!hdr)
		goto err_free_msg;

	if (nla_put_string(msg, LIVEMIG_A_VERSION_MODULE, LIVEMIG_MODULE_VERSION) ||
	    nla_put_u32(msg, LIVEMIG_A_VERSION_GENL, LIVEMIG_GENL_VERSION) ||
	    nla_put_u32(msg, LIVEMIG_A_VERSION_PROTO, LM_PROTO_VERSION) ||
	    nla_put_u32(msg, LIVEMIG_A_VERSION_PROTO_MIN, LM_PROTO_VERSION_MIN))
		goto err_free_msg;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct genl_ops lm_genl_ops[] = {
	{
		.cmd = LIVEMIG_CMD_GET_VERSION,
		.doit = lm_nl_get_version,
		.policy = lm_get_version_policy,
		.maxattr = LIVEMIG_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group lm_genl_mcgrps[] = {
	{
		.name = LIVEMIG_MCGRP_EVENTS,
		/*
		 * Events name VMs and peers: only the namespace's admin may
		 * listen. Older 6.1 builds lack the flag and fall back to the
		 * family's default (anyone in the namespace).
		 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
		.flags = GENL_MCAST_CAP_NET_ADMIN,
#endif
	},
};

static struct genl_family lm_genl_family __ro_after_init = {
	.name = LIVEMIG_GENL_NAME,
	.version = LIVEMIG_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = lm_genl_ops,
	.n_ops = ARRAY_SIZE(lm_genl_ops),
	.resv_start_op = LIVEMIG_CMD_MAX + 1,
	.mcgrps = lm_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(lm_genl_mcgrps),
};

/**
 * lm_genl_init() - register the livemig family
 *
 * Return: 0 or a negative errno from genl_register_family().
 */
int __init lm_genl_init(void)
{
	return genl_register_family(&lm_genl_family);
}

/**
 * lm_genl_exit() - unregister the livemig family
 *
 * After this returns no handler runs and none will start.
 */
void lm_genl_exit(void)
{
	genl_unregister_family(&lm_genl_family);
}

MODULE_ALIAS_GENL_FAMILY(LIVEMIG_GENL_NAME);
