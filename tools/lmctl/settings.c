// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl: a host's settings on the wire. SETTINGS_GET replies and
 * SETTINGS_NTF notifications become a struct lm_conf; a struct lm_conf
 * becomes one SETTINGS_SET request holding exactly the fields it has, so
 * the kernel applies all of them or none.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include <netlink/attr.h>

#include "lmctl.h"
#include "settings.h"

static const struct nla_policy lm_network_policy[LIVEMIG_NETWORK_A_MAX + 1] = {
	[LIVEMIG_NETWORK_A_ADDR] = { .type = NLA_UNSPEC },
	[LIVEMIG_NETWORK_A_PREFIX_LEN] = { .type = NLA_U8 },
	[LIVEMIG_NETWORK_A_PRIORITY] = { .type = NLA_U32 },
};

static const struct nla_policy lm_listener_policy[LIVEMIG_LISTENER_A_MAX + 1] = {
	[LIVEMIG_LISTENER_A_ADDR] = { .type = NLA_UNSPEC },
	[LIVEMIG_LISTENER_A_PORT] = { .type = NLA_U16 },
};

/* 4 bytes are IPv4, 16 bytes IPv6; anything else is not an address. */
static int lm_addr_get(struct nlattr *a, uint8_t *family, uint8_t *addr)
{
	int len = a ? nla_len(a) : 0;

	if (len != 4 && len != 16)
		return -EBADMSG;
	*family = len == 4 ? AF_INET : AF_INET6;
	memcpy(addr, nla_data(a), len);
	return 0;
}

static int lm_networks_parse(struct nlattr *nest, struct lm_conf *c)
{
	struct nlattr *tb[LIVEMIG_NETWORK_A_MAX + 1];
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		struct lm_prefix *p;

		if (nla_type(a) != LIVEMIG_A_NETWORK)
			continue;
		if (c->n_networks == LIVEMIG_NETWORKS_MAX)
			return -EBADMSG;
		if (nla_parse_nested(tb, LIVEMIG_NETWORK_A_MAX, a, lm_network_policy) ||
		    !tb[LIVEMIG_NETWORK_A_PREFIX_LEN])
			return -EBADMSG;
		p = &c->networks[c->n_networks];
		memset(p, 0, sizeof(*p));
		if (lm_addr_get(tb[LIVEMIG_NETWORK_A_ADDR], &p->family, p->addr))
			return -EBADMSG;
		p->len = nla_get_u8(tb[LIVEMIG_NETWORK_A_PREFIX_LEN]);
		if (tb[LIVEMIG_NETWORK_A_PRIORITY])
			p->priority = nla_get_u32(tb[LIVEMIG_NETWORK_A_PRIORITY]);
		c->n_networks++;
	}
	return 0;
}

static int lm_listeners_parse(struct nlattr *nest, struct lm_conf *c)
{
	struct nlattr *tb[LIVEMIG_LISTENER_A_MAX + 1];
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		struct lm_listener *l;

		if (nla_type(a) != LIVEMIG_A_LISTENER)
			continue;
		if (c->n_listeners == LM_LISTENERS_MAX) {
			c->listeners_dropped++;
			continue;
		}
		if (nla_parse_nested(tb, LIVEMIG_LISTENER_A_MAX, a, lm_listener_policy))
			return -EBADMSG;
		l = &c->listeners[c->n_listeners];
		memset(l, 0, sizeof(*l));
		if (lm_addr_get(tb[LIVEMIG_LISTENER_A_ADDR], &l->family, l->addr))
			return -EBADMSG;
		if (tb[LIVEMIG_LISTENER_A_PORT])
			l->port = nla_get_u16(tb[LIVEMIG_LISTENER_A_PORT]);
		c->n_listeners++;
	}
	return 0;
}

/**
 * lm_settings_parse() - a SETTINGS_GET reply or SETTINGS_NTF into @c
 * @tb: the message's attributes
 * @c: filled in; LM_HAVE() bits say which settings the message had
 *
 * Return: 0 or -EBADMSG.
 */
