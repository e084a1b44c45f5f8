// SPDX-License-Identifier: GPL-2.0
/*
 * livemig: the "livemig" generic netlink family.
 *
 * uapi/linux/livemig.h documents every command and attribute, and
 * Documentation/netlink/specs/livemig.yaml says the same; a test keeps the
 * three in agreement. Validation belongs in the policies below; handlers
 * only check what one attribute cannot know alone.
 *
 * Settings changes are all or nothing: a handler copies the settings,
 * applies the whole request to the copy, checks it, and only then commits
 * it, re-binds the listeners and announces the change.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include <linux/livemig.h>

#include "mig.h"
#include "proto.h"

/* Not const: 6.1's NLA_POLICY_FULL_RANGE() takes a plain pointer. */
static struct netlink_range_validation lm_downtime_range __ro_after_init = {
	.min = 1,
	.max = LIVEMIG_DOWNTIME_MS_MAX,
};

static const struct nla_policy lm_network_policy[LIVEMIG_NETWORK_A_MAX + 1] = {
	[LIVEMIG_NETWORK_A_ADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[LIVEMIG_NETWORK_A_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[LIVEMIG_NETWORK_A_PRIORITY] = { .type = NLA_U32 },
};

/* LIVEMIG_A_NETWORKS holds LIVEMIG_A_NETWORK entries and nothing else. */
static const struct nla_policy lm_networks_policy[LIVEMIG_A_MAX + 1] = {
	[LIVEMIG_A_NETWORK] = NLA_POLICY_NESTED(lm_network_policy),
};

/* GET_VERSION and SETTINGS_GET take no attributes: an empty policy refuses any. */
static const struct nla_policy lm_get_version_policy[LIVEMIG_A_MAX + 1] = {
};

static const struct nla_policy lm_settings_get_policy[LIVEMIG_A_MAX + 1] = {
};

static const struct nla_policy lm_settings_set_policy[LIVEMIG_A_MAX + 1] = {
	[LIVEMIG_A_ENABLED] = NLA_POLICY_MAX(NLA_U8, 1),
	[LIVEMIG_A_MAX_MIGRATIONS] = NLA_POLICY_RANGE(NLA_U32, 1, LIVEMIG_MAX_MIGRATIONS_MAX),
	[LIVEMIG_A_NETWORK_MODE] = NLA_POLICY_MAX(NLA_U8, __LIVEMIG_NETWORK_MAX - 1),
	[LIVEMIG_A_NETWORKS] = NLA_POLICY_NESTED(lm_networks_policy),
	[LIVEMIG_A_AUTH] = NLA_POLICY_MAX(NLA_U8, __LIVEMIG_AUTH_MAX - 1),
	[LIVEMIG_A_PSK] = NLA_POLICY_EXACT_LEN(LIVEMIG_PSK_LEN),
	[LIVEMIG_A_PSK_FILE] = { .type = NLA_NUL_STRING, .len = LIVEMIG_PATH_MAX - 1 },
	[LIVEMIG_A_PERFORMANCE] = NLA_POLICY_MAX(NLA_U8, __LIVEMIG_PERF_MAX - 1),
	[LIVEMIG_A_COMPRESSION] = NLA_POLICY_MAX(NLA_U8, __LIVEMIG_COMPRESS_MAX - 1),
	[LIVEMIG_A_COMPRESSION_LEVEL] = NLA_POLICY_MAX(NLA_U8, LIVEMIG_ZSTD_LEVEL_MAX),
	[LIVEMIG_A_STREAMS] = NLA_POLICY_RANGE(NLA_U32, 1, LIVEMIG_STREAMS_MAX),
	[LIVEMIG_A_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[LIVEMIG_A_HOST_NAME] = { .type = NLA_NUL_STRING, .len = LIVEMIG_HOST_NAME_MAX - 1 },
	[LIVEMIG_A_BANDWIDTH] = { .type = NLA_U64 },
	[LIVEMIG_A_DOWNTIME_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &lm_downtime_range),
	[LIVEMIG_A_CANCEL_ACTIVE] = { .type = NLA_FLAG },
};

static const struct nla_policy lm_network_cmd_policy[LIVEMIG_A_MAX + 1] = {
	[LIVEMIG_A_NETWORK] = NLA_POLICY_NESTED(lm_network_policy),
};

static const struct nla_policy lm_region_policy[LIVEMIG_REGION_A_MAX + 1] = {
	[LIVEMIG_REGION_A_ID] = { .type = NLA_U32 },
	[LIVEMIG_REGION_A_NAME] = { .type = NLA_NUL_STRING, .len = LIVEMIG_REGION_NAME_MAX - 1 },
	[LIVEMIG_REGION_A_GPA] = { .type = NLA_U64 },
	[LIVEMIG_REGION_A_SIZE] = { .type = NLA_U64 },
	[LIVEMIG_REGION_A_HVA] = { .type = NLA_U64 },
	[LIVEMIG_REGION_A_DIRTY_BITMAP] = { .type = NLA_U64 },
};

/* LIVEMIG_A_VM_REGIONS holds LIVEMIG_A_VM_REGION entries and nothing else. */
static const struct nla_policy lm_regions_policy[LIVEMIG_A_MAX + 1] = {
	[LIVEMIG_A_VM_REGION] = NLA_POLICY_NESTED(lm_region_policy),
};

static const struct nla_policy lm_vm_add_policy[LIVEMIG_A_MAX + 1] = {
	[LIVEMIG_A_MIG_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[LIVEMIG_A_VM_FD] = { .type = NLA_U32 },
	[LIVEMIG_A_VM_NAME] = { .type = NLA_NUL_STRING, .len = LIVEMIG_VM_NAME_MAX - 1 },
	[LIVEMIG_A_VM_CONFIG] = { .type = NLA_BINARY, .len = LIVEMIG_VM_CONFIG_MAX },
	[LIVEMIG_A_VM_REGIONS] = NLA_POLICY_NESTED(lm_regions_policy),
};

static const struct nla_policy lm_vm_name_policy[LIVEMIG_A_MAX + 1] = {
	[LIVEMIG_A_VM_NAME] = { .type = NLA_NUL_STRING, .len = LIVEMIG_VM_NAME_MAX - 1 },
};

static const struct nla_policy lm_migrate_policy[LIVEMIG_A_MAX + 1] = {
	[LIVEMIG_A_VM_NAME] = { .type = NLA_NUL_STRING, .len = LIVEMIG_VM_NAME_MAX - 1 },
	[LIVEMIG_A_PEER_ADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[LIVEMIG_A_PEER_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
};

static const struct nla_policy lm_mig_id_policy[LIVEMIG_A_MAX + 1] = {
	[LIVEMIG_A_MIG_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy lm_mig_resolve_policy[LIVEMIG_A_MAX + 1] = {
	[LIVEMIG_A_MIG_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[LIVEMIG_A_RESUME_SOURCE] = { .type = NLA_FLAG },
};

static const struct nla_policy lm_mig_refuse_policy[LIVEMIG_A_MAX + 1] = {
	[LIVEMIG_A_MIG_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[LIVEMIG_A_REASON] = { .type = NLA_NUL_STRING, .len = LIVEMIG_REASON_MAX - 1 },
};

static const struct nla_policy lm_agent_set_policy[LIVEMIG_A_MAX + 1] = {
};

static const struct nla_policy lm_vm_ack_policy[LIVEMIG_A_MAX + 1] = {
	[LIVEMIG_A_REQ_ID] = { .type = NLA_U32 },
	[LIVEMIG_A_ERRNO] = NLA_POLICY_MAX(NLA_U32, 4095),
	[LIVEMIG_A_REASON] = { .type = NLA_NUL_STRING, .len = LIVEMIG_REASON_MAX - 1 },
};

static const struct nla_policy lm_vm_state_put_policy[LIVEMIG_A_MAX + 1] = {
	[LIVEMIG_A_VM_NAME] = { .type = NLA_NUL_STRING, .len = LIVEMIG_VM_NAME_MAX - 1 },
	[LIVEMIG_A_STATE_OFFSET] = { .type = NLA_U32 },
	[LIVEMIG_A_STATE_DATA] = { .type = NLA_BINARY, .len = LIVEMIG_STATE_CHUNK_MAX },
};

static struct genl_family lm_genl_family;

/*
 * An extack sentence from settings.c, which cannot use NL_SET_ERR_MSG()
 * (6.1 wants a literal there); its sentences are static strings too.
 */
static void lm_nl_why(struct netlink_ext_ack *extack, const struct nlattr *attr,
		      const char *why)
{
	if (!extack)
		return;
	extack->_msg = why;
	extack->bad_attr = attr;
}

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

static int lm_nl_put_networks(struct sk_buff *msg, const struct lm_settings *cfg)
{
	struct nlattr *all, *one;
	unsigned int i;

	all = nla_nest_start(msg, LIVEMIG_A_NETWORKS);
	if (!all)
		return -EMSGSIZE;
	for (i = 0; i < cfg->n_networks; i++) {
		const struct lm_prefix *p = &cfg->networks[i];

		one = nla_nest_start(msg, LIVEMIG_A_NETWORK);
		if (!one ||
		    nla_put(msg, LIVEMIG_NETWORK_A_ADDR,
			    p->family == AF_INET ? 4 : 16, p->addr.bytes) ||
		    nla_put_u8(msg, LIVEMIG_NETWORK_A_PREFIX_LEN, p->len) ||
		    nla_put_u32(msg, LIVEMIG_NETWORK_A_PRIORITY, p->priority))
			return -EMSGSIZE;
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, all);
	return 0;
}

/*
 * The settings as SETTINGS_GET replies them and SETTINGS_NTF announces them.
 * @caller_uts: resolve the default host name with the caller's node name
 * (a notification has no caller, so it leaves the default name out).
 */
static int lm_nl_put_settings(struct sk_buff *msg, struct lm_host *host,
			      bool caller_uts)
{
	const struct lm_settings *cfg = &host->cfg;

	lockdep_assert_held(&host->lock);

	if (nla_put_u8(msg, LIVEMIG_A_ENABLED, cfg->enabled) ||
	    nla_put_u32(msg, LIVEMIG_A_MAX_MIGRATIONS, cfg->max_migrations) ||
	    nla_put_u8(msg, LIVEMIG_A_NETWORK_MODE, cfg->network_mode) ||
	    nla_put_u8(msg, LIVEMIG_A_AUTH, cfg->auth) ||
	    nla_put_u8(msg, LIVEMIG_A_PERFORMANCE, cfg->performance) ||
	    nla_put_u8(msg, LIVEMIG_A_COMPRESSION, cfg->compression) ||
	    nla_put_u8(msg, LIVEMIG_A_COMPRESSION_LEVEL, cfg->compression_level) ||
	    nla_put_u32(msg, LIVEMIG_A_STREAMS, cfg->streams) ||
	    nla_put_u16(msg, LIVEMIG_A_PORT, cfg->port) ||
	    nla_put_u64_64bit(msg, LIVEMIG_A_BANDWIDTH, cfg->bandwidth,
			      LIVEMIG_A_UNSPEC) ||
	    nla_put_u32(msg, LIVEMIG_A_DOWNTIME_MS, cfg->downtime_ms))
		return -EMSGSIZE;

	if (cfg->host_name[0]) {
		if (nla_put_string(msg, LIVEMIG_A_HOST_NAME, cfg->host_name))
			return -EMSGSIZE;
	} else if (caller_uts) {
		if (nla_put_string(msg, LIVEMIG_A_HOST_NAME, utsname()->nodename) ||
		    nla_put_flag(msg, LIVEMIG_A_HOST_NAME_DEFAULT))
			return -EMSGSIZE;
	}

	/* Never the key itself: its presence, fingerprint and origin. */
	if (cfg->psk_present &&
	    (nla_put_flag(msg, LIVEMIG_A_PSK_PRESENT) ||
	     nla_put(msg, LIVEMIG_A_PSK_FINGERPRINT, LIVEMIG_PSK_FPR_LEN, cfg->psk_fpr) ||
	     (cfg->psk_file[0] &&
	      nla_put_string(msg, LIVEMIG_A_PSK_FILE, cfg->psk_file))))
		return -EMSGSIZE;

	if (lm_nl_put_networks(msg, cfg) || lm_listen_fill(msg, host))
		return -EMSGSIZE;
	return 0;
}

static int lm_nl_settings_get(struct sk_buff *skb, struct genl_info *info)
{
	struct lm_host *host = lm_host_get(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &lm_genl_family, 0,
				LIVEMIG_CMD_SETTINGS_GET);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}

	mutex_lock(&host->lock);
	err = lm_nl_put_settings(msg, host, true);
	mutex_unlock(&host->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/**
 * lm_nl_notify_settings() - announce a host's settings on the events group
 * @host: the host; its lock not held
 *
 * Best effort, as multicast is: a listener that misses one re-reads.
 */
void lm_nl_notify_settings(struct lm_host *host)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;

	hdr = genlmsg_put(msg, 0, 0, &lm_genl_family, 0, LIVEMIG_CMD_SETTINGS_NTF);
	if (!hdr)
		goto err_free;

	mutex_lock(&host->lock);
	err = lm_nl_put_settings(msg, host, false);
	mutex_unlock(&host->lock);
	if (err)
		goto err_free;

	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&lm_genl_family, host->net, msg, 0, 0, GFP_KERNEL);
	return;

err_free:
	nlmsg_free(msg);
}

/* One LIVEMIG_A_NETWORK nest (already validated by its policy) to a prefix. */
static int lm_nl_parse_network(const struct nlattr *nest, struct lm_prefix *p,
			       bool need_priority_ok, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[LIVEMIG_NETWORK_A_MAX + 1];
	const char *why = NULL;
	int err;

	err = nla_parse_nested(tb, LIVEMIG_NETWORK_A_MAX, nest, lm_network_policy,
			       extack);
	if (err)
		return err;

	if (NL_REQ_ATTR_CHECK(extack, nest, tb, LIVEMIG_NETWORK_A_ADDR)) {
		NL_SET_ERR_MSG(extack, "network: the address is missing");
		return -EINVAL;
	}
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, LIVEMIG_NETWORK_A_PREFIX_LEN)) {
		NL_SET_ERR_MSG(extack, "network: the prefix length is missing");
		return -EINVAL;
	}

	err = lm_prefix_init(p, nla_data(tb[LIVEMIG_NETWORK_A_ADDR]),
			     nla_len(tb[LIVEMIG_NETWORK_A_ADDR]),
			     nla_get_u8(tb[LIVEMIG_NETWORK_A_PREFIX_LEN]), &why);
	if (err) {
		lm_nl_why(extack, nest, why);
		return err;
	}
	if (tb[LIVEMIG_NETWORK_A_PRIORITY]) {
		if (!need_priority_ok) {
			NL_SET_ERR_MSG_ATTR(extack, tb[LIVEMIG_NETWORK_A_PRIORITY],
					    "network: a priority does not identify a network to delete");
			return -EINVAL;
		}
		p->priority = nla_get_u32(tb[LIVEMIG_NETWORK_A_PRIORITY]);
	}
	return 0;
}

/* LIVEMIG_A_NETWORKS: a whole new list. */
static int lm_nl_apply_networks(struct lm_settings *cand, const struct nlattr *nest,
				struct netlink_ext_ack *extack)
{
	const struct nlattr *one;
	struct lm_prefix p;
	const char *why;
	int rem, err;

	cand->n_networks = 0;
	nla_for_each_nested(one, nest, rem) {
		err = lm_nl_parse_network(one, &p, true, extack);
		if (err)
			return err;
		err = lm_settings_add_network(cand, &p, &why);
		if (err) {
			lm_nl_why(extack, one, why);
			return err;
		}
	}
	return 0;
}

/* Apply every attribute of a SETTINGS_SET request to a candidate copy. */
static int lm_nl_apply_settings(struct lm_settings *cand, struct nlattr **tb,
				struct netlink_ext_ack *extack)
{
	int err;

	if (tb[LIVEMIG_A_ENABLED])
		cand->enabled = nla_get_u8(tb[LIVEMIG_A_ENABLED]);
	if (tb[LIVEMIG_A_MAX_MIGRATIONS])
		cand->max_migrations = nla_get_u32(tb[LIVEMIG_A_MAX_MIGRATIONS]);
	if (tb[LIVEMIG_A_NETWORK_MODE])
		cand->network_mode = nla_get_u8(tb[LIVEMIG_A_NETWORK_MODE]);
	if (tb[LIVEMIG_A_AUTH])
		cand->auth = nla_get_u8(tb[LIVEMIG_A_AUTH]);
	if (tb[LIVEMIG_A_PERFORMANCE])
		cand->performance = nla_get_u8(tb[LIVEMIG_A_PERFORMANCE]);
	if (tb[LIVEMIG_A_COMPRESSION]) {
		cand->compression = nla_get_u8(tb[LIVEMIG_A_COMPRESSION]);
		/* A new algorithm starts from its default level. */
		cand->compression_level = 0;
	}
	if (tb[LIVEMIG_A_COMPRESSION_LEVEL])
		cand->compression_level = nla_get_u8(tb[LIVEMIG_A_COMPRESSION_LEVEL]);
	if (tb[LIVEMIG_A_STREAMS])
		cand->streams = nla_get_u32(tb[LIVEMIG_A_STREAMS]);
	if (tb[LIVEMIG_A_PORT])
		cand->port = nla_get_u16(tb[LIVEMIG_A_PORT]);
	if (tb[LIVEMIG_A_BANDWIDTH])
		cand->bandwidth = nla_get_u64(tb[LIVEMIG_A_BANDWIDTH]);
	if (tb[LIVEMIG_A_DOWNTIME_MS])
		cand->downtime_ms = nla_get_u32(tb[LIVEMIG_A_DOWNTIME_MS]);

	if (tb[LIVEMIG_A_HOST_NAME]) {
		const char *name = nla_data(tb[LIVEMIG_A_HOST_NAME]);

		if (name[0] && !lm_host_name_valid(name)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[LIVEMIG_A_HOST_NAME],
					    "host-name: use letters, digits, '-', '_' and '.'");
			return -EINVAL;
		}
		strscpy(cand->host_name, name, sizeof(cand->host_name));
	}

	if (tb[LIVEMIG_A_PSK_FILE] && !tb[LIVEMIG_A_PSK]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[LIVEMIG_A_PSK_FILE],
				    "psk-file: a key file name needs the key itself (LIVEMIG_A_PSK)");
		return -EINVAL;
	}
	if (tb[LIVEMIG_A_PSK]) {
		const char *path = tb[LIVEMIG_A_PSK_FILE] ?
				   nla_data(tb[LIVEMIG_A_PSK_FILE]) : "";

		if (path[0] && path[0] != '/') {
			NL_SET_ERR_MSG_ATTR(extack, tb[LIVEMIG_A_PSK_FILE],
					    "psk-file: the key file name must be an absolute path");
			return -EINVAL;
		}
		lm_settings_set_psk(cand, nla_data(tb[LIVEMIG_A_PSK]));
		strscpy(cand->psk_file, path, sizeof(cand->psk_file));
	}

	if (tb[LIVEMIG_A_NETWORKS]) {
		err = lm_nl_apply_networks(cand, tb[LIVEMIG_A_NETWORKS], extack);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Commit a candidate: the one place settings change. The old key, if any,
 * is overwritten in place; the candidate is wiped by the caller.
 */
static void lm_nl_commit(struct lm_host *host, const struct lm_settings *cand)
{
	lockdep_assert_held(&host->lock);
	memcpy(&host->cfg, cand, sizeof(host->cfg));
	lm_listen_update(host);
}

typedef int (*lm_change_fn)(struct lm_settings *cand, struct genl_info *info);

/*
 * Run one change on a copy of the host's settings and commit it only if
 * the change and the cross-setting rules accept it.
 */
static int lm_nl_change(struct genl_info *info, lm_change_fn change)
{
	struct lm_host *host = lm_host_get(genl_info_net(info));
	struct lm_settings *cand;
	const char *why = NULL;
	int err;

	cand = kmalloc(sizeof(*cand), GFP_KERNEL);
	if (!cand)
		return -ENOMEM;

	mutex_lock(&host->lock);
	memcpy(cand, &host->cfg, sizeof(*cand));
	err = change(cand, info);
	if (!err) {
		err = lm_settings_check(cand, &why);
		if (err)
			lm_nl_why(info->extack, NULL, why);
	}
	if (!err)
		lm_nl_commit(host, cand);
	mutex_unlock(&host->lock);

	/* The copy may hold the key. */
	kfree_sensitive(cand);
	if (!err)
		lm_nl_notify_settings(host);
	return err;
}

static int lm_change_settings(struct lm_settings *cand, struct genl_info *info)
{
	return lm_nl_apply_settings(cand, info->attrs, info->extack);
}

/* The LIVEMIG_A_NETWORK of a NETWORK_ADD or NETWORK_DEL request. */
static int lm_nl_network_arg(struct genl_info *info, struct lm_prefix *p,
			     bool priority_ok)
{
	if (GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_NETWORK)) {
		NL_SET_ERR_MSG(info->extack, "network: LIVEMIG_A_NETWORK is missing");
		return -EINVAL;
	}
	return lm_nl_parse_network(info->attrs[LIVEMIG_A_NETWORK], p, priority_ok,
				   info->extack);
}

static int lm_change_network_add(struct lm_settings *cand, struct genl_info *info)
{
	struct nlattr *nest = info->attrs[LIVEMIG_A_NETWORK];
	const char *why;
	struct lm_prefix p;
	int err;

	err = lm_nl_network_arg(info, &p, true);
	if (err)
		return err;
	err = lm_settings_add_network(cand, &p, &why);
	if (err) {
		lm_nl_why(info->extack, nest, why);
		return err;
	}
	cand->network_mode = LIVEMIG_NETWORK_SPECIFIC;
	return 0;
}

static int lm_change_network_del(struct lm_settings *cand, struct genl_info *info)
{
	struct nlattr *nest = info->attrs[LIVEMIG_A_NETWORK];
	struct lm_prefix p;
	int err;

	err = lm_nl_network_arg(info, &p, false);
	if (err)
		return err;
	err = lm_settings_del_network(cand, &p);
	if (err)
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "network: this migration network is not in the list");
	return err;
}

static int lm_nl_settings_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct lm_host *host;
	unsigned int n;
	int err;

	if (tb[LIVEMIG_A_CANCEL_ACTIVE] &&
	    (!tb[LIVEMIG_A_ENABLED] || nla_get_u8(tb[LIVEMIG_A_ENABLED]))) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[LIVEMIG_A_CANCEL_ACTIVE],
				    "cancel-active: only when disabling (enabled 0)");
		return -EINVAL;
	}
	err = lm_nl_change(info, lm_change_settings);
	if (err || !tb[LIVEMIG_A_CANCEL_ACTIVE])
		return err;
	/* Disabled first: nothing new starts while these stop. */
	host = lm_host_get(genl_info_net(info));
	n = lm_mig_cancel_all(host, "migrations were disabled (lmctl disable --now)");
	if (n)
		pr_info("migrations disabled, %u in progress cancelled\n", n);
	return 0;
}

static int lm_nl_network_add(struct sk_buff *skb, struct genl_info *info)
{
	return lm_nl_change(info, lm_change_network_add);
}

static int lm_nl_network_del(struct sk_buff *skb, struct genl_info *info)
{
	return lm_nl_change(info, lm_change_network_del);
}

/* One LIVEMIG_A_VM_REGION nest (validated by its policy) to a region. */
static int lm_nl_parse_region(const struct nlattr *nest, struct lm_region *r,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[LIVEMIG_REGION_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, LIVEMIG_REGION_A_MAX, nest, lm_region_policy,
			       extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, LIVEMIG_REGION_A_ID) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, LIVEMIG_REGION_A_GPA) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, LIVEMIG_REGION_A_SIZE) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, LIVEMIG_REGION_A_HVA)) {
		NL_SET_ERR_MSG(extack, "region: id, gpa, size and hva are required");
		return -EINVAL;
	}

	memset(r, 0, sizeof(*r));
	r->id = nla_get_u32(tb[LIVEMIG_REGION_A_ID]);
	r->gpa = nla_get_u64(tb[LIVEMIG_REGION_A_GPA]);
	r->size = nla_get_u64(tb[LIVEMIG_REGION_A_SIZE]);
	r->hva = nla_get_u64(tb[LIVEMIG_REGION_A_HVA]);
	if (tb[LIVEMIG_REGION_A_DIRTY_BITMAP])
		r->dirty_bitmap = nla_get_u64(tb[LIVEMIG_REGION_A_DIRTY_BITMAP]);
	if (tb[LIVEMIG_REGION_A_NAME])
		nla_strscpy(r->name, tb[LIVEMIG_REGION_A_NAME], sizeof(r->name));
	return 0;
}

