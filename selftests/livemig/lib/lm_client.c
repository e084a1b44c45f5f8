// SPDX-License-Identifier: GPL-2.0
/*
 * livemig test VMM library: registration with the livemig module over a raw
 * generic netlink socket.  See lm_client.h for the conventions.
 *
 * Every request asks for an ack (NLM_F_ACK) and for the kernel's extended
 * ack (NETLINK_EXT_ACK), so a refusal comes back with the module's own
 * sentence. Replies are matched by sequence number.  The module's own
 * requests (LIVEMIG_CMD_VMM_REQUEST, which no reply of ours carries) are
 * recognised by their command whatever their sequence number, and queued
 * for __lm_req_recv().
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "lm_client.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK		270
#endif

#define LM_RX_MAX		(64 * 1024)	/* one datagram from the kernel */
#define LM_MSG_MAX		(LIVEMIG_VM_CONFIG_MAX + 16 * 1024)
#define LM_NEST_MAX		4

/* A request being built: one netlink message, nests by offset. */
struct lm_msg {
	char *buf;
	size_t len;
	size_t cap;
	size_t nests[LM_NEST_MAX];
	unsigned int depth;
	bool overflow;
};

/* What a reply handler gets: the attributes after the genl header. */
typedef int (*lm_reply_fn)(const struct nlattr *attrs, int len, void *arg);

static void __attribute__((format(printf, 2, 3)))
client_err(struct lm_client *client, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(client->err, sizeof(client->err), fmt, ap);
	va_end(ap);
}

/* --- attributes ------------------------------------------------------ */

#define nla_for_each(a, head, len, rem)					\
	for ((a) = (head), (rem) = (len);				\
	     (rem) >= NLA_HDRLEN && (a)->nla_len >= NLA_HDRLEN &&	\
	     (a)->nla_len <= (rem);					\
	     (rem) -= NLA_ALIGN((a)->nla_len),				\
	     (a) = (const struct nlattr *)((const char *)(a) +		\
					   NLA_ALIGN((a)->nla_len)))

