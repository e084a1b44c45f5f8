// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl: request/reply plumbing for the livemig family, with the kernel's
 * extended ack (its error sentence and the blamed attribute) kept so the
 * user reads exactly what the kernel said.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/errno.h>
#include <netlink/genl/genl.h>

#include "lmctl.h"
#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct lm_nl_req {
	struct lm_nl *nl;
	lm_nl_reply_fn fn;
	void *arg;
	int err;
	bool done;
	unsigned int seq;
};

/**
 * lm_nl_open() - connect to the livemig family
 * @nl: filled in
 *
 * Return: 0, -ENOENT when the family is not registered (module not
 * loaded), or another negative errno.
 */
int lm_nl_open(struct lm_nl *nl)
{
	int one = 1;
	int err;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;

	err = genl_connect(nl->sk);
	if (err) {
		err = -ENOTCONN;
		goto err_free;
	}

	/* Ask for the kernel's error sentence, and only the header echoed. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));

	nl->family = genl_ctrl_resolve(nl->sk, LIVEMIG_GENL_NAME);
	if (nl->family < 0) {
		err = -ENOENT;
		goto err_free;
	}
	return 0;

err_free:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return err;
}

/**
 * lm_nl_connect() - lm_nl_open(), telling the user why it failed
 * @nl: filled in
 *
 * Return: %LMCTL_EXIT_OK, or %LMCTL_EXIT_ERROR after a message.
 */
int lm_nl_connect(struct lm_nl *nl)
{
	int err = lm_nl_open(nl);

	if (err == -ENOENT) {
		fprintf(stderr, "lmctl: the livemig module is not loaded (no generic netlink family '%s')\n",
			LIVEMIG_GENL_NAME);
		return LMCTL_EXIT_ERROR;
	}
	if (err) {
		lm_nl_perror(NULL, "connect to the kernel", err);
		return LMCTL_EXIT_ERROR;
	}
	return LMCTL_EXIT_OK;
}

/**
 * lm_nl_join_events() - subscribe to the family's "events" group
 * @nl: open connection; from now on it receives notifications
 *
 * Return: 0, -ENOENT if the family has no such group, or the kernel's
 * negative errno (-EPERM without CAP_NET_ADMIN).
 */
int lm_nl_join_events(struct lm_nl *nl)
{
	int grp, err;

	grp = genl_ctrl_resolve_grp(nl->sk, LIVEMIG_GENL_NAME,
				    LIVEMIG_MCGRP_EVENTS);
	if (grp < 0)
		return -ENOENT;
	err = nl_socket_add_membership(nl->sk, grp);
	if (err < 0)
		return errno ? -errno : -EPERM;
	return 0;
}

void lm_nl_close(struct lm_nl *nl)
{
	nl_socket_free(nl->sk);
	nl->sk = NULL;
}

/**
 * lm_nl_msg() - start a request of the family
 * @nl: open connection
 * @cmd: LIVEMIG_CMD_*
 * @flags: extra netlink flags (NLM_F_DUMP for dumps)
 *
 * Return: the message, or NULL when out of memory.
 */
struct nl_msg *lm_nl_msg(struct lm_nl *nl, int cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 flags | NLM_F_ACK, cmd, LIVEMIG_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static void lm_nl_parse_extack(struct lm_nl *nl, struct nlmsgerr *e,
			       struct nlmsghdr *nlh)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlattr *attrs;
	int len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;

	/* With NETLINK_CAP_ACK the request is echoed as its header only. */
	attrs = (struct nlattr *)((char *)e + sizeof(*e));
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		attrs = (struct nlattr *)((char *)attrs +
			 NLMSG_ALIGN(e->msg.nlmsg_len) - sizeof(e->msg));
		len -= NLMSG_ALIGN(e->msg.nlmsg_len) - sizeof(e->msg);
	}
	if (len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, len, NULL))
		return;

	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(nl->extack, sizeof(nl->extack), "%s",
			 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	/*
	 * The offset points into our own request, which lm_nl_request()
	 * still holds: lm_nl_blame() resolves it there, so the request (it
	 * may hold a key) need not be echoed back.
	 */
	if (tb[NLMSGERR_ATTR_OFFS])
		nl->bad_off = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
}

/* The top-level attribute of @req that holds byte @off of it, or 0. */
static int lm_nl_blame(const struct nlmsghdr *req, unsigned int off)
{
	const struct nlattr *a;
	int rem;

	if (off < NLMSG_HDRLEN + GENL_HDRLEN || off >= req->nlmsg_len)
		return 0;
	nla_for_each_attr(a, (const struct nlattr *)((const char *)req +
				NLMSG_HDRLEN + GENL_HDRLEN),
			  req->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, rem) {
		unsigned int start = (const char *)a - (const char *)req;

		if (off >= start && off < start + a->nla_len)
			return nla_type(a);
	}
	return 0;
}