static int lm_nl_vm_add(struct sk_buff *skb, struct genl_info *info)
{
	struct lm_host *host = lm_host_get(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	const struct nlattr *one, *cfg;
	struct lm_vm_desc *desc;
	const char *why = NULL;
	int rem, err;

	if (GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_VM_FD) ||
	    GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_VM_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_VM_REGIONS)) {
		NL_SET_ERR_MSG(info->extack, "vm: vm-fd, vm-name and vm-regions are required");
		return -EINVAL;
	}

	desc = kzalloc(sizeof(*desc), GFP_KERNEL);
	if (!desc)
		return -ENOMEM;
	nla_strscpy(desc->name, tb[LIVEMIG_A_VM_NAME], sizeof(desc->name));

	nla_for_each_nested(one, tb[LIVEMIG_A_VM_REGIONS], rem) {
		if (desc->n_regions == LIVEMIG_VM_REGIONS_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack, one, "vm-regions: at most 32 regions");
			err = -EINVAL;
			goto out;
		}
		err = lm_nl_parse_region(one, &desc->regions[desc->n_regions], info->extack);
		if (err)
			goto out;
		desc->n_regions++;
	}

	err = lm_vm_desc_check(desc, PAGE_SIZE, &why);
	if (!err) {
		cfg = tb[LIVEMIG_A_VM_CONFIG];
		err = lm_vm_add(host, nla_get_u32(tb[LIVEMIG_A_VM_FD]), info->snd_portid,
				NETLINK_CB(skb).sk, desc, cfg ? nla_data(cfg) : NULL,
				cfg ? nla_len(cfg) : 0,
				tb[LIVEMIG_A_MIG_ID] ? nla_get_u32(tb[LIVEMIG_A_MIG_ID]) : 0,
				&why);
	}
	if (err && why)
		lm_nl_why(info->extack, NULL, why);
