// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl: migrations on the wire. A MIG_GET reply and a MIG_NTF event carry
 * the same attributes; lm_mig_parse() reads either into a struct lm_mig,
 * checking each attribute's length, since lmctl parses replies without a
 * policy. Text from the kernel (names, the error sentence, the peer's name
 * from its HELLO) is made safe to print on a terminal here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lmctl.h"
#include "mignl.h"

/* An integer attribute of exactly its type's size, or -EBADMSG. */
static int lm_nla_uint(const struct nlattr *a, int size, uint64_t *v)
{
	if (nla_len(a) != size)
		return -EBADMSG;
	switch (size) {
	case 1:
		*v = nla_get_u8(a);
		break;
	case 2:
		*v = nla_get_u16(a);
		break;
	case 4:
		*v = nla_get_u32(a);
		break;
	default:
		*v = nla_get_u64(a);
	}
	return 0;
}

/* 4 bytes are IPv4, 16 bytes IPv6; anything else is not an address. */
static int lm_nla_addr(const struct nlattr *a, struct lm_addr *addr)
{
	int len = nla_len(a);

	if (len != 4 && len != 16)
		return -EBADMSG;
	addr->family = len == 4 ? AF_INET : AF_INET6;
	memcpy(addr->addr, nla_data(a), len);
	return 0;
}

/* A string attribute, cut to @size and safe to print. */
static void lm_nla_text(char *buf, size_t size, const struct nlattr *a)
{
	char tmp[LM_MIG_ERROR_MAX];

	nla_strlcpy(tmp, a, sizeof(tmp) < size ? sizeof(tmp) : size);
	lm_sanitize(buf, size, tmp);
}

static int lm_mig_parse_stats(struct nlattr *nest, struct lm_mig_stats *st)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		int type = nla_type(a);

		/* Type 0 pads the 64-bit values; newer statistics are skipped. */
		if (type <= 0 || type > LIVEMIG_STAT_A_MAX)
			continue;
		if (lm_nla_uint(a, type == LIVEMIG_STAT_A_ROUND ? 4 : 8, &st->v[type]))
			return -EBADMSG;
		st->have |= 1u << type;
	}
	return 0;
}

/**
 * lm_mig_parse() - a MIG_GET reply or MIG_NTF event into @m
 * @tb: the message's attributes
 * @m: filled in
 *
 * Return: 0, or -EBADMSG when the id or state is missing or an attribute
 * has the wrong size.
 */
int lm_mig_parse(struct nlattr **tb, struct lm_mig *m)
{
	uint64_t v;

	memset(m, 0, sizeof(*m));
	if (!tb[LIVEMIG_A_MIG_ID] || !tb[LIVEMIG_A_MIG_STATE] ||
	    lm_nla_uint(tb[LIVEMIG_A_MIG_ID], 4, &v))
		return -EBADMSG;
	m->id = v;
	if (lm_nla_uint(tb[LIVEMIG_A_MIG_STATE], 1, &v))
		return -EBADMSG;
	m->state = v;
	if (tb[LIVEMIG_A_MIG_UUID]) {
		if (nla_len(tb[LIVEMIG_A_MIG_UUID]) != LIVEMIG_UUID_LEN)
			return -EBADMSG;
		memcpy(m->uuid, nla_data(tb[LIVEMIG_A_MIG_UUID]), LIVEMIG_UUID_LEN);
		m->have_uuid = true;
	}
	if (tb[LIVEMIG_A_MIG_DIRECTION]) {
		if (lm_nla_uint(tb[LIVEMIG_A_MIG_DIRECTION], 1, &v))
			return -EBADMSG;
		m->direction = v;
	}
	if (tb[LIVEMIG_A_VM_NAME])
		lm_nla_text(m->vm, sizeof(m->vm), tb[LIVEMIG_A_VM_NAME]);
	if (tb[LIVEMIG_A_PEER_ADDR] && lm_nla_addr(tb[LIVEMIG_A_PEER_ADDR], &m->peer))
		return -EBADMSG;
	if (tb[LIVEMIG_A_PEER_PORT]) {
		if (lm_nla_uint(tb[LIVEMIG_A_PEER_PORT], 2, &v))
			return -EBADMSG;
		m->peer_port = v;
	}
	if (tb[LIVEMIG_A_PEER_NAME])
		lm_nla_text(m->peer_name, sizeof(m->peer_name), tb[LIVEMIG_A_PEER_NAME]);
	if (tb[LIVEMIG_A_DATA_ADDR] && lm_nla_addr(tb[LIVEMIG_A_DATA_ADDR], &m->data))
		return -EBADMSG;
	if (tb[LIVEMIG_A_VM_MEMORY]) {
		if (lm_nla_uint(tb[LIVEMIG_A_VM_MEMORY], 8, &v))
			return -EBADMSG;
		m->vm_memory = v;
	}
	if (tb[LIVEMIG_A_MIG_STATS] && lm_mig_parse_stats(tb[LIVEMIG_A_MIG_STATS], &m->st))
		return -EBADMSG;
	if (tb[LIVEMIG_A_MIG_ERROR])
		lm_nla_text(m->error, sizeof(m->error), tb[LIVEMIG_A_MIG_ERROR]);
	return 0;
}