static inline const void *nla_payload(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static inline int nla_payload_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static inline int nla_kind(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

/* Splits @len bytes of attributes by type; later duplicates win. */
static void nla_table(const struct nlattr **tb, int max,
		      const struct nlattr *head, int len)
{
	const struct nlattr *a;
	int rem;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	nla_for_each(a, head, len, rem) {
		if (nla_kind(a) <= max)
			tb[nla_kind(a)] = a;
	}
}

static bool nla_u32_of(const struct nlattr *a, uint32_t *v)
{
	if (!a || nla_payload_len(a) != sizeof(*v))
		return false;
	memcpy(v, nla_payload(a), sizeof(*v));
	return true;
}

static bool nla_u64_of(const struct nlattr *a, uint64_t *v)
{
	if (!a || nla_payload_len(a) != sizeof(*v))
		return false;
	memcpy(v, nla_payload(a), sizeof(*v));
	return true;
}

/* A NUL-terminated string attribute into @buf; false if absent or bad. */
static bool nla_str_of(const struct nlattr *a, char *buf, size_t size)
{
	int n;

	if (!a)
		return false;
	n = nla_payload_len(a);
	if (n < 1 || ((const char *)nla_payload(a))[n - 1] != '\0')
		return false;
	snprintf(buf, size, "%s", (const char *)nla_payload(a));
	return true;
}

/* --- building requests ----------------------------------------------- */

static int msg_init(struct lm_msg *m, uint16_t type, uint8_t cmd,
		    uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	m->cap = LM_MSG_MAX;
	m->buf = calloc(1, m->cap);
	if (!m->buf)
		return -ENOMEM;
	nlh = (struct nlmsghdr *)m->buf;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = type == GENL_ID_CTRL ? 1 : LIVEMIG_GENL_VERSION;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	return 0;
}

static void msg_put(struct lm_msg *m, uint16_t type, const void *data,
		    size_t len)
{
	struct nlattr *a;

	if (m->overflow || m->len + NLA_HDRLEN + NLA_ALIGN(len) > m->cap) {
		m->overflow = true;
		return;
	}
	a = (struct nlattr *)(m->buf + m->len);
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(m->buf + m->len + NLA_HDRLEN, data, len);
	m->len += NLA_HDRLEN + NLA_ALIGN(len);
}

static void msg_put_u32(struct lm_msg *m, uint16_t type, uint32_t v)
{
	msg_put(m, type, &v, sizeof(v));
}

static void msg_put_u64(struct lm_msg *m, uint16_t type, uint64_t v)
{
	msg_put(m, type, &v, sizeof(v));
}

static void msg_put_str(struct lm_msg *m, uint16_t type, const char *s)
{
	msg_put(m, type, s, strlen(s) + 1);
}

static void msg_nest_start(struct lm_msg *m, uint16_t type)
{
	if (m->depth == LM_NEST_MAX) {
		m->overflow = true;
		return;
	}
	m->nests[m->depth++] = m->len;
	msg_put(m, type | NLA_F_NESTED, NULL, 0);
}

static void msg_nest_end(struct lm_msg *m)
{
	struct nlattr *a;

	if (!m->depth)
		return;
	a = (struct nlattr *)(m->buf + m->nests[--m->depth]);
	if (!m->overflow)
		a->nla_len = m->len - m->nests[m->depth];
}

/* --- the module's requests -------------------------------------------- */

static bool is_vmm_request(const struct lm_client *client,
			   const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);

	return client->family && nlh->nlmsg_type == client->family &&
	       nlh->nlmsg_len >= NLMSG_LENGTH(GENL_HDRLEN) &&
	       g->cmd == LIVEMIG_CMD_VMM_REQUEST;
}

static bool req_parse(const struct nlmsghdr *nlh, struct lm_vmm_req *req)
{
	const struct nlattr *tb[LIVEMIG_A_MAX + 1];
	const char *p = (const char *)NLMSG_DATA(nlh) + GENL_HDRLEN;

	memset(req, 0, sizeof(*req));
	nla_table(tb, LIVEMIG_A_MAX, (const struct nlattr *)p,
		  nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN));
	if (!nla_u32_of(tb[LIVEMIG_A_REQ_ID], &req->id) ||
	    !tb[LIVEMIG_A_REQ] || nla_payload_len(tb[LIVEMIG_A_REQ]) != 1)
		return false;
	req->req = *(const uint8_t *)nla_payload(tb[LIVEMIG_A_REQ]);
	nla_str_of(tb[LIVEMIG_A_VM_NAME], req->vm_name, sizeof(req->vm_name));
	nla_u32_of(tb[LIVEMIG_A_MIG_ID], &req->mig_id);
	return true;
}

static void req_queue(struct lm_client *client, const struct nlmsghdr *nlh)
{
	struct lm_vmm_req req;

	if (!req_parse(nlh, &req) || client->nr_reqs == LM_REQ_QUEUE) {
		client->reqs_lost++;
		return;
	}
	client->reqs[(client->req_head + client->nr_reqs++) % LM_REQ_QUEUE] = req;
}

/* --- request and replies --------------------------------------------- */

/*
 * The extended ack after an error or a dump's DONE: @tlv points to the
 * attributes, @len bytes of them.
 */
static void client_take_extack(struct lm_client *client,
			       const struct nlattr *tlv, int len)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	uint32_t off;

	if (len <= 0)
		return;
	nla_table(tb, NLMSGERR_ATTR_MAX, tlv, len);
	nla_str_of(tb[NLMSGERR_ATTR_MSG], client->err, sizeof(client->err));
	if (nla_u32_of(tb[NLMSGERR_ATTR_OFFS], &off))
		client->bad_attr_off = off;
}

/* Returns 1 when the request is answered (its result in *@result). */
static int client_error_msg(struct lm_client *client,
			    const struct nlmsghdr *nlh, int *result)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
		client_err(client, "a truncated error message from the kernel");
		*result = -EBADMSG;
		return 1;
	}
	*result = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 1;
	/* Uncapped, the whole request is echoed before the TLVs. */
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - sizeof(e->msg);
	if (off < nlh->nlmsg_len)
		client_take_extack(client, (const struct nlattr *)
				   ((const char *)nlh + off),
				   nlh->nlmsg_len - off);
	return 1;
}