out:
	kfree(desc);
	return err;
}

static int lm_nl_vm_del(struct sk_buff *skb, struct genl_info *info)
{
	struct lm_host *host = lm_host_get(genl_info_net(info));
	const char *why = NULL;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_VM_NAME)) {
		NL_SET_ERR_MSG(info->extack, "vm: vm-name is required");
		return -EINVAL;
	}
	err = lm_vm_del(host, nla_data(info->attrs[LIVEMIG_A_VM_NAME]),
			netlink_capable(skb, CAP_NET_ADMIN), &why);
	if (err)
		lm_nl_why(info->extack, info->attrs[LIVEMIG_A_VM_NAME], why);
	return err;
}

struct lm_vm_dump_ctx {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	u32 portid;
	u32 seq;
	int flags;
};

static int lm_nl_put_vm(void *arg, const struct lm_vm_info *vm)
{
	struct lm_vm_dump_ctx *ctx = arg;
	struct sk_buff *skb = ctx->skb;
	struct nlattr *all, *one;
	unsigned int i;
	void *hdr;

	hdr = genlmsg_put(skb, ctx->portid, ctx->seq, &lm_genl_family, ctx->flags,
			  LIVEMIG_CMD_VM_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (ctx->cb) {
		/* Never 0: prev_seq 0 means "first part" to the check. */
		ctx->cb->seq = vm->gen + 1;
		genl_dump_check_consistent(ctx->cb, hdr);
	}
	if (nla_put_string(skb, LIVEMIG_A_VM_NAME, vm->desc->name) ||
	    nla_put_u32(skb, LIVEMIG_A_VM_PID, vm->pid) ||
	    nla_put_u64_64bit(skb, LIVEMIG_A_VM_MEMORY, vm->memory, LIVEMIG_A_UNSPEC))
		goto cancel;
	all = nla_nest_start(skb, LIVEMIG_A_VM_REGIONS);
	if (!all)
		goto cancel;
	for (i = 0; i < vm->desc->n_regions; i++) {
		const struct lm_region *r = &vm->desc->regions[i];

		/* Where the VMM maps its memory is the VMM's business. */
		one = nla_nest_start(skb, LIVEMIG_A_VM_REGION);
		if (!one ||
		    nla_put_u32(skb, LIVEMIG_REGION_A_ID, r->id) ||
		    nla_put_string(skb, LIVEMIG_REGION_A_NAME, r->name) ||
		    nla_put_u64_64bit(skb, LIVEMIG_REGION_A_GPA, r->gpa, LIVEMIG_REGION_A_UNSPEC) ||
		    nla_put_u64_64bit(skb, LIVEMIG_REGION_A_SIZE, r->size, LIVEMIG_REGION_A_UNSPEC))
			goto cancel;
		nla_nest_end(skb, one);
	}
	nla_nest_end(skb, all);
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int lm_nl_vm_get_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct lm_host *host = lm_host_get(sock_net(skb->sk));
	struct lm_vm_dump_ctx ctx = {
		.skb = skb,
		.cb = cb,
		.portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq,
		.flags = NLM_F_MULTI,
	};
	unsigned long skip = cb->args[0];
	unsigned int gen;
	int n;

	/*
	 * Each message is checked against the generation it was read in; the
	 * part's generation is kept too, so that a part with no VM left to
	 * report still gets its NLMSG_DONE flagged when VMs came or went.
	 */
	n = lm_vm_fill(host, NULL, &skip, &gen, lm_nl_put_vm, &ctx);
	cb->args[0] = skip;
	cb->seq = gen + 1;
	/* A VM too big for an empty skb would loop forever: report it. */
	if (n == -EMSGSIZE && !skb->len)
		return -EMSGSIZE;
	return n > 0 ? skb->len : 0;
}

static int lm_nl_vm_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct lm_host *host = lm_host_get(genl_info_net(info));
	struct lm_vm_dump_ctx ctx = {
		.portid = info->snd_portid,
		.seq = info->snd_seq,
	};
	unsigned long skip = 0;
	unsigned int gen;
	int n;

	if (GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_VM_NAME)) {
		NL_SET_ERR_MSG(info->extack, "vm: vm-name is required (or dump them all)");
		return -EINVAL;
	}
	ctx.skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!ctx.skb)
		return -ENOMEM;
	n = lm_vm_fill(host, nla_data(info->attrs[LIVEMIG_A_VM_NAME]), &skip,
		       &gen, lm_nl_put_vm, &ctx);
	if (n <= 0) {
		nlmsg_free(ctx.skb);
		if (!n)
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LIVEMIG_A_VM_NAME],
					    "vm-name: no VM of that name is registered on this host");
		return n ? n : -ENOENT;
	}
	return genlmsg_reply(ctx.skb, info);
}