static int lm_mig_id_reply(struct nlattr **tb, void *arg)
{
	uint64_t v;

	if (!tb[LIVEMIG_A_MIG_ID] || lm_nla_uint(tb[LIVEMIG_A_MIG_ID], 4, &v))
		return -EBADMSG;
	*(uint32_t *)arg = v;
	return 0;
}

/**
 * lm_mig_start() - MIGRATE: start moving a VM
 * @nl: open connection
 * @vm: the VM's name
 * @peer: the destination's migration address
 * @port: its port, 0 for this host's port setting
 * @id: the new migration's id
 *
 * Return: 0 or the kernel's negative errno (its sentence in @nl->extack).
 */
int lm_mig_start(struct lm_nl *nl, const char *vm, const struct lm_addr *peer,
		 uint16_t port, uint32_t *id)
{
	struct nl_msg *msg = lm_nl_msg(nl, LIVEMIG_CMD_MIGRATE, 0);

	*id = 0;
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, LIVEMIG_A_VM_NAME, vm) ||
	    nla_put(msg, LIVEMIG_A_PEER_ADDR, peer->family == AF_INET ? 4 : 16,
		    peer->addr) ||
	    (port && nla_put_u16(msg, LIVEMIG_A_PEER_PORT, port))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return lm_nl_request(nl, msg, lm_mig_id_reply, id);
}

static int lm_mig_one_reply(struct nlattr **tb, void *arg)
{
	return lm_mig_parse(tb, arg);
}

/**
 * lm_mig_get() - MIG_GET of one migration
 * @nl: open connection
 * @id: its id
 * @m: filled in
 *
 * Return: 0 or the kernel's negative errno (-ENOENT: no such migration).
 */
int lm_mig_get(struct lm_nl *nl, uint32_t id, struct lm_mig *m)
{
	struct nl_msg *msg = lm_nl_msg(nl, LIVEMIG_CMD_MIG_GET, 0);

	memset(m, 0, sizeof(*m));
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, LIVEMIG_A_MIG_ID, id)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return lm_nl_request(nl, msg, lm_mig_one_reply, m);
}

static int lm_mig_list_reply(struct nlattr **tb, void *arg)
{
	struct lm_mig_list *l = arg;
	struct lm_mig *m;

	m = lm_grow((void **)&l->migs, l->n, &l->cap, sizeof(*m));
	if (!m)
		return -ENOMEM;
	if (lm_mig_parse(tb, m))
		return -EBADMSG;
	l->n++;
	return 0;
}

static void lm_mig_list_clear(void *l)
{
	lm_mig_list_free(l);
}

/**
 * lm_mig_fetch_all() - connect, dump the migrations, tell the user why not
 * @l: filled in; free with lm_mig_list_free()
 *
 * Return: %LMCTL_EXIT_OK, or %LMCTL_EXIT_ERROR after a message.
 */
int lm_mig_fetch_all(struct lm_mig_list *l)
{
	memset(l, 0, sizeof(*l));
	return lm_nl_fetch(LIVEMIG_CMD_MIG_GET, lm_mig_list_reply, l,
			   lm_mig_list_clear, "list",
			   "the livemig module cannot migrate (too old)");
}

void lm_mig_list_free(struct lm_mig_list *l)
{
	free(l->migs);
	memset(l, 0, sizeof(*l));
}

/* A request naming one migration, answered by an ack. */
static int lm_mig_id_request(struct lm_nl *nl, int cmd, uint32_t id, bool resume)
{
	struct nl_msg *msg = lm_nl_msg(nl, cmd, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, LIVEMIG_A_MIG_ID, id) ||
	    (resume && nla_put_flag(msg, LIVEMIG_A_RESUME_SOURCE))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return lm_nl_request(nl, msg, NULL, NULL);
}

/**
 * lm_mig_cancel() - MIG_CANCEL
 * @nl: open connection
 * @id: the migration
 *
 * Return: 0 or the kernel's negative errno (-EBUSY: past COMMIT,
 * -ENOENT: no such active migration).
 */
int lm_mig_cancel(struct lm_nl *nl, uint32_t id)
{
	return lm_mig_id_request(nl, LIVEMIG_CMD_MIG_CANCEL, id, false);
}

/**
 * lm_mig_resolve() - MIG_RESOLVE with LIVEMIG_A_RESUME_SOURCE
 * @nl: open connection
 * @id: the in-doubt migration
 *
 * Return: 0 or the kernel's negative errno.
 */
int lm_mig_resolve(struct lm_nl *nl, uint32_t id)
{
	return lm_mig_id_request(nl, LIVEMIG_CMD_MIG_RESOLVE, id, true);
}