static int client_done_msg(struct lm_client *client,
			   const struct nlmsghdr *nlh, int *result)
{
	int err = 0;

	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(err)))
		memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
	*result = err;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    nlh->nlmsg_len > NLMSG_LENGTH(sizeof(err)))
		client_take_extack(client, (const struct nlattr *)
				   ((const char *)NLMSG_DATA(nlh) +
				    NLMSG_ALIGN(sizeof(err))),
				   nlh->nlmsg_len - NLMSG_LENGTH(sizeof(err)));
	return 1;
}

static uint64_t client_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* Sends @m as the client's next request. */
static int client_send(struct lm_client *client, struct lm_msg *m)
{
	struct nlmsghdr *req = (struct nlmsghdr *)m->buf;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	client->err[0] = '\0';
	client->bad_attr_off = 0;
	client->dump_intr = false;
	if (m->overflow) {
		client_err(client, "the request does not fit in %zu bytes",
			   m->cap);
		return -EMSGSIZE;
	}
	req->nlmsg_len = m->len;
	req->nlmsg_seq = ++client->seq;
	req->nlmsg_pid = client->port;
	client->req_type = req->nlmsg_type;
	if (sendto(client->fd, m->buf, m->len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		int r = -errno;

		client_err(client, "sending to the kernel: %s", strerror(-r));
		return r;
	}
	return 0;
}

/**
 * struct client_rx - the state of one request's replies
 * @fn:		called with each reply's attributes
 * @arg:	passed to @fn
 * @fn_err:	the first error @fn returned
 * @result:	the kernel's answer (0 or -errno), or a local error
 * @answered:	the ack or DONE arrived (or a local error ended it)
 * @deadline:	when to give up waiting, CLOCK_MONOTONIC ms
 */
struct client_rx {
	lm_reply_fn fn;
	void *arg;
	int fn_err;
	int result;
	bool answered;
	uint64_t deadline;
};

/* Reads one datagram and handles what in it belongs to the request. */
static void client_recv_one(struct lm_client *client, struct client_rx *rx,
			    char *buf)
{
	struct pollfd pfd = { .fd = client->fd, .events = POLLIN };
	uint64_t now = client_now_ms();
	const struct nlmsghdr *nlh;
	ssize_t n;
	int left;

	if (now >= rx->deadline ||
	    poll(&pfd, 1, (int)(rx->deadline - now)) == 0) {
		client_err(client, "no answer from the kernel within %u ms",
			   LM_CLIENT_TIMEOUT_MS);
		rx->result = -ETIMEDOUT;
		rx->answered = true;
		return;
	}
	n = recv(client->fd, buf, LM_RX_MAX, MSG_TRUNC);
	if (n < 0) {
		if (errno == EINTR)
			return;
		rx->result = -errno;
		client_err(client, "receiving from the kernel: %s",
			   strerror(-rx->result));
		rx->answered = true;
		return;
	}
	if (n > LM_RX_MAX) {
		client_err(client, "a reply of %zd bytes did not fit in %u", n,
			   LM_RX_MAX);
		rx->result = -EMSGSIZE;
		rx->answered = true;
		return;
	}
	left = n;
	for (nlh = (const struct nlmsghdr *)buf; NLMSG_OK(nlh, left);
	     nlh = NLMSG_NEXT(nlh, left)) {
		if (is_vmm_request(client, nlh)) {
			req_queue(client, nlh);
			continue;
		}
		if (rx->answered || nlh->nlmsg_seq != client->seq)
			continue;	/* a late answer to an earlier request */
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			client->dump_intr = true;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			rx->answered = client_error_msg(client, nlh, &rx->result);
		} else if (nlh->nlmsg_type == NLMSG_DONE) {
			rx->answered = client_done_msg(client, nlh, &rx->result);
		} else if (nlh->nlmsg_type == client->req_type &&
			   nlh->nlmsg_len >= NLMSG_LENGTH(GENL_HDRLEN)) {
			const char *p = (const char *)NLMSG_DATA(nlh);

			if (rx->fn && !rx->fn_err)
				rx->fn_err = rx->fn((const struct nlattr *)
						    (p + GENL_HDRLEN),
						    nlh->nlmsg_len -
						    NLMSG_LENGTH(GENL_HDRLEN),
						    rx->arg);
		}
	}
}