/* LIVEMIG_A_MIG_STATS of a migration. */
static int lm_nl_put_stats(struct sk_buff *msg, const struct lm_mig *mig)
{
	const struct lm_mig_stats *st = &mig->stats;
	ktime_t end = READ_ONCE(mig->t_end);
	struct nlattr *nest;
	const struct { int type; u64 val; } v[] = {
		{ LIVEMIG_STAT_A_PAGES_TOTAL, READ_ONCE(st->pages_total) },
		{ LIVEMIG_STAT_A_PAGES_REMAINING, READ_ONCE(st->pages_remaining) },
		{ LIVEMIG_STAT_A_PAGES_SENT, READ_ONCE(st->pages_sent) },
		{ LIVEMIG_STAT_A_PAGES_ZERO, READ_ONCE(st->pages_zero) },
		{ LIVEMIG_STAT_A_BYTES, READ_ONCE(st->bytes) },
		{ LIVEMIG_STAT_A_WIRE_BYTES, READ_ONCE(st->wire_bytes) },
		{ LIVEMIG_STAT_A_DIRTY_RATE, READ_ONCE(st->dirty_rate) },
		{ LIVEMIG_STAT_A_THROUGHPUT, READ_ONCE(st->throughput) },
		{ LIVEMIG_STAT_A_DOWNTIME_EXPECTED_US, READ_ONCE(st->downtime_expected_us) },
		{ LIVEMIG_STAT_A_DOWNTIME_US, READ_ONCE(st->downtime_us) },
		{ LIVEMIG_STAT_A_SETUP_US, READ_ONCE(st->setup_us) },
		{ LIVEMIG_STAT_A_TOTAL_US,
		  ktime_us_delta(end ? end : ktime_get(), mig->t_start) },
	};
	unsigned int i;

	nest = nla_nest_start(msg, LIVEMIG_A_MIG_STATS);
	if (!nest || nla_put_u32(msg, LIVEMIG_STAT_A_ROUND, READ_ONCE(st->round)))
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(v); i++)
		if (nla_put_u64_64bit(msg, v[i].type, v[i].val, LIVEMIG_STAT_A_UNSPEC))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int lm_nl_put_addr(struct sk_buff *msg, int type,
			  const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return nla_put(msg, type, 4, &((const struct sockaddr_in *)ss)->sin_addr);
	if (ss->ss_family == AF_INET6)
		return nla_put(msg, type, 16, &((const struct sockaddr_in6 *)ss)->sin6_addr);
	return 0;
}