static int lm_nl_err_cb(struct sockaddr_nl *who, struct nlmsgerr *e, void *data)
{
	struct lm_nl_req *req = data;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);

	(void)who;
	lm_nl_parse_extack(req->nl, e, nlh);
	req->err = e->error;
	req->done = true;
	return NL_STOP;
}

static int lm_nl_ack_cb(struct nl_msg *msg, void *data)
{
	struct lm_nl_req *req = data;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

static int lm_nl_finish_cb(struct nl_msg *msg, void *data)
{
	return lm_nl_ack_cb(msg, data);
}

/*
 * Only with an unsolicited handler: the kernel may unicast a message of
 * the family (an INCOMING to an agent) between a request and its answer.
 */
static int lm_nl_seq_cb(struct nl_msg *msg, void *data)
{
	struct lm_nl_req *req = data;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_seq == req->seq)
		return NL_OK;
	if (nlh->nlmsg_type == req->nl->family) {
		req->nl->unsolicited(msg, req->nl->unsolicited_arg);
		return NL_SKIP;
	}
	req->err = -EIO;
	return NL_STOP;
}

static int lm_nl_valid_cb(struct nl_msg *msg, void *data)
{
	struct lm_nl_req *req = data;
	struct nlattr *tb[LIVEMIG_A_MAX + 1];
	int err;

	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, LIVEMIG_A_MAX, NULL);
	if (err < 0) {
		req->err = -EBADMSG;
		return NL_STOP;
	}
	if (req->fn) {
		err = req->fn(tb, req->arg);
		if (err) {
			req->err = err;
			return NL_STOP;
		}
	}
	return NL_OK;
}

/**
 * lm_nl_request() - send a request and feed every reply to @fn
 * @nl: open connection
 * @msg: request from lm_nl_msg(); consumed
 * @fn: called with the parsed attributes of each reply message, may be NULL
 * @arg: passed to @fn
 *
 * Return: 0, the kernel's negative errno (its sentence in @nl->extack),
 * -EINTR for a dump the kernel flagged as interrupted (retry it on a new
 * connection), or an error returned by @fn.
 */
int lm_nl_request(struct lm_nl *nl, struct nl_msg *msg,
		  lm_nl_reply_fn fn, void *arg)
{
	struct lm_nl_req req = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int err;

	nl->extack[0] = '\0';
	nl->bad_attr = 0;
	nl->bad_off = 0;

	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb) {
		explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, lm_nl_err_cb, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, lm_nl_ack_cb, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, lm_nl_finish_cb, &req);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, lm_nl_valid_cb, &req);
	if (nl->unsolicited)
		nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, lm_nl_seq_cb, &req);

	err = nl_send_auto(nl->sk, msg);
	if (err < 0) {
		err = -ECOMM;
		goto out;
	}
	req.seq = nlmsg_hdr(msg)->nlmsg_seq;

	while (!req.done && !req.err) {
		err = nl_recvmsgs(nl->sk, cb);
		/* The kernel's state changed during a dump: the caller retries. */
		if (err == -NLE_DUMP_INTR && !req.err)
			req.err = -EINTR;
		else if (err < 0 && !req.err)
			req.err = -EIO;
	}
	err = req.err;
	if (err && nl->bad_off)
		nl->bad_attr = lm_nl_blame(nlmsg_hdr(msg), nl->bad_off);
out:
	/* Requests may carry a key: leave nothing of them in freed memory. */
	explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	nl_cb_put(cb);
	return err;
}

/**
 * lm_nl_fetch() - connect, dump one command, tell the user why not
 * @cmd: a GET command of the family, asked as a dump
 * @fn: called with each reply and @arg
 * @arg: what @fn fills in, empty at first
 * @clear: empties @arg again: objects that come or go mid-dump make the
 *	kernel flag it, and the dump is asked again on a new connection
 * @what: the request in the user's words, e.g. "list"
 * @too_old: said when the module lacks @cmd; NULL when the caller copes
 *	without it
 *
 * Return: 0; -EOPNOTSUPP, quietly, when @too_old is NULL and the module
 * lacks @cmd; otherwise %LMCTL_EXIT_ERROR after a message.
 */