/*
 * Sends @m and feeds each reply of the same sequence number to @fn until
 * the ack (a do) or DONE (a dump). Returns the kernel's result, an error
 * of @fn (the rest of the replies are still read), or a local error.
 */
static int client_request(struct lm_client *client, struct lm_msg *m,
			  lm_reply_fn fn, void *arg)
{
	struct client_rx rx = {
		.fn = fn, .arg = arg,
		.deadline = client_now_ms() + LM_CLIENT_TIMEOUT_MS,
	};
	char *buf;
	int r;

	r = client_send(client, m);
	if (r)
		return r;
	buf = malloc(LM_RX_MAX);
	if (!buf)
		return -ENOMEM;
	while (!rx.answered)
		client_recv_one(client, &rx, buf);
	free(buf);
	if (!rx.result && rx.fn_err)
		rx.result = rx.fn_err;
	return rx.result;
}

/* --- opening ----------------------------------------------------------- */

static int family_reply(const struct nlattr *attrs, int len, void *arg)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	uint16_t *id = arg;

	nla_table(tb, CTRL_ATTR_MAX, attrs, len);
	if (!tb[CTRL_ATTR_FAMILY_ID] ||
	    nla_payload_len(tb[CTRL_ATTR_FAMILY_ID]) != sizeof(*id))
		return -EBADMSG;
	memcpy(id, nla_payload(tb[CTRL_ATTR_FAMILY_ID]), sizeof(*id));
	return 0;
}

int __lm_client_open(struct lm_client **clientp)
{
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	socklen_t alen = sizeof(local);
	struct lm_client *client;
	struct lm_msg m;
	int one = 1, r;

	*clientp = NULL;
	client = calloc(1, sizeof(*client));
	if (!client)
		return -ENOMEM;
	client->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
			    NETLINK_GENERIC);
	if (client->fd < 0) {
		r = -errno;
		goto free_client;
	}
	/* The kernel's sentences, and errors without our request echoed. */
	if (setsockopt(client->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) < 0 ||
	    setsockopt(client->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
		       sizeof(one)) < 0 ||
	    bind(client->fd, (struct sockaddr *)&local, sizeof(local)) < 0 ||
	    getsockname(client->fd, (struct sockaddr *)&local, &alen) < 0) {
		r = -errno;
		goto close_fd;
	}
	client->port = local.nl_pid;

	r = msg_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	if (r)
		goto close_fd;
	msg_put_str(&m, CTRL_ATTR_FAMILY_NAME, LIVEMIG_GENL_NAME);
	r = client_request(client, &m, family_reply, &client->family);
	free(m.buf);
	if (r)
		goto close_fd;
	*clientp = client;
	return 0;

close_fd:
	close(client->fd);
free_client:
	free(client);
	return r;
}

struct lm_client *lm_client_open(void)
{
	struct lm_client *client;
	int r = __lm_client_open(&client);

	TEST_ASSERT(!r, "opening a netlink socket to the %s family: %s%s",
		    LIVEMIG_GENL_NAME, strerror(-r),
		    r == -ENOENT ? " (is livemig.ko loaded?)" : "");
	return client;
}

void lm_client_close(struct lm_client *client)
{
	if (!client)
		return;
	close(client->fd);
	free(client);
}

/* --- VM_ADD, VM_DEL ----------------------------------------------------- */

unsigned int lm_vm_regions(const struct vm *vm, struct lm_region *regions,
			   unsigned int max, char names[][LIVEMIG_REGION_NAME_MAX])
{
	unsigned int i;

	for (i = 0; i < vm->nr_regions && i < max; i++) {
		const struct vm_region *reg = &vm->regions[i];

		snprintf(names[i], LIVEMIG_REGION_NAME_MAX, "ram%u", reg->slot);
		regions[i] = (struct lm_region){
			.id = reg->slot,
			.name = names[i],
			.gpa = reg->gpa,
			.size = reg->size,
			.hva = (uintptr_t)reg->hva,
			.dirty_bitmap = (uintptr_t)reg->dirty_bitmap,
		};
	}
	return i;
}