static u16 lm_nl_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

/* One migration's message: MIG_GET replies and MIG_NTF. */
static int lm_nl_put_mig(struct sk_buff *msg, u32 portid, u32 seq, int flags,
			 u8 cmd, const struct lm_mig *mig)
{
	u8 state = READ_ONCE(mig->state);
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &lm_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, LIVEMIG_A_MIG_ID, mig->id) ||
	    nla_put(msg, LIVEMIG_A_MIG_UUID, LIVEMIG_UUID_LEN, mig->uuid) ||
	    nla_put_u8(msg, LIVEMIG_A_MIG_DIRECTION, mig->dir) ||
	    nla_put_string(msg, LIVEMIG_A_VM_NAME, mig->vm_name) ||
	    nla_put_u8(msg, LIVEMIG_A_MIG_STATE, state) ||
	    lm_nl_put_addr(msg, LIVEMIG_A_PEER_ADDR, &mig->peer) ||
	    nla_put_u16(msg, LIVEMIG_A_PEER_PORT, lm_nl_port(&mig->peer)) ||
	    (mig->peer_name[0] &&
	     nla_put_string(msg, LIVEMIG_A_PEER_NAME, mig->peer_name)) ||
	    lm_nl_put_addr(msg, LIVEMIG_A_DATA_ADDR, &mig->data_addr) ||
	    nla_put_u64_64bit(msg, LIVEMIG_A_VM_MEMORY, mig->memory, LIVEMIG_A_UNSPEC) ||
	    lm_nl_put_stats(msg, mig))
		goto cancel;
	/* The error is final once the state is. */
	if ((state == LIVEMIG_MIG_FAILED || state == LIVEMIG_MIG_CANCELLED ||
	     state == LIVEMIG_MIG_IN_DOUBT) && mig->err.msg[0] &&
	    nla_put_string(msg, LIVEMIG_A_MIG_ERROR, mig->err.msg))
		goto cancel;
	genlmsg_end(msg, hdr);
	return 0;

cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

/**
 * lm_nl_notify_mig() - announce a migration's state on the events group
 * @mig: the migration
 */
void lm_nl_notify_mig(struct lm_mig *mig)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);

	if (!msg)
		return;
	if (lm_nl_put_mig(msg, 0, 0, 0, LIVEMIG_CMD_MIG_NTF, mig)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast_netns(&lm_genl_family, mig->host->net, msg, 0, 0, GFP_KERNEL);
}

/**
 * lm_nl_vmm_request() - send a request to a VMM
 * @net: the VMM's namespace
 * @portid: its netlink port
 * @req_id: the id it answers with
 * @req: &enum livemig_vmm_req
 * @vm_name: its VM
 * @mig_id: the migration asking
 *
 * Return: 0 or a negative errno (-ECONNREFUSED: the socket is gone).
 */
int lm_nl_vmm_request(struct net *net, u32 portid, u32 req_id, u8 req,
		      const char *vm_name, u32 mig_id)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	void *hdr;

	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &lm_genl_family, 0, LIVEMIG_CMD_VMM_REQUEST);
	if (!hdr ||
	    nla_put_u32(msg, LIVEMIG_A_REQ_ID, req_id) ||
	    nla_put_u8(msg, LIVEMIG_A_REQ, req) ||
	    nla_put_string(msg, LIVEMIG_A_VM_NAME, vm_name) ||
	    nla_put_u32(msg, LIVEMIG_A_MIG_ID, mig_id)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_unicast(net, msg, portid);
}

/**
 * lm_nl_incoming() - tell the host's agent an incoming migration needs a VMM
 * @mig: the incoming migration
 *
 * Return: 0 or a negative errno (no agent, or it is gone).
 */