int lm_settings_parse(struct nlattr **tb, struct lm_conf *c)
{
	memset(c, 0, sizeof(*c));

	if (tb[LIVEMIG_A_ENABLED]) {
		c->enabled = nla_get_u8(tb[LIVEMIG_A_ENABLED]);
		c->have |= LM_HAVE(LM_F_ENABLED);
	}
	if (tb[LIVEMIG_A_MAX_MIGRATIONS]) {
		c->max_migrations = nla_get_u32(tb[LIVEMIG_A_MAX_MIGRATIONS]);
		c->have |= LM_HAVE(LM_F_MAX_MIGRATIONS);
	}
	if (tb[LIVEMIG_A_NETWORK_MODE]) {
		c->network_mode = nla_get_u8(tb[LIVEMIG_A_NETWORK_MODE]);
		c->have |= LM_HAVE(LM_F_NETWORK_MODE);
	}
	/* An absent list is an empty one. */
	if (tb[LIVEMIG_A_NETWORKS] && lm_networks_parse(tb[LIVEMIG_A_NETWORKS], c))
		return -EBADMSG;
	c->have |= LM_HAVE(LM_F_NETWORKS);
	if (tb[LIVEMIG_A_AUTH]) {
		c->auth = nla_get_u8(tb[LIVEMIG_A_AUTH]);
		c->have |= LM_HAVE(LM_F_AUTH);
	}
	if (tb[LIVEMIG_A_PSK_FILE]) {
		nla_strlcpy(c->psk_file, tb[LIVEMIG_A_PSK_FILE], sizeof(c->psk_file));
		c->have |= LM_HAVE(LM_F_PSK_FILE);
	}
	c->psk_present = tb[LIVEMIG_A_PSK_PRESENT];
	if (tb[LIVEMIG_A_PSK_FINGERPRINT] &&
	    nla_len(tb[LIVEMIG_A_PSK_FINGERPRINT]) == LIVEMIG_PSK_FPR_LEN) {
		memcpy(c->psk_fpr, nla_data(tb[LIVEMIG_A_PSK_FINGERPRINT]),
		       LIVEMIG_PSK_FPR_LEN);
		c->psk_fpr_present = true;
	}
	if (tb[LIVEMIG_A_PERFORMANCE]) {
		c->performance = nla_get_u8(tb[LIVEMIG_A_PERFORMANCE]);
		c->have |= LM_HAVE(LM_F_PERFORMANCE);
	}
	if (tb[LIVEMIG_A_COMPRESSION]) {
		c->compression = nla_get_u8(tb[LIVEMIG_A_COMPRESSION]);
		c->have |= LM_HAVE(LM_F_COMPRESSION);
	}
	if (tb[LIVEMIG_A_COMPRESSION_LEVEL])
		c->compression_level = nla_get_u8(tb[LIVEMIG_A_COMPRESSION_LEVEL]);
	if (tb[LIVEMIG_A_STREAMS]) {
		c->streams = nla_get_u32(tb[LIVEMIG_A_STREAMS]);
		c->have |= LM_HAVE(LM_F_STREAMS);
	}
	if (tb[LIVEMIG_A_PORT]) {
		c->port = nla_get_u16(tb[LIVEMIG_A_PORT]);
		c->have |= LM_HAVE(LM_F_PORT);
	}
	if (tb[LIVEMIG_A_HOST_NAME]) {
		nla_strlcpy(c->host_name, tb[LIVEMIG_A_HOST_NAME], sizeof(c->host_name));
		c->have |= LM_HAVE(LM_F_HOST_NAME);
	}
	c->host_name_default = tb[LIVEMIG_A_HOST_NAME_DEFAULT];
	/*
	 * A notification leaves out a default name (it has no caller whose
	 * node name it would be): ours is what a get would have said.
	 */
	if (!tb[LIVEMIG_A_HOST_NAME]) {
		struct utsname u;

		c->host_name_default = true;
		if (!uname(&u))
			snprintf(c->host_name, sizeof(c->host_name), "%s", u.nodename);
	}
	if (tb[LIVEMIG_A_BANDWIDTH]) {
		c->bandwidth = nla_get_u64(tb[LIVEMIG_A_BANDWIDTH]);
		c->have |= LM_HAVE(LM_F_BANDWIDTH);
	}
	if (tb[LIVEMIG_A_DOWNTIME_MS]) {
		c->downtime_ms = nla_get_u32(tb[LIVEMIG_A_DOWNTIME_MS]);
		c->have |= LM_HAVE(LM_F_DOWNTIME);
	}
	if (tb[LIVEMIG_A_LISTENERS] && lm_listeners_parse(tb[LIVEMIG_A_LISTENERS], c))
		return -EBADMSG;
	return 0;
}