int __lm_vm_add_req(struct lm_client *client, const struct lm_vm_req *req)
{
	struct lm_msg m;
	unsigned int i;
	int r;

	r = msg_init(&m, client->family, LIVEMIG_CMD_VM_ADD, 0);
	if (r)
		return r;
	if (req->fd >= 0)
		msg_put_u32(&m, LIVEMIG_A_VM_FD, req->fd);
	if (req->name)
		msg_put_str(&m, LIVEMIG_A_VM_NAME, req->name);
	if (req->config)
		msg_put(&m, LIVEMIG_A_VM_CONFIG, req->config, req->config_len);
	if (req->mig_id)
		msg_put_u32(&m, LIVEMIG_A_MIG_ID, req->mig_id);
	if (!req->no_regions) {
		msg_nest_start(&m, LIVEMIG_A_VM_REGIONS);
		for (i = 0; i < req->nr_regions; i++) {
			const struct lm_region *reg = &req->regions[i];

			msg_nest_start(&m, LIVEMIG_A_VM_REGION);
			msg_put_u32(&m, LIVEMIG_REGION_A_ID, reg->id);
			if (reg->name)
				msg_put_str(&m, LIVEMIG_REGION_A_NAME, reg->name);
			msg_put_u64(&m, LIVEMIG_REGION_A_GPA, reg->gpa);
			msg_put_u64(&m, LIVEMIG_REGION_A_SIZE, reg->size);
			msg_put_u64(&m, LIVEMIG_REGION_A_HVA, reg->hva);
			msg_put_u64(&m, LIVEMIG_REGION_A_DIRTY_BITMAP,
				    reg->dirty_bitmap);
			msg_nest_end(&m);
		}
		msg_nest_end(&m);
	}
	r = client_request(client, &m, NULL, NULL);
	free(m.buf);
	return r;
}

int __lm_vm_add(struct lm_client *client, const struct vm *vm,
		const char *name, const void *config, size_t len)
{
	char names[VM_MAX_REGIONS][LIVEMIG_REGION_NAME_MAX];
	struct lm_region regions[VM_MAX_REGIONS];
	struct lm_vm_req req = {
		.fd = vm->fd,
		.name = name,
		.config = config,
		.config_len = len,
		.regions = regions,
	};

	req.nr_regions = lm_vm_regions(vm, regions, VM_MAX_REGIONS, names);
	return __lm_vm_add_req(client, &req);
}

int __lm_vm_attach(struct lm_client *client, const struct vm *vm,
		   const char *name, const void *config, size_t len,
		   uint32_t mig_id)
{
	char names[VM_MAX_REGIONS][LIVEMIG_REGION_NAME_MAX];
	struct lm_region regions[VM_MAX_REGIONS];
	struct lm_vm_req req = {
		.fd = vm->fd,
		.name = name,
		.config = config,
		.config_len = len,
		.regions = regions,
		.mig_id = mig_id,
	};

	req.nr_regions = lm_vm_regions(vm, regions, VM_MAX_REGIONS, names);
	return __lm_vm_add_req(client, &req);
}

/* A reason attribute, cut to what the uapi allows. */
static void msg_put_reason(struct lm_msg *m, const char *reason)
{
	char buf[LIVEMIG_REASON_MAX];

	snprintf(buf, sizeof(buf), "%s", reason);
	msg_put_str(m, LIVEMIG_A_REASON, buf);
}

int __lm_mig_refuse(struct lm_client *client, uint32_t mig_id,
		    const char *reason)
{
	struct lm_msg m;
	int r;

	r = msg_init(&m, client->family, LIVEMIG_CMD_MIG_REFUSE, 0);
	if (r)
		return r;
	msg_put_u32(&m, LIVEMIG_A_MIG_ID, mig_id);
	msg_put_reason(&m, reason);
	r = client_request(client, &m, NULL, NULL);
	free(m.buf);
	return r;
}

void lm_vm_add(struct lm_client *client, const struct vm *vm,
	       const char *name, const void *config, size_t len)
{
	int r = __lm_vm_add(client, vm, name, config, len);

	TEST_ASSERT(!r, "VM_ADD %s: %s%s%s", name, strerror(-r),
		    client->err[0] ? ": " : "", client->err);
}