int lm_nl_incoming(struct lm_mig *mig)
{
	struct lm_host *host = mig->host;
	struct nlattr *all, *one;
	struct sk_buff *msg;
	unsigned int i;
	u32 portid;
	void *hdr;

	msg = genlmsg_new(mig->config_len + NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &lm_genl_family, 0, LIVEMIG_CMD_INCOMING);
	if (!hdr ||
	    nla_put_u32(msg, LIVEMIG_A_MIG_ID, mig->id) ||
	    nla_put_string(msg, LIVEMIG_A_VM_NAME, mig->vm_name) ||
	    nla_put_u32(msg, LIVEMIG_A_VCPUS, mig->vcpus) ||
	    nla_put_string(msg, LIVEMIG_A_PEER_NAME, mig->peer_name) ||
	    (mig->config_len &&
	     nla_put(msg, LIVEMIG_A_VM_CONFIG, mig->config_len, mig->config)))
		goto too_big;
	all = nla_nest_start(msg, LIVEMIG_A_VM_REGIONS);
	if (!all)
		goto too_big;
	for (i = 0; i < mig->desc->n_regions; i++) {
		const struct lm_region *r = &mig->desc->regions[i];

		one = nla_nest_start(msg, LIVEMIG_A_VM_REGION);
		if (!one ||
		    nla_put_u32(msg, LIVEMIG_REGION_A_ID, r->id) ||
		    nla_put_string(msg, LIVEMIG_REGION_A_NAME, r->name) ||
		    nla_put_u64_64bit(msg, LIVEMIG_REGION_A_GPA, r->gpa, LIVEMIG_REGION_A_UNSPEC) ||
		    nla_put_u64_64bit(msg, LIVEMIG_REGION_A_SIZE, r->size, LIVEMIG_REGION_A_UNSPEC))
			goto too_big;
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, all);
	genlmsg_end(msg, hdr);

	mutex_lock(&host->lock);
	portid = host->agent_sk && !sock_flag(host->agent_sk, SOCK_DEAD) ?
		 host->agent_portid : 0;
	mutex_unlock(&host->lock);
	if (!portid) {
		nlmsg_free(msg);
		return -ESRCH;
	}
	return genlmsg_unicast(host->net, msg, portid);

too_big:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int lm_nl_migrate(struct sk_buff *skb, struct genl_info *info)
{
	struct lm_host *host = lm_host_get(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	struct sockaddr_storage peer = { };
	const char *why = NULL;
	struct sk_buff *msg;
	u16 port;
	void *hdr;
	int id;

	if (GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_VM_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_PEER_ADDR)) {
		NL_SET_ERR_MSG(info->extack, "migrate: vm-name and peer-addr are required");
		return -EINVAL;
	}
	mutex_lock(&host->lock);
	port = host->cfg.port;
	mutex_unlock(&host->lock);
	if (tb[LIVEMIG_A_PEER_PORT])
		port = nla_get_u16(tb[LIVEMIG_A_PEER_PORT]);
	if (nla_len(tb[LIVEMIG_A_PEER_ADDR]) == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&peer;

		sin->sin_family = AF_INET;
		nla_memcpy(&sin->sin_addr, tb[LIVEMIG_A_PEER_ADDR], 4);
		sin->sin_port = htons(port);
		if (ipv4_is_multicast(sin->sin_addr.s_addr) ||
		    ipv4_is_lbcast(sin->sin_addr.s_addr) ||
		    ipv4_is_zeronet(sin->sin_addr.s_addr)) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[LIVEMIG_A_PEER_ADDR],
					    "peer-addr: not a unicast address");
			return -EINVAL;
		}
	} else if (nla_len(tb[LIVEMIG_A_PEER_ADDR]) == 16) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&peer;

		sin6->sin6_family = AF_INET6;
		nla_memcpy(&sin6->sin6_addr, tb[LIVEMIG_A_PEER_ADDR], 16);
		sin6->sin6_port = htons(port);
		if (ipv6_addr_is_multicast(&sin6->sin6_addr) ||
		    ipv6_addr_any(&sin6->sin6_addr)) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[LIVEMIG_A_PEER_ADDR],
					    "peer-addr: not a unicast address");
			return -EINVAL;
		}
	} else {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[LIVEMIG_A_PEER_ADDR],
				    "peer-addr: 4 bytes (IPv4) or 16 bytes (IPv6)");
		return -EINVAL;
	}

	id = lm_mig_start(host, nla_data(tb[LIVEMIG_A_VM_NAME]), &peer, &why);
	if (id < 0) {
		if (why)
			lm_nl_why(info->extack, NULL, why);
		return id;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &lm_genl_family, 0, LIVEMIG_CMD_MIGRATE);
	if (!hdr || nla_put_u32(msg, LIVEMIG_A_MIG_ID, id)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int lm_nl_mig_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct lm_host *host = lm_host_get(genl_info_net(info));
	struct sk_buff *msg;
	struct lm_mig *mig;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_MIG_ID)) {
		NL_SET_ERR_MSG(info->extack, "mig: mig-id is required (or dump them all)");
		return -EINVAL;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&host->lock);
	mig = lm_mig_find(host, nla_get_u32(info->attrs[LIVEMIG_A_MIG_ID]));
	err = mig ? lm_nl_put_mig(msg, info->snd_portid, info->snd_seq, 0,
				  LIVEMIG_CMD_MIG_GET, mig) : -ENOENT;
	mutex_unlock(&host->lock);
	if (err) {
		nlmsg_free(msg);
		if (err == -ENOENT)
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LIVEMIG_A_MIG_ID],
					    "mig-id: no migration with that id on this host");
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int lm_nl_mig_get_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct lm_host *host = lm_host_get(sock_net(skb->sk));
	u32 last = cb->args[0];
	struct lm_mig *mig;
	int err = 0;

	/* Ids only grow: resume after the last one dumped. */
	mutex_lock(&host->lock);
	list_for_each_entry(mig, &host->migs, node) {
		if (mig->id <= last)
			continue;
		err = lm_nl_put_mig(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				    NLM_F_MULTI, LIVEMIG_CMD_MIG_GET, mig);
		if (err)
			break;
		last = mig->id;
	}
	mutex_unlock(&host->lock);
	cb->args[0] = last;
	if (err && !skb->len)
		return err;
	return skb->len;
}

static int lm_nl_mig_cancel(struct sk_buff *skb, struct genl_info *info)
{
	struct lm_host *host = lm_host_get(genl_info_net(info));
	const char *why = NULL;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_MIG_ID)) {
		NL_SET_ERR_MSG(info->extack, "cancel: mig-id is required");
		return -EINVAL;
	}
	err = lm_mig_cancel(host, nla_get_u32(info->attrs[LIVEMIG_A_MIG_ID]), &why);
	if (err)
		lm_nl_why(info->extack, info->attrs[LIVEMIG_A_MIG_ID], why);
	return err;
}

static int lm_nl_mig_resolve(struct sk_buff *skb, struct genl_info *info)
{
	struct lm_host *host = lm_host_get(genl_info_net(info));
	const char *why = NULL;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_MIG_ID)) {
		NL_SET_ERR_MSG(info->extack, "resolve: mig-id is required");
		return -EINVAL;
	}
	if (!info->attrs[LIVEMIG_A_RESUME_SOURCE]) {
		NL_SET_ERR_MSG(info->extack, "resolve: resume-source is the only resolution");
		return -EINVAL;
	}
	err = lm_mig_resolve(host, nla_get_u32(info->attrs[LIVEMIG_A_MIG_ID]), &why);
	if (err && why)
		lm_nl_why(info->extack, info->attrs[LIVEMIG_A_MIG_ID], why);
	return err;
}

static int lm_nl_mig_refuse(struct sk_buff *skb, struct genl_info *info)
{
	struct lm_host *host = lm_host_get(genl_info_net(info));
	const char *why = NULL;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_MIG_ID) ||
	    GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_REASON)) {
		NL_SET_ERR_MSG(info->extack, "refuse: mig-id and reason are required");
		return -EINVAL;
	}
	err = lm_mig_refuse(host, nla_get_u32(info->attrs[LIVEMIG_A_MIG_ID]),
			    nla_data(info->attrs[LIVEMIG_A_REASON]), &why);
	if (err)
		lm_nl_why(info->extack, info->attrs[LIVEMIG_A_MIG_ID], why);
	return err;
}

static int lm_nl_agent_set(struct sk_buff *skb, struct genl_info *info)
{
	struct lm_host *host = lm_host_get(genl_info_net(info));
	struct sock *sk = NETLINK_CB(skb).sk;
	struct sock *old = NULL;
	int err = 0;

	mutex_lock(&host->lock);
	if (host->agent_sk && !sock_flag(host->agent_sk, SOCK_DEAD) &&
	    host->agent_sk != sk) {
		NL_SET_ERR_MSG(info->extack, "agent: another agent runs on this host");
		err = -EBUSY;
	} else {
		old = host->agent_sk;
		sock_hold(sk);
		host->agent_sk = sk;
		host->agent_portid = info->snd_portid;
	}
	mutex_unlock(&host->lock);
	if (old)
		sock_put(old);
	return err;
}