int lm_nl_fetch(int cmd, lm_nl_reply_fn fn, void *arg,
		void (*clear)(void *arg), const char *what, const char *too_old)
{
	struct nl_msg *msg;
	struct lm_nl nl;
	int tries, err;

	for (tries = 0; tries < 5; tries++) {
		err = lm_nl_connect(&nl);
		if (err)
			return err;
		msg = lm_nl_msg(&nl, cmd, NLM_F_DUMP);
		err = msg ? lm_nl_request(&nl, msg, fn, arg) : -ENOMEM;
		if (err != -EINTR)
			break;
		clear(arg);
		lm_nl_close(&nl);
	}
	if (err == -EOPNOTSUPP && !too_old) {
		lm_nl_close(&nl);
		return err;
	}
	if (err == -EOPNOTSUPP && !nl.extack[0])
		fprintf(stderr, "lmctl: %s: %s\n", what, too_old);
	else if (err)
		lm_nl_perror(&nl, what, err);
	lm_nl_close(&nl);
	return err ? LMCTL_EXIT_ERROR : LMCTL_EXIT_OK;
}

/**
 * lm_grow() - make room for one more element at the end of an array
 * @arr: the array (may be NULL); replaced when it moves
 * @n: elements in use
 * @cap: elements allocated; updated
 * @size: bytes per element
 *
 * Return: element @n, zeroed, or NULL when memory ran out (@arr is then
 * unchanged and still the caller's to free).
 */
void *lm_grow(void **arr, unsigned int n, unsigned int *cap, size_t size)
{
	if (n == *cap) {
		unsigned int ncap = *cap ? 2 * *cap : 16;
		void *p = realloc(*arr, (size_t)ncap * size);

		if (!p)
			return NULL;
		*arr = p;
		*cap = ncap;
	}
	return memset((char *)*arr + (size_t)n * size, 0, size);
}

/* The words the kernel's sentences start with, by attribute. */
static const char *const lm_attr_names[LIVEMIG_A_MAX + 1] = {
	[LIVEMIG_A_ENABLED] = "enabled",
	[LIVEMIG_A_MAX_MIGRATIONS] = "max-migrations",
	[LIVEMIG_A_NETWORK_MODE] = "network-mode",
	[LIVEMIG_A_NETWORKS] = "network",
	[LIVEMIG_A_NETWORK] = "network",
	[LIVEMIG_A_AUTH] = "auth",
	[LIVEMIG_A_PSK] = "psk",
	[LIVEMIG_A_PSK_FILE] = "psk-file",
	[LIVEMIG_A_PERFORMANCE] = "performance",
	[LIVEMIG_A_COMPRESSION] = "compression",
	[LIVEMIG_A_COMPRESSION_LEVEL] = "compression-level",
	[LIVEMIG_A_STREAMS] = "streams",
	[LIVEMIG_A_PORT] = "port",
	[LIVEMIG_A_HOST_NAME] = "host-name",
	[LIVEMIG_A_BANDWIDTH] = "bandwidth",
	[LIVEMIG_A_DOWNTIME_MS] = "downtime",
	[LIVEMIG_A_VM_NAME] = "vm-name",
	[LIVEMIG_A_MIG_ID] = "mig-id",
	[LIVEMIG_A_PEER_ADDR] = "peer-addr",
	[LIVEMIG_A_PEER_PORT] = "peer-port",
	[LIVEMIG_A_RESUME_SOURCE] = "resume-source",
	[LIVEMIG_A_REASON] = "reason",
};

/**
 * lm_nl_perror() - tell the user why a request failed
 * @nl: the connection, holding the kernel's sentence if it gave one
 * @what: what we were doing, e.g. "get version"
 * @err: negative errno
 *
 * The kernel's own sentence is printed verbatim when there is one. When
 * the kernel blamed an attribute and its sentence does not name it (the
 * generic sentences of policy checks, "integer out of range"), the
 * setting's name goes before it. A sentence that starts with @what itself
 * ("agent: another agent runs on this host") is not prefixed twice.
 */
void lm_nl_perror(const struct lm_nl *nl, const char *what, int err)
{
	const char *name = NULL;
	size_t wlen = strlen(what);

	if (nl && !strncmp(nl->extack, what, wlen) && nl->extack[wlen] == ':' &&
	    nl->extack[wlen + 1] == ' ') {
		fprintf(stderr, "lmctl: %s\n", nl->extack);
		return;
	}

	if (nl && nl->bad_attr > 0 && nl->bad_attr <= LIVEMIG_A_MAX)
		name = lm_attr_names[nl->bad_attr];
	if (name && nl->extack[0] &&
	    (strncmp(nl->extack, name, strlen(name)) ||
	     nl->extack[strlen(name)] != ':'))
		fprintf(stderr, "lmctl: %s: %s: %s\n", what, name, nl->extack);
	else if (nl && nl->extack[0])
		fprintf(stderr, "lmctl: %s: %s\n", what, nl->extack);
	else if (name)
		fprintf(stderr, "lmctl: %s: %s: %s\n", what, name, strerror(-err));
	else if (err == -EPERM)
		fprintf(stderr, "lmctl: %s: %s (needs CAP_NET_ADMIN)\n", what,
			strerror(-err));
	else
		fprintf(stderr, "lmctl: %s: %s\n", what, strerror(-err));
}