int __lm_vm_del(struct lm_client *client, const char *name)
{
	struct lm_msg m;
	int r;

	r = msg_init(&m, client->family, LIVEMIG_CMD_VM_DEL, 0);
	if (r)
		return r;
	if (name)
		msg_put_str(&m, LIVEMIG_A_VM_NAME, name);
	r = client_request(client, &m, NULL, NULL);
	free(m.buf);
	return r;
}

void lm_vm_del(struct lm_client *client, const char *name)
{
	int r = __lm_vm_del(client, name);

	TEST_ASSERT(!r, "VM_DEL %s: %s%s%s", name, strerror(-r),
		    client->err[0] ? ": " : "", client->err);
}

/* --- VM_GET ------------------------------------------------------------- */

struct vm_list {
	struct lm_vm_info *vms;
	unsigned int max;
	unsigned int nr;
};

static int vm_info_parse(const struct nlattr *attrs, int len,
			 struct lm_vm_info *info)
{
	const struct nlattr *tb[LIVEMIG_A_MAX + 1];
	const struct nlattr *a;
	int rem;

	memset(info, 0, sizeof(*info));
	nla_table(tb, LIVEMIG_A_MAX, attrs, len);
	if (!nla_str_of(tb[LIVEMIG_A_VM_NAME], info->name, sizeof(info->name)))
		return -EBADMSG;
	info->has_pid = nla_u32_of(tb[LIVEMIG_A_VM_PID], &info->pid);
	info->has_memory = nla_u64_of(tb[LIVEMIG_A_VM_MEMORY], &info->memory);
	if (!tb[LIVEMIG_A_VM_REGIONS])
		return 0;
	nla_for_each(a, (const struct nlattr *)nla_payload(tb[LIVEMIG_A_VM_REGIONS]),
		     nla_payload_len(tb[LIVEMIG_A_VM_REGIONS]), rem) {
		const struct nlattr *rt[LIVEMIG_REGION_A_MAX + 1];
		struct lm_region *reg;
		unsigned int i = info->nr_regions++;

		if (nla_kind(a) != LIVEMIG_A_VM_REGION || i >= LM_VM_INFO_REGIONS)
			continue;
		reg = &info->regions[i];
		nla_table(rt, LIVEMIG_REGION_A_MAX, nla_payload(a),
			  nla_payload_len(a));
		nla_u32_of(rt[LIVEMIG_REGION_A_ID], &reg->id);
		nla_u64_of(rt[LIVEMIG_REGION_A_GPA], &reg->gpa);
		nla_u64_of(rt[LIVEMIG_REGION_A_SIZE], &reg->size);
		if (nla_str_of(rt[LIVEMIG_REGION_A_NAME], info->region_names[i],
			       sizeof(info->region_names[i])))
			reg->name = info->region_names[i];
		if (rt[LIVEMIG_REGION_A_HVA] || rt[LIVEMIG_REGION_A_DIRTY_BITMAP])
			info->region_has_hva = true;
	}
	return 0;
}

static int vm_list_reply(const struct nlattr *attrs, int len, void *arg)
{
	struct vm_list *l = arg;
	struct lm_vm_info info;
	int r;

	r = vm_info_parse(attrs, len, &info);
	if (r)
		return r;
	if (l->nr < l->max)
		l->vms[l->nr] = info;
	l->nr++;
	return 0;
}

int __lm_vm_list(struct lm_client *client, struct lm_vm_info *vms,
		 unsigned int max, unsigned int *nr)
{
	struct vm_list l = { .vms = vms, .max = max };
	struct lm_msg m;
	int r;

	*nr = 0;
	r = msg_init(&m, client->family, LIVEMIG_CMD_VM_GET, NLM_F_DUMP);
	if (r)
		return r;
	r = client_request(client, &m, vm_list_reply, &l);
	free(m.buf);
	if (r == -EBADMSG && !client->err[0])
		client_err(client, "a VM_GET reply without a VM name");
	*nr = l.nr;
	return r;
}

int __lm_vm_get(struct lm_client *client, const char *name,
		struct lm_vm_info *info)
{
	struct vm_list l = { .vms = info, .max = 1 };
	struct lm_msg m;
	int r;

	r = msg_init(&m, client->family, LIVEMIG_CMD_VM_GET, 0);
	if (r)
		return r;
	msg_put_str(&m, LIVEMIG_A_VM_NAME, name);
	r = client_request(client, &m, vm_list_reply, &l);
	free(m.buf);
	if (!r && l.nr != 1) {
		client_err(client, "VM_GET %s: %u replies, expected one",
			   name, l.nr);
		r = -EPROTO;
	}
	return r;
}