static int lm_nl_vm_ack(struct sk_buff *skb, struct genl_info *info)
{
	struct lm_host *host = lm_host_get(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_REQ_ID) ||
	    GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_ERRNO)) {
		NL_SET_ERR_MSG(info->extack, "ack: req-id and errno are required");
		return -EINVAL;
	}
	err = lm_vm_ack(host, info->snd_portid, nla_get_u32(tb[LIVEMIG_A_REQ_ID]),
			nla_get_u32(tb[LIVEMIG_A_ERRNO]),
			tb[LIVEMIG_A_REASON] ? nla_data(tb[LIVEMIG_A_REASON]) : NULL);
	if (err)
		NL_SET_ERR_MSG_ATTR(info->extack, tb[LIVEMIG_A_REQ_ID],
				    "req-id: no request with that id waits for this socket");
	return err;
}

static int lm_nl_vm_state_put(struct sk_buff *skb, struct genl_info *info)
{
	struct lm_host *host = lm_host_get(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	const char *why = NULL;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_VM_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_STATE_OFFSET) ||
	    GENL_REQ_ATTR_CHECK(info, LIVEMIG_A_STATE_DATA)) {
		NL_SET_ERR_MSG(info->extack,
			       "state: vm-name, state-offset and state-data are required");
		return -EINVAL;
	}
	err = lm_vm_state_put(host, info->snd_portid, nla_data(tb[LIVEMIG_A_VM_NAME]),
			      nla_get_u32(tb[LIVEMIG_A_STATE_OFFSET]),
			      nla_data(tb[LIVEMIG_A_STATE_DATA]),
			      nla_len(tb[LIVEMIG_A_STATE_DATA]), &why);
	if (err && why)
		lm_nl_why(info->extack, NULL, why);
	return err;
}

static int lm_nl_vm_state_get_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);
	struct lm_host *host = lm_host_get(sock_net(skb->sk));
	struct nlattr *name = di->attrs[LIVEMIG_A_VM_NAME];
	u32 offset = cb->args[0], total = 0;
	struct nlattr *data;
	void *hdr;
	int n, room;

	if (!name) {
		NL_SET_ERR_MSG(cb->extack, "state: vm-name is required");
		return -EINVAL;
	}
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &lm_genl_family, NLM_F_MULTI, LIVEMIG_CMD_VM_STATE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, LIVEMIG_A_STATE_OFFSET, offset))
		goto cancel;
	/* As much as this part's skb holds (its size is netlink's choice). */
	room = min_t(int, LIVEMIG_STATE_CHUNK_MAX,
		     (int)skb_tailroom(skb) - nla_total_size(0) - NLMSG_ALIGNTO);
	if (room < 1024)
		goto cancel;
	data = nla_reserve(skb, LIVEMIG_A_STATE_DATA, room);
	if (!data)
		goto cancel;
	n = lm_vm_state_read(host, NETLINK_CB(cb->skb).portid, nla_data(name), offset,
			     nla_data(data), room, &total);
	if (n < 0) {
		genlmsg_cancel(skb, hdr);
		return n;
	}
	if (!n) {
		genlmsg_cancel(skb, hdr);
		return 0;
	}
	nlmsg_trim(skb, (u8 *)data + nla_total_size(n));
	data->nla_len = nla_attr_size(n);
	genlmsg_end(skb, hdr);
	cb->args[0] = offset + n;
	return skb->len;

cancel:
	genlmsg_cancel(skb, hdr);
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
	{
		.cmd = LIVEMIG_CMD_SETTINGS_GET,
		.doit = lm_nl_settings_get,
		.policy = lm_settings_get_policy,
		.maxattr = LIVEMIG_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LIVEMIG_CMD_SETTINGS_SET,
		.doit = lm_nl_settings_set,
		.policy = lm_settings_set_policy,
		.maxattr = LIVEMIG_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LIVEMIG_CMD_NETWORK_ADD,
		.doit = lm_nl_network_add,
		.policy = lm_network_cmd_policy,
		.maxattr = LIVEMIG_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LIVEMIG_CMD_NETWORK_DEL,
		.doit = lm_nl_network_del,
		.policy = lm_network_cmd_policy,
		.maxattr = LIVEMIG_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		/* The VMM's own: authorised by holding and owning the VM. */
		.cmd = LIVEMIG_CMD_VM_ADD,
		.doit = lm_nl_vm_add,
		.policy = lm_vm_add_policy,
		.maxattr = LIVEMIG_A_MAX,
	},
	{
		.cmd = LIVEMIG_CMD_VM_DEL,
		.doit = lm_nl_vm_del,
		.policy = lm_vm_name_policy,
		.maxattr = LIVEMIG_A_MAX,
	},
	{
		.cmd = LIVEMIG_CMD_VM_GET,
		.doit = lm_nl_vm_get_doit,
		.dumpit = lm_nl_vm_get_dump,
		.policy = lm_vm_name_policy,
		.maxattr = LIVEMIG_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LIVEMIG_CMD_MIGRATE,
		.doit = lm_nl_migrate,
		.policy = lm_migrate_policy,
		.maxattr = LIVEMIG_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LIVEMIG_CMD_MIG_GET,
		.doit = lm_nl_mig_get_doit,
		.dumpit = lm_nl_mig_get_dump,
		.policy = lm_mig_id_policy,
		.maxattr = LIVEMIG_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LIVEMIG_CMD_MIG_CANCEL,
		.doit = lm_nl_mig_cancel,
		.policy = lm_mig_id_policy,
		.maxattr = LIVEMIG_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LIVEMIG_CMD_MIG_RESOLVE,
		.doit = lm_nl_mig_resolve,
		.policy = lm_mig_resolve_policy,
		.maxattr = LIVEMIG_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LIVEMIG_CMD_AGENT_SET,
		.doit = lm_nl_agent_set,
		.policy = lm_agent_set_policy,
		.maxattr = LIVEMIG_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = LIVEMIG_CMD_MIG_REFUSE,
		.doit = lm_nl_mig_refuse,
		.policy = lm_mig_refuse_policy,
		.maxattr = LIVEMIG_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		/* The VMM's own: only the socket that registered the VM. */
		.cmd = LIVEMIG_CMD_VM_ACK,
		.doit = lm_nl_vm_ack,
		.policy = lm_vm_ack_policy,
		.maxattr = LIVEMIG_A_MAX,
	},
	{
		.cmd = LIVEMIG_CMD_VM_STATE_PUT,
		.doit = lm_nl_vm_state_put,
		.policy = lm_vm_state_put_policy,
		.maxattr = LIVEMIG_A_MAX,
	},
	{
		.cmd = LIVEMIG_CMD_VM_STATE_GET,
		.dumpit = lm_nl_vm_state_get_dump,
		.policy = lm_vm_name_policy,
		.maxattr = LIVEMIG_A_MAX,
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