static int lm_settings_reply(struct nlattr **tb, void *arg)
{
	return lm_settings_parse(tb, arg);
}

/**
 * lm_settings_get() - ask the kernel for the host's settings
 * @nl: open connection
 * @c: filled in
 *
 * Return: 0 or a negative errno (the kernel's sentence in @nl->extack).
 */
int lm_settings_get(struct lm_nl *nl, struct lm_conf *c)
{
	struct nl_msg *msg = lm_nl_msg(nl, LIVEMIG_CMD_SETTINGS_GET, 0);

	if (!msg)
		return -ENOMEM;
	return lm_nl_request(nl, msg, lm_settings_reply, c);
}

/**
 * lm_settings_fetch() - connect, get the settings, tell the user on error
 * @c: filled in
 *
 * Return: an lmctl exit code.
 */
int lm_settings_fetch(struct lm_conf *c)
{
	struct lm_nl nl;
	int err;

	err = lm_nl_connect(&nl);
	if (err)
		return err;
	err = lm_settings_get(&nl, c);
	if (err)
		lm_nl_perror(&nl, "get settings", err);
	lm_nl_close(&nl);
	return err ? LMCTL_EXIT_ERROR : LMCTL_EXIT_OK;
}

/**
 * lm_put_prefix() - a LIVEMIG_A_NETWORK nest
 * @msg: the request
 * @type: the nest's attribute type (LIVEMIG_A_NETWORK)
 * @p: the prefix
 * @priority: include its priority
 *
 * Return: 0 or -EMSGSIZE.
 */