int __lm_vm_dump_start(struct lm_client *client)
{
	struct lm_msg m;
	int r;

	r = msg_init(&m, client->family, LIVEMIG_CMD_VM_GET, NLM_F_DUMP);
	if (r)
		return r;
	r = client_send(client, &m);
	free(m.buf);
	return r;
}

int __lm_vm_dump_next(struct lm_client *client, struct lm_vm_info *vms,
		      unsigned int max, unsigned int *nr, bool *done)
{
	struct vm_list l = { .vms = vms, .max = max, .nr = *nr };
	struct client_rx rx = {
		.fn = vm_list_reply, .arg = &l,
		.deadline = client_now_ms() + LM_CLIENT_TIMEOUT_MS,
	};
	char *buf = malloc(LM_RX_MAX);

	if (!buf)
		return -ENOMEM;
	client_recv_one(client, &rx, buf);
	free(buf);
	*nr = l.nr;
	*done = rx.answered;
	if (!rx.result && rx.fn_err)
		rx.result = rx.fn_err;
	return rx.result;
}

/* --- the migration contract ------------------------------------------ */

static void client_scan_requests(struct lm_client *client, const char *buf,
				 size_t n)
{
	const struct nlmsghdr *nlh;
	int left = n;

	for (nlh = (const struct nlmsghdr *)buf; NLMSG_OK(nlh, left);
	     nlh = NLMSG_NEXT(nlh, left)) {
		if (is_vmm_request(client, nlh))
			req_queue(client, nlh);
		/* Anything else answers a request that gave up waiting. */
	}
}

int __lm_req_recv(struct lm_client *client, struct lm_vmm_req *req)
{
	char *buf = NULL;
	int r = 0;

	while (!client->nr_reqs) {
		ssize_t n;

		if (!buf) {
			buf = malloc(LM_RX_MAX);
			if (!buf)
				return -ENOMEM;
		}
		n = recv(client->fd, buf, LM_RX_MAX, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			if (r == -ENOBUFS)
				client_err(client, "the kernel dropped messages to this socket, maybe a request");
			else if (r != -EAGAIN)
				client_err(client, "receiving from the kernel: %s",
					   strerror(-r));
			break;
		}
		if (n > LM_RX_MAX) {
			client_err(client, "a message of %zd bytes did not fit in %u",
				   n, LM_RX_MAX);
			r = -EMSGSIZE;
			break;
		}
		client_scan_requests(client, buf, n);
	}
	free(buf);
	if (!client->nr_reqs)
		return r;
	*req = client->reqs[client->req_head];
	client->req_head = (client->req_head + 1) % LM_REQ_QUEUE;
	client->nr_reqs--;
	return 0;
}

const char *lm_req_name(uint8_t req, char *buf, size_t len)
{
	static const char *const names[__LIVEMIG_REQ_MAX] = {
		[LIVEMIG_REQ_PREPARE] = "PREPARE",
		[LIVEMIG_REQ_PAUSE] = "PAUSE",
		[LIVEMIG_REQ_RESUME] = "RESUME",
		[LIVEMIG_REQ_COMPLETED] = "COMPLETED",
		[LIVEMIG_REQ_LOAD] = "LOAD",
		[LIVEMIG_REQ_RUN] = "RUN",
		[LIVEMIG_REQ_DISCARD] = "DISCARD",
	};

	if (req < __LIVEMIG_REQ_MAX && names[req])
		return names[req];
	snprintf(buf, len, "request %u", req);
	return buf;
}

int __lm_vm_ack(struct lm_client *client, uint32_t req_id, int error,
		const char *reason)
{
	struct lm_msg m;
	int r;

	r = msg_init(&m, client->family, LIVEMIG_CMD_VM_ACK, 0);
	if (r)
		return r;
	msg_put_u32(&m, LIVEMIG_A_REQ_ID, req_id);
	msg_put_u32(&m, LIVEMIG_A_ERRNO, error);
	if (reason && *reason)
		msg_put_reason(&m, reason);
	r = client_request(client, &m, NULL, NULL);
	free(m.buf);
	return r;
}

int __lm_state_put(struct lm_client *client, const char *name,
		   const void *state, size_t len)
{
	size_t off, n;
	int r = 0;

	if (len > LIVEMIG_STATE_MAX) {
		client_err(client, "a state of %zu bytes is more than %u", len,
			   LIVEMIG_STATE_MAX);
		return -EFBIG;
	}
	for (off = 0; off < len && !r; off += n) {
		struct lm_msg m;

		n = len - off < LIVEMIG_STATE_CHUNK_MAX ? len - off :
							  LIVEMIG_STATE_CHUNK_MAX;
		r = msg_init(&m, client->family, LIVEMIG_CMD_VM_STATE_PUT, 0);
		if (r)
			return r;
		msg_put_str(&m, LIVEMIG_A_VM_NAME, name);
		msg_put_u32(&m, LIVEMIG_A_STATE_OFFSET, off);
		msg_put(&m, LIVEMIG_A_STATE_DATA, (const char *)state + off, n);
		/* One chunk at a time: each waits for the kernel's ack. */
		r = client_request(client, &m, NULL, NULL);
		free(m.buf);
	}
	return r;
}

/**
 * struct state_rx - a state arriving in chunks
 * @buf:	what came so far
 * @len:	its length: the offset the next chunk must have
 * @cap:	bytes allocated
 * @why:	what was wrong with a chunk
 */
struct state_rx {
	uint8_t *buf;
	size_t len;
	size_t cap;
	char why[LM_CLIENT_ERR_LEN];
};

static int state_chunk(const struct nlattr *attrs, int len, void *arg)
{
	const struct nlattr *tb[LIVEMIG_A_MAX + 1];
	struct state_rx *s = arg;
	uint32_t off;
	size_t n;

	nla_table(tb, LIVEMIG_A_MAX, attrs, len);
	if (!nla_u32_of(tb[LIVEMIG_A_STATE_OFFSET], &off) ||
	    !tb[LIVEMIG_A_STATE_DATA]) {
		snprintf(s->why, sizeof(s->why), "a state chunk without its offset or data");
		return -EBADMSG;
	}
	n = nla_payload_len(tb[LIVEMIG_A_STATE_DATA]);
	if (off != s->len) {
		snprintf(s->why, sizeof(s->why), "a state chunk at offset %u, expected %zu",
			 off, s->len);
		return -EPROTO;
	}
	if (s->len + n > LIVEMIG_STATE_MAX) {
		snprintf(s->why, sizeof(s->why), "a state of more than %u bytes",
			 LIVEMIG_STATE_MAX);
		return -EFBIG;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 65536;
		uint8_t *buf;

		while (cap < s->len + n)
			cap *= 2;
		buf = realloc(s->buf, cap);
		if (!buf)
			return -ENOMEM;
		s->buf = buf;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, nla_payload(tb[LIVEMIG_A_STATE_DATA]), n);
	s->len += n;
	return 0;
}

int __lm_state_get(struct lm_client *client, const char *name,
		   void **statep, size_t *lenp)
{
	struct state_rx s = { 0 };
	struct lm_msg m;
	int r;

	*statep = NULL;
	*lenp = 0;
	r = msg_init(&m, client->family, LIVEMIG_CMD_VM_STATE_GET, NLM_F_DUMP);
	if (r)
		return r;
	msg_put_str(&m, LIVEMIG_A_VM_NAME, name);
	r = client_request(client, &m, state_chunk, &s);
	free(m.buf);
	if (!r && client->dump_intr) {
		client_err(client, "the state changed while it was read");
		r = -EAGAIN;
	}
	if (!r && !s.len) {
		client_err(client, "the state is empty");
		r = -ENODATA;
	}
	if (r) {
		if (s.why[0] && !client->err[0])
			snprintf(client->err, sizeof(client->err), "%s", s.why);
		free(s.buf);
		return r;
	}
	*statep = s.buf;
	*lenp = s.len;
	return 0;
}

const struct lm_vm_info *lm_vm_find(const struct lm_vm_info *vms,
				    unsigned int nr, const char *name)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (!strcmp(vms[i].name, name))
			return &vms[i];
	}
	return NULL;
}