int lm_put_prefix(struct nl_msg *msg, int type, const struct lm_prefix *p,
		  bool priority)
{
	struct nlattr *nest = nla_nest_start(msg, type);

	if (!nest ||
	    nla_put(msg, LIVEMIG_NETWORK_A_ADDR, p->family == AF_INET ? 4 : 16,
		    p->addr) ||
	    nla_put_u8(msg, LIVEMIG_NETWORK_A_PREFIX_LEN, p->len) ||
	    (priority && nla_put_u32(msg, LIVEMIG_NETWORK_A_PRIORITY, p->priority)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/**
 * lm_settings_put() - the attributes of a SETTINGS_SET request
 * @msg: the request
 * @c: the settings to change: exactly the fields with an LM_HAVE() bit
 * @psk: the key (LIVEMIG_PSK_LEN bytes) when @c has LM_F_PSK_FILE
 *
 * Return: 0 or -EMSGSIZE.
 */
int lm_settings_put(struct nl_msg *msg, const struct lm_conf *c,
		    const uint8_t *psk)
{
	unsigned int h = c->have, i;
	struct nlattr *nest;

	if ((h & LM_HAVE(LM_F_ENABLED)) &&
	    nla_put_u8(msg, LIVEMIG_A_ENABLED, c->enabled))
		return -EMSGSIZE;
	if ((h & LM_HAVE(LM_F_MAX_MIGRATIONS)) &&
	    nla_put_u32(msg, LIVEMIG_A_MAX_MIGRATIONS, c->max_migrations))
		return -EMSGSIZE;
	if ((h & LM_HAVE(LM_F_NETWORK_MODE)) &&
	    nla_put_u8(msg, LIVEMIG_A_NETWORK_MODE, c->network_mode))
		return -EMSGSIZE;
	/*
	 * An empty list is an empty nest, which clears the list; libnl's
	 * nla_nest_end() drops empty nests, so put that one by hand.
	 */
	if ((h & LM_HAVE(LM_F_NETWORKS)) && !c->n_networks &&
	    nla_put(msg, LIVEMIG_A_NETWORKS | NLA_F_NESTED, 0, NULL))
		return -EMSGSIZE;
	if ((h & LM_HAVE(LM_F_NETWORKS)) && c->n_networks) {
		nest = nla_nest_start(msg, LIVEMIG_A_NETWORKS);
		if (!nest)
			return -EMSGSIZE;
		for (i = 0; i < c->n_networks; i++)
			if (lm_put_prefix(msg, LIVEMIG_A_NETWORK, &c->networks[i], true))
				return -EMSGSIZE;
		nla_nest_end(msg, nest);
	}
	if ((h & LM_HAVE(LM_F_AUTH)) && nla_put_u8(msg, LIVEMIG_A_AUTH, c->auth))
		return -EMSGSIZE;
	if ((h & LM_HAVE(LM_F_PSK_FILE)) && psk &&
	    (nla_put(msg, LIVEMIG_A_PSK, LIVEMIG_PSK_LEN, psk) ||
	     nla_put_string(msg, LIVEMIG_A_PSK_FILE, c->psk_file)))
		return -EMSGSIZE;
	if ((h & LM_HAVE(LM_F_PERFORMANCE)) &&
	    nla_put_u8(msg, LIVEMIG_A_PERFORMANCE, c->performance))
		return -EMSGSIZE;
	/* The level goes with the algorithm: "zstd" resets a level set earlier. */
	if ((h & LM_HAVE(LM_F_COMPRESSION)) &&
	    (nla_put_u8(msg, LIVEMIG_A_COMPRESSION, c->compression) ||
	     nla_put_u8(msg, LIVEMIG_A_COMPRESSION_LEVEL, c->compression_level)))
		return -EMSGSIZE;
	if ((h & LM_HAVE(LM_F_STREAMS)) && nla_put_u32(msg, LIVEMIG_A_STREAMS, c->streams))
		return -EMSGSIZE;
	if ((h & LM_HAVE(LM_F_PORT)) && nla_put_u16(msg, LIVEMIG_A_PORT, c->port))
		return -EMSGSIZE;
	if ((h & LM_HAVE(LM_F_HOST_NAME)) &&
	    nla_put_string(msg, LIVEMIG_A_HOST_NAME, c->host_name))
		return -EMSGSIZE;
	if ((h & LM_HAVE(LM_F_BANDWIDTH)) &&
	    nla_put_u64(msg, LIVEMIG_A_BANDWIDTH, c->bandwidth))
		return -EMSGSIZE;
	if ((h & LM_HAVE(LM_F_DOWNTIME)) &&
	    nla_put_u32(msg, LIVEMIG_A_DOWNTIME_MS, c->downtime_ms))
		return -EMSGSIZE;
	if (c->cancel_active && nla_put_flag(msg, LIVEMIG_A_CANCEL_ACTIVE))
		return -EMSGSIZE;
	return 0;
}

/**
 * lm_settings_apply() - send one SETTINGS_SET and tell the user the outcome
 * @c: the settings to change
 * @psk: the key, or NULL
 * @what: what we are doing, for the error message ("set", "setconf FILE")
 *
 * Return: an lmctl exit code; on a refusal the kernel's sentence has been
 * printed verbatim.
 */
int lm_settings_apply(const struct lm_conf *c, const uint8_t *psk,
		      const char *what)
{
	struct nl_msg *msg;
	struct lm_nl nl;
	int err;

	err = lm_nl_connect(&nl);
	if (err)
		return err;
	msg = lm_nl_msg(&nl, LIVEMIG_CMD_SETTINGS_SET, 0);
	if (!msg) {
		err = -ENOMEM;
	} else if (lm_settings_put(msg, c, psk)) {
		explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
		nlmsg_free(msg);
		err = -EMSGSIZE;
	} else {
		err = lm_nl_request(&nl, msg, NULL, NULL);
	}
	if (err)
		lm_nl_perror(&nl, what, err);
	lm_nl_close(&nl);
	return err ? LMCTL_EXIT_ERROR : LMCTL_EXIT_OK;
}
