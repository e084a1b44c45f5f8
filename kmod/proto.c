// SPDX-License-Identifier: GPL-2.0
/*
 * livemig wire protocol: message framing, version negotiation and the
 * payload of every message type.
 *
 * Everything a peer sends goes through lm_msg_hdr_decode() before a single
 * payload byte is read, so the payload length is bounded per message type
 * before any buffer is sized from it. Each decoder then takes the exact
 * payload length and refuses anything short, long or out of range: a
 * decoded message can be used without further checks on its framing.
 */
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/xxhash.h>
#include <asm/unaligned.h>

#include "proto.h"
#include "vmdesc.h"

/*
 * Largest payload per type. Bounds are generous for what a message may
 * carry and small enough that a hostile peer cannot make us allocate much.
 */
static const u32 lm_msg_limits[__LM_MSG_MAX] = {
	[LM_MSG_HELLO]		= 512,
	[LM_MSG_AUTH]		= 256,
	[LM_MSG_SETUP]		= 64 * 1024,
	[LM_MSG_BUSY]		= 512,
	[LM_MSG_PAGES]		= 1024 * 1024,
	[LM_MSG_ROUND_END]	= 64,
	[LM_MSG_STATE]		= 64 * 1024,
	[LM_MSG_STREAM_END]	= 128,
	[LM_MSG_READY]		= 64,
	[LM_MSG_COMMIT]		= 64,
	[LM_MSG_COMMITTED]	= 64,
	[LM_MSG_OUTCOME]	= 256,
	[LM_MSG_ABORT]		= 512,
	[LM_MSG_ACCEPT]		= 256,
	[LM_MSG_JOIN]		= 64,
};

static const char * const lm_msg_names[__LM_MSG_MAX] = {
	[LM_MSG_HELLO]		= "HELLO",
	[LM_MSG_AUTH]		= "AUTH",
	[LM_MSG_SETUP]		= "SETUP",
	[LM_MSG_BUSY]		= "BUSY",
	[LM_MSG_PAGES]		= "PAGES",
	[LM_MSG_ROUND_END]	= "ROUND_END",
	[LM_MSG_STATE]		= "STATE",
	[LM_MSG_STREAM_END]	= "STREAM_END",
	[LM_MSG_READY]		= "READY",
	[LM_MSG_COMMIT]		= "COMMIT",
	[LM_MSG_COMMITTED]	= "COMMITTED",
	[LM_MSG_OUTCOME]	= "OUTCOME",
	[LM_MSG_ABORT]		= "ABORT",
	[LM_MSG_ACCEPT]		= "ACCEPT",
	[LM_MSG_JOIN]		= "JOIN",
};

/**
 * lm_msg_max_len() - largest payload a message type may carry
 * @type: message type
 *
 * Return: the bound in bytes, or 0 for an unknown type.
 */
u32 lm_msg_max_len(u8 type)
{
	return type < __LM_MSG_MAX ? lm_msg_limits[type] : 0;
}

/**
 * lm_msg_name() - printable name of a message type, for error messages
 * @type: message type
 *
 * Return: a static string; "unknown" for a type we do not know.
 */
const char *lm_msg_name(u8 type)
{
	if (type < __LM_MSG_MAX && lm_msg_names[type])
		return lm_msg_names[type];
	return "unknown";
}

/**
 * lm_msg_hdr_encode() - write a message header
 * @buf: at least %LM_MSG_HDR_LEN bytes
 * @hdr: the header; checked with the same rules the receiver applies
 *
 * Refusing here what the peer would refuse keeps a local bug from looking
 * like a hostile peer on the other side.
 *
 * Return: 0, or -EINVAL if the header would not decode.
 */
int lm_msg_hdr_encode(u8 *buf, const struct lm_msg_hdr *hdr)
{
	if (hdr->version < LM_PROTO_VERSION_MIN ||
	    hdr->version > LM_PROTO_VERSION ||
	    !lm_msg_max_len(hdr->type) || hdr->len > lm_msg_max_len(hdr->type) ||
	    hdr->flags & ~LM_MSG_F_ALL)
		return -EINVAL;

	put_unaligned_be32(LM_WIRE_MAGIC, buf);
	buf[4] = hdr->version;
	buf[5] = hdr->type;
	put_unaligned_be16(hdr->flags, buf + 6);
	put_unaligned_be32(hdr->len, buf + 8);
	return 0;
}

/**
 * lm_msg_hdr_decode() - validate and decode a message header from a peer
 * @buf: received bytes
 * @avail: how many bytes @buf holds
 * @hdr: filled in on success only
 *
 * Return: 0; -ENODATA if fewer than %LM_MSG_HDR_LEN bytes are available;
 * -EBADMSG for a bad magic; -EPROTONOSUPPORT for a version outside what we
 * speak; -EOPNOTSUPP for an unknown type; -EINVAL for unknown flags;
 * -EMSGSIZE for a payload longer than the type allows.
 */
int lm_msg_hdr_decode(const u8 *buf, size_t avail, struct lm_msg_hdr *hdr)
{
	struct lm_msg_hdr h;

	if (avail < LM_MSG_HDR_LEN)
		return -ENODATA;
	if (get_unaligned_be32(buf) != LM_WIRE_MAGIC)
		return -EBADMSG;

	h.version = buf[4];
	h.type = buf[5];
	h.flags = get_unaligned_be16(buf + 6);
	h.len = get_unaligned_be32(buf + 8);

	if (h.version < LM_PROTO_VERSION_MIN || h.version > LM_PROTO_VERSION)
		return -EPROTONOSUPPORT;
	if (!lm_msg_max_len(h.type))
		return -EOPNOTSUPP;
	if (h.flags & ~LM_MSG_F_ALL)
		return -EINVAL;
	if (h.len > lm_msg_max_len(h.type))
		return -EMSGSIZE;

	*hdr = h;
	return 0;
}

/**
 * lm_proto_negotiate() - pick the wire version both peers speak
 * @peer_min: oldest version the peer accepts
 * @peer_max: newest version the peer speaks
 * @chosen: set to the newest common version on success
 *
 * Return: 0, -EINVAL for a range that is upside down, or -EPROTONOSUPPORT
 * when the ranges do not overlap (a down-level or too new peer).
 */
int lm_proto_negotiate(u32 peer_min, u32 peer_max, u32 *chosen)
{
	if (peer_min > peer_max)
		return -EINVAL;
	if (peer_max < LM_PROTO_VERSION_MIN || peer_min > LM_PROTO_VERSION)
		return -EPROTONOSUPPORT;

	*chosen = min_t(u32, peer_max, LM_PROTO_VERSION);
	return 0;
}

static const char * const lm_phase_names[__LM_PHASE_MAX] = {
	[LM_PHASE_CONNECTING]		= "connecting",
	[LM_PHASE_AUTHENTICATING]	= "authenticating",
	[LM_PHASE_SETUP]		= "setup",
	[LM_PHASE_PRECOPY]		= "pre-copy",
	[LM_PHASE_STOPCOPY]		= "stop-and-copy",
	[LM_PHASE_LOADING]		= "loading",
	[LM_PHASE_COMMITTING]		= "committing",
};

/**
 * lm_phase_name() - printable name of a phase, for error messages
 * @phase: &enum lm_phase
 *
 * Return: a static string; "unknown phase" for a value we do not know.
 */
const char *lm_phase_name(u8 phase)
{
	return phase < __LM_PHASE_MAX ? lm_phase_names[phase] : "unknown phase";
}

/**
 * lm_hello_encode() - write a HELLO payload
 * @buf: output
 * @size: its size
 * @h: the HELLO; its host name must be valid
 *
 * Return: the payload length, -EINVAL for a HELLO the peer would refuse,
 * or -EMSGSIZE if @buf is too small.
 */
int lm_hello_encode(u8 *buf, size_t size, const struct lm_hello *h)
{
	size_t host_len = strnlen(h->host, sizeof(h->host));
	size_t len = LM_HELLO_FIXED_LEN + host_len;

	if (!lm_name_valid(h->host, sizeof(h->host)) ||
	    h->version_min > h->version_max)
		return -EINVAL;
	if (len > size)
		return -EMSGSIZE;

	buf[0] = h->version_min;
	buf[1] = h->version_max;
	buf[2] = h->auth;
	buf[3] = host_len;
	put_unaligned_be32(h->features, buf + 4);
	memcpy(buf + 8, h->nonce, LM_NONCE_LEN);
	memcpy(buf + LM_HELLO_FIXED_LEN, h->host, host_len);
	return len;
}

/**
 * lm_hello_decode() - validate and decode a HELLO payload from a peer
 * @buf: the payload
 * @len: its exact length (the header's)
 * @h: filled in on success only
 *
 * Return: 0, or -EBADMSG for a payload that is short, long, upside down
 * or names the host with anything but a valid host name.
 */
int lm_hello_decode(const u8 *buf, size_t len, struct lm_hello *h)
{
	struct lm_hello out = {};
	size_t host_len;

	if (len < LM_HELLO_FIXED_LEN)
		return -EBADMSG;
	host_len = buf[3];
	if (len != LM_HELLO_FIXED_LEN + host_len || host_len >= sizeof(out.host))
		return -EBADMSG;

	out.version_min = buf[0];
	out.version_max = buf[1];
	out.auth = buf[2];
	out.features = get_unaligned_be32(buf + 4);
	memcpy(out.nonce, buf + 8, LM_NONCE_LEN);
	memcpy(out.host, buf + LM_HELLO_FIXED_LEN, host_len);

	if (out.version_min > out.version_max ||
	    !lm_name_valid(out.host, sizeof(out.host)))
		return -EBADMSG;
	*h = out;
	return 0;
}

/**
 * lm_abort_encode() - write an ABORT payload
 * @buf: output
 * @size: its size
 * @a: the abort; a reason longer than 255 bytes is cut
 *
 * Return: the payload length or -EMSGSIZE.
 */
int lm_abort_encode(u8 *buf, size_t size, const struct lm_abort *a)
{
	size_t reason_len = min_t(size_t, strnlen(a->reason, sizeof(a->reason)), 255);

	if (4 + reason_len > size)
		return -EMSGSIZE;
	put_unaligned_be16(a->code, buf);
	buf[2] = a->phase;
	buf[3] = reason_len;
	memcpy(buf + 4, a->reason, reason_len);
	return 4 + reason_len;
}

/**
 * lm_abort_decode() - decode an ABORT payload from a peer
 * @buf: the payload
 * @len: its exact length
 * @a: filled in on success
 *
 * The reason ends up in our logs and in lmctl's output: anything that is
 * not printable ASCII becomes '?', so a peer cannot write escape
 * sequences to an admin's terminal.
 *
 * Return: 0 or -EBADMSG.
 */
int lm_abort_decode(const u8 *buf, size_t len, struct lm_abort *a)
{
	size_t i, reason_len;

	if (len < 4)
		return -EBADMSG;
	reason_len = buf[3];
	if (len != 4 + reason_len)
		return -EBADMSG;

	a->code = get_unaligned_be16(buf);
	a->phase = buf[2];
	for (i = 0; i < reason_len; i++)
		a->reason[i] = isascii(buf[4 + i]) && isprint(buf[4 + i]) ?
			       buf[4 + i] : '?';
	a->reason[reason_len] = '\0';
	return 0;
}

/* A cursor over a received buffer: every read is bounds-checked. */
struct lm_rd {
	const u8 *p;
	size_t left;
	bool bad;
};

static const u8 *lm_rd_take(struct lm_rd *r, size_t n)
{
	const u8 *at = r->p;

	if (r->bad || n > r->left) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return at;
}

static u16 lm_rd_be16(struct lm_rd *r)
{
	const u8 *p = lm_rd_take(r, 2);

	return p ? get_unaligned_be16(p) : 0;
}

static u32 lm_rd_be32(struct lm_rd *r)
{
	const u8 *p = lm_rd_take(r, 4);

	return p ? get_unaligned_be32(p) : 0;
}

static u64 lm_rd_be64(struct lm_rd *r)
{
	const u8 *p = lm_rd_take(r, 8);

	return p ? get_unaligned_be64(p) : 0;
}

static u8 lm_rd_u8(struct lm_rd *r)
{
	const u8 *p = lm_rd_take(r, 1);

	return p ? *p : 0;
}

static void lm_rd_bytes(struct lm_rd *r, void *out, size_t n)
{
	const u8 *p = lm_rd_take(r, n);

	if (p)
		memcpy(out, p, n);
}

/* Names and reasons end up in logs and on terminals: printable ASCII only. */
static bool lm_text_valid(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isascii(s[i]) || !isprint(s[i]))
			return false;
	return true;
}

/* A length-prefixed name into @out (@size with its NUL); invalid = bad. */
static void lm_rd_name(struct lm_rd *r, char *out, size_t size)
{
	u8 len = lm_rd_u8(r);
	const u8 *p = lm_rd_take(r, len);

	if (!p || len >= size || !lm_text_valid((const char *)p, len)) {
		r->bad = true;
		return;
	}
	memcpy(out, p, len);
	out[len] = '\0';
}

/* Whether the whole payload was read, and nothing more: exact lengths. */
static bool lm_rd_end(const struct lm_rd *r)
{
	return !r->bad && !r->left;
}

/* The mirror of lm_rd: every write is bounds-checked. */
struct lm_wr {
	u8 *p;
	size_t left;
	bool full;
};

static u8 *lm_wr_take(struct lm_wr *w, size_t n)
{
	u8 *at = w->p;

	if (w->full || n > w->left) {
		w->full = true;
		return NULL;
	}
	w->p += n;
	w->left -= n;
	return at;
}

static void lm_wr_u8(struct lm_wr *w, u8 v)
{
	u8 *p = lm_wr_take(w, 1);

	if (p)
		*p = v;
}

static void lm_wr_be16(struct lm_wr *w, u16 v)
{
	u8 *p = lm_wr_take(w, 2);

	if (p)
		put_unaligned_be16(v, p);
}

static void lm_wr_be32(struct lm_wr *w, u32 v)
{
	u8 *p = lm_wr_take(w, 4);

	if (p)
		put_unaligned_be32(v, p);
}

static void lm_wr_be64(struct lm_wr *w, u64 v)
{
	u8 *p = lm_wr_take(w, 8);

	if (p)
		put_unaligned_be64(v, p);
}

static void lm_wr_bytes(struct lm_wr *w, const void *src, size_t n)
{
	u8 *p = lm_wr_take(w, n);

	/* @src may be NULL when there is nothing to copy (an empty chunk). */
	if (p && n)
		memcpy(p, src, n);
}

static void lm_wr_name(struct lm_wr *w, const char *name, size_t size)
{
	u8 len = strnlen(name, size - 1);

	lm_wr_u8(w, len);
	lm_wr_bytes(w, name, len);
}

/* The payload length, or -EMSGSIZE if the buffer ran out. */
static int lm_wr_end(const struct lm_wr *w, size_t size)
{
	return w->full ? -EMSGSIZE : (int)(size - w->left);
}

/**
 * lm_setup_encode() - write a SETUP payload
 * @buf: output
 * @size: its size
 * @st: uuid, vCPUs, options and config
 * @d: the VM's name and regions, as checked at registration
 *
 * Return: the payload length, -EINVAL for a description the peer would
 * refuse, or -EMSGSIZE if @buf is too small.
 */
int lm_setup_encode(u8 *buf, size_t size, const struct lm_setup *st,
		    const struct lm_vm_desc *d)
{
	struct lm_wr w = { .p = buf, .left = size };
	unsigned int i;
	u8 n = d->n_regions;

	if (!d->n_regions || d->n_regions > LIVEMIG_VM_REGIONS_MAX ||
	    st->config_len > LIVEMIG_VM_CONFIG_MAX)
		return -EINVAL;

	lm_wr_bytes(&w, st->uuid, sizeof(st->uuid));
	lm_wr_be32(&w, st->vcpus);
	lm_wr_be32(&w, st->options);
	lm_wr_name(&w, d->name, sizeof(d->name));
	lm_wr_be32(&w, st->config_len);
	lm_wr_bytes(&w, st->config, st->config_len);
	lm_wr_u8(&w, n);
	for (i = 0; i < d->n_regions; i++) {
		lm_wr_be32(&w, d->regions[i].id);
		lm_wr_name(&w, d->regions[i].name, sizeof(d->regions[i].name));
		lm_wr_be64(&w, d->regions[i].gpa);
		lm_wr_be64(&w, d->regions[i].size);
	}
	return lm_wr_end(&w, size);
}

/**
 * lm_setup_decode() - validate and decode a SETUP payload from a peer
 * @buf: the payload
 * @len: its exact length
 * @st: filled in; @st->config points into @buf
 * @d: the VM's name and regions; host addresses left zero
 *
 * Everything is checked before anything is used: exact length, names,
 * 1..%LIVEMIG_VM_REGIONS_MAX regions that are page multiples, do not wrap
 * and do not overlap, unique region ids, at least one vCPU.
 *
 * Return: 0 or -EBADMSG.
 */
int lm_setup_decode(const u8 *buf, size_t len, struct lm_setup *st,
		    struct lm_vm_desc *d)
{
	struct lm_rd r = { .p = buf, .left = len };
	const char *why;
	unsigned int i;
	int err;

	memset(d, 0, sizeof(*d));
	memset(st, 0, sizeof(*st));
	lm_rd_bytes(&r, st->uuid, sizeof(st->uuid));
	st->vcpus = lm_rd_be32(&r);
	st->options = lm_rd_be32(&r);
	lm_rd_name(&r, d->name, sizeof(d->name));
	st->config_len = lm_rd_be32(&r);
	if (st->config_len > LIVEMIG_VM_CONFIG_MAX)
		return -EBADMSG;
	st->config = lm_rd_take(&r, st->config_len);
	d->n_regions = lm_rd_u8(&r);
	if (d->n_regions > LIVEMIG_VM_REGIONS_MAX)
		return -EBADMSG;
	for (i = 0; i < d->n_regions && !r.bad; i++) {
		struct lm_region *reg = &d->regions[i];

		reg->id = lm_rd_be32(&r);
		lm_rd_name(&r, reg->name, sizeof(reg->name));
		reg->gpa = lm_rd_be64(&r);
		reg->size = lm_rd_be64(&r);
		/*
		 * Host addresses are not sent; mirror the guest ones so the
		 * shared check (alignment, wrap, overlap) covers the rest.
		 */
		reg->hva = reg->gpa;
	}
	if (!lm_rd_end(&r) || !st->vcpus)
		return -EBADMSG;

	err = lm_vm_desc_check(d, LM_WIRE_PAGE_SIZE, &why);
	for (i = 0; i < d->n_regions; i++)
		d->regions[i].hva = 0;
	return err ? -EBADMSG : 0;
}

/**
 * lm_auth_encode() - write an AUTH payload
 * @buf: output
 * @size: its size
 * @m: the proof
 *
 * Return: the payload length or -EMSGSIZE.
 */
int lm_auth_encode(u8 *buf, size_t size, const struct lm_auth_msg *m)
{
	struct lm_wr w = { .p = buf, .left = size };

	lm_wr_bytes(&w, m->mac, sizeof(m->mac));
	return lm_wr_end(&w, size);
}

/**
 * lm_auth_decode() - decode an AUTH payload from a peer
 * @buf: the payload
 * @len: its exact length
 * @m: filled in on success only
 *
 * Return: 0, or -EBADMSG for anything but %LM_AUTH_MAC_LEN bytes.
 */
int lm_auth_decode(const u8 *buf, size_t len, struct lm_auth_msg *m)
{
	if (len != sizeof(m->mac))
		return -EBADMSG;
	memcpy(m->mac, buf, sizeof(m->mac));
	return 0;
}

/* Address bytes on the wire for a family, 0 for a family we do not know. */
static size_t lm_wire_addr_len(u8 family)
{
	switch (family) {
	case LM_WIRE_ADDR_V4:
		return 4;
	case LM_WIRE_ADDR_V6:
		return 16;
	default:
		return 0;
	}
}

/**
 * lm_accept_encode() - write an ACCEPT payload
 * @buf: output
 * @size: its size
 * @a: the destination's migration addresses
 *
 * Return: the payload length, -EINVAL for a list the peer would refuse
 * (too many addresses, unknown family, port 0), or -EMSGSIZE.
 */
int lm_accept_encode(u8 *buf, size_t size, const struct lm_accept *a)
{
	struct lm_wr w = { .p = buf, .left = size };
	unsigned int i;

	if (a->n_addrs > LM_ACCEPT_ADDRS_MAX)
		return -EINVAL;
	for (i = 0; i < a->n_addrs; i++)
		if (!lm_wire_addr_len(a->addrs[i].family) || !a->addrs[i].port)
			return -EINVAL;

	lm_wr_u8(&w, a->n_addrs);
	for (i = 0; i < a->n_addrs; i++) {
		const struct lm_wire_addr *wa = &a->addrs[i];

		lm_wr_u8(&w, wa->family);
		lm_wr_bytes(&w, wa->addr, lm_wire_addr_len(wa->family));
		lm_wr_be16(&w, wa->port);
	}
	return lm_wr_end(&w, size);
}

/**
 * lm_accept_decode() - validate and decode an ACCEPT payload from a peer
 * @buf: the payload
 * @len: its exact length
 * @a: filled in on success only; unused address bytes are zero
 *
 * Return: 0, or -EBADMSG for more than %LM_ACCEPT_ADDRS_MAX addresses, an
 * unknown family, port 0 or a length that does not match.
 */
int lm_accept_decode(const u8 *buf, size_t len, struct lm_accept *a)
{
	struct lm_rd r = { .p = buf, .left = len };
	struct lm_accept out = {};
	unsigned int i;

	out.n_addrs = lm_rd_u8(&r);
	if (out.n_addrs > LM_ACCEPT_ADDRS_MAX)
		return -EBADMSG;
	for (i = 0; i < out.n_addrs && !r.bad; i++) {
		struct lm_wire_addr *wa = &out.addrs[i];
		size_t alen;

		wa->family = lm_rd_u8(&r);
		alen = lm_wire_addr_len(wa->family);
		if (!alen)
			return -EBADMSG;
		lm_rd_bytes(&r, wa->addr, alen);
		wa->port = lm_rd_be16(&r);
		/* Port 0 cannot be connected to. */
		if (!wa->port)
			return -EBADMSG;
	}
	if (!lm_rd_end(&r))
		return -EBADMSG;
	*a = out;
	return 0;
}

static bool lm_busy_valid(u32 retry_ms)
{
	return retry_ms >= 1 && retry_ms <= LM_BUSY_RETRY_MAX_MS;
}

/**
 * lm_busy_encode() - write a BUSY payload
 * @buf: output
 * @size: its size
 * @b: the delay and reason; a reason longer than 255 bytes is cut
 *
 * Return: the payload length, -EINVAL for a delay out of range or a reason
 * that is not printable ASCII, or -EMSGSIZE.
 */
int lm_busy_encode(u8 *buf, size_t size, const struct lm_busy *b)
{
	struct lm_wr w = { .p = buf, .left = size };

	if (!lm_busy_valid(b->retry_ms) ||
	    !lm_text_valid(b->reason, strnlen(b->reason, sizeof(b->reason) - 1)))
		return -EINVAL;

	lm_wr_be32(&w, b->retry_ms);
	lm_wr_name(&w, b->reason, sizeof(b->reason));
	return lm_wr_end(&w, size);
}

/**
 * lm_busy_decode() - validate and decode a BUSY payload from a peer
 * @buf: the payload
 * @len: its exact length
 * @b: filled in on success only
 *
 * Unlike ABORT's, a BUSY reason with a byte that is not printable ASCII
 * refuses the message: BUSY asks the source to act, and a peer that
 * cannot write a sentence is not one to wait for.
 *
 * Return: 0, or -EBADMSG for a delay outside 1..%LM_BUSY_RETRY_MAX_MS,
 * a bad reason or a length that does not match.
 */
int lm_busy_decode(const u8 *buf, size_t len, struct lm_busy *b)
{
	struct lm_rd r = { .p = buf, .left = len };
	struct lm_busy out = {};

	out.retry_ms = lm_rd_be32(&r);
	lm_rd_name(&r, out.reason, sizeof(out.reason));
	if (!lm_rd_end(&r) || !lm_busy_valid(out.retry_ms))
		return -EBADMSG;
	*b = out;
	return 0;
}

static bool lm_join_valid(const struct lm_join *j)
{
	return j->streams >= 1 && j->streams <= LIVEMIG_STREAMS_MAX &&
	       j->stream < j->streams;
}

/**
 * lm_join_encode() - write a JOIN payload
 * @buf: output
 * @size: its size
 * @j: the migration and this connection's place in it
 *
 * Return: the payload length, -EINVAL for stream numbers the peer would
 * refuse, or -EMSGSIZE.
 */
int lm_join_encode(u8 *buf, size_t size, const struct lm_join *j)
{
	struct lm_wr w = { .p = buf, .left = size };

	if (!lm_join_valid(j))
		return -EINVAL;
	lm_wr_bytes(&w, j->uuid, sizeof(j->uuid));
	lm_wr_be16(&w, j->stream);
	lm_wr_be16(&w, j->streams);
	return lm_wr_end(&w, size);
}

/**
 * lm_join_decode() - validate and decode a JOIN payload from a peer
 * @buf: the payload
 * @len: its exact length
 * @j: filled in on success only
 *
 * Return: 0, or -EBADMSG for a length other than 20, @streams outside
 * 1..%LIVEMIG_STREAMS_MAX or @stream not below it.
 */
int lm_join_decode(const u8 *buf, size_t len, struct lm_join *j)
{
	struct lm_rd r = { .p = buf, .left = len };
	struct lm_join out;

	lm_rd_bytes(&r, out.uuid, sizeof(out.uuid));
	out.stream = lm_rd_be16(&r);
	out.streams = lm_rd_be16(&r);
	if (!lm_rd_end(&r) || !lm_join_valid(&out))
		return -EBADMSG;
	*j = out;
	return 0;
}

/* The one length each encoding allows; shared so both ends agree. */
static bool lm_page_len_valid(u8 enc, u16 len)
{
	switch (enc) {
	case LM_PAGE_RAW:
		return len == LM_WIRE_PAGE_SIZE;
	case LM_PAGE_ZERO:
		return len == 0;
	case LM_PAGE_LZ4:
		return len >= 1 && len < LM_WIRE_PAGE_SIZE;
	default:
		return false;
	}
}

/**
 * lm_pages_begin() - start building a PAGES payload
 * @w: the writer
 * @buf: where the payload goes
 * @size: its size
 *
 * The writer uses at most the PAGES maximum of @buf, so a finished batch
 * always passes the receiver's header check, whatever @size the caller
 * has.
 */
void lm_pages_begin(struct lm_pages_writer *w, u8 *buf, size_t size)
{
	w->buf = buf;
	w->size = min_t(size_t, size, lm_msg_max_len(LM_MSG_PAGES));
	w->pos = LM_PAGES_HDR_LEN;
	w->count = 0;
}

/**
 * lm_pages_add() - append one page to a PAGES payload
 * @w: the writer, after lm_pages_begin()
 * @e: the page; @e->data (@e->len bytes) is copied. @e->region and
 *	@e->index are the caller's to get right: the writer has no regions
 *
 * Return: 0; -EINVAL for a length that does not match the encoding (or
 * data missing); -ENOSPC when the entry does not fit or the batch already
 * holds %LM_PAGES_MAX_COUNT entries: finish it and start another.
 */
int lm_pages_add(struct lm_pages_writer *w, const struct lm_page_entry *e)
{
	size_t need = LM_PAGE_ENTRY_HDR + e->len;
	u8 *p;

	if (!lm_page_len_valid(e->enc, e->len) || (e->len && !e->data))
		return -EINVAL;
	if (w->count >= LM_PAGES_MAX_COUNT || w->pos > w->size ||
	    need > w->size - w->pos)
		return -ENOSPC;

	/* One bounds check above covers the whole entry: the hot path. */
	p = w->buf + w->pos;
	p[0] = e->region;
	p[1] = e->enc;
	put_unaligned_be16(e->len, p + 2);
	put_unaligned_be32(e->index, p + 4);
	put_unaligned_be32(e->round, p + 8);
	if (e->len)
		memcpy(p + LM_PAGE_ENTRY_HDR, e->data, e->len);
	w->pos += need;
	w->count++;
	return 0;
}

/**
 * lm_pages_finish() - complete a PAGES payload
 * @w: the writer
 *
 * Return: the payload length to send, or 0 for a batch without entries,
 * which must not be sent (the receiver refuses an empty batch).
 */
size_t lm_pages_finish(struct lm_pages_writer *w)
{
	if (!w->count)
		return 0;
	put_unaligned_be16(w->count, w->buf);
	put_unaligned_be16(0, w->buf + 2);
	return w->pos;
}

/**
 * lm_pages_start() - start reading a PAGES payload from a peer
 * @r: the reader; usable only if this returns 0
 * @buf: the payload
 * @len: its exact length
 *
 * Return: 0, or -EBADMSG for a payload shorter than its header or longer
 * than the PAGES maximum, a count outside 1..%LM_PAGES_MAX_COUNT or a
 * reserved field that is not zero.
 */
int lm_pages_start(struct lm_pages_reader *r, const u8 *buf, size_t len)
{
	u16 count;

	if (len < LM_PAGES_HDR_LEN || len > lm_msg_max_len(LM_MSG_PAGES))
		return -EBADMSG;
	count = get_unaligned_be16(buf);
	if (!count || count > LM_PAGES_MAX_COUNT || get_unaligned_be16(buf + 2))
		return -EBADMSG;

	*r = (struct lm_pages_reader){
		.buf = buf, .len = len, .pos = LM_PAGES_HDR_LEN, .count = count,
	};
	return 0;
}

/**
 * lm_pages_next() - validate and return the next page of a PAGES payload
 * @r: the reader, after lm_pages_start()
 * @d: the migration's regions, as announced in SETUP
 * @e: filled in when 1 is returned; @e->data points into the payload
 *
 * Call until it returns 0 or an error: only the call that returns 0 has
 * seen that the batch ends exactly after its last entry. Entries returned
 * before an error were valid on their own; the caller gives up the whole
 * migration on an error, so applying them first does no harm. An error
 * is sticky: the reader does not move past a bad entry.
 *
 * Return: 1 with an entry; 0 at the clean end; -EBADMSG for a region
 * index past the announced ones, a page index past its region, an unknown
 * encoding, a length that does not match it, a truncated entry, or bytes
 * after the announced count.
 */
int lm_pages_next(struct lm_pages_reader *r, const struct lm_vm_desc *d,
		  struct lm_page_entry *e)
{
	size_t left = r->len - r->pos;
	const u8 *p = r->buf + r->pos;
	u16 len;
	u32 index;

	if (r->seen == r->count)
		return left ? -EBADMSG : 0;
	if (left < LM_PAGE_ENTRY_HDR)
		return -EBADMSG;

	len = get_unaligned_be16(p + 2);
	index = get_unaligned_be32(p + 4);
	if (p[0] >= d->n_regions ||
	    index >= d->regions[p[0]].size / LM_WIRE_PAGE_SIZE ||
	    !lm_page_len_valid(p[1], len) ||
	    len > left - LM_PAGE_ENTRY_HDR)
		return -EBADMSG;

	e->region = p[0];
	e->enc = p[1];
	e->len = len;
	e->index = index;
	e->round = get_unaligned_be32(p + 8);
	e->data = len ? p + LM_PAGE_ENTRY_HDR : NULL;
	r->pos += LM_PAGE_ENTRY_HDR + len;
	r->seen++;
	return 1;
}

/**
 * lm_round_end_encode() - write a ROUND_END payload
 * @buf: output
 * @size: its size
 * @round: the round this stream has finished sending
 *
 * Return: the payload length or -EMSGSIZE.
 */
int lm_round_end_encode(u8 *buf, size_t size, u32 round)
{
	struct lm_wr w = { .p = buf, .left = size };

	lm_wr_be32(&w, round);
	return lm_wr_end(&w, size);
}

/**
 * lm_round_end_decode() - decode a ROUND_END payload from a peer
 * @buf: the payload
 * @len: its exact length
 * @round: set on success only
 *
 * Return: 0, or -EBADMSG for anything but 4 bytes.
 */
int lm_round_end_decode(const u8 *buf, size_t len, u32 *round)
{
	struct lm_rd r = { .p = buf, .left = len };
	u32 v = lm_rd_be32(&r);

	if (!lm_rd_end(&r))
		return -EBADMSG;
	*round = v;
	return 0;
}

static bool lm_state_chunk_valid(const struct lm_state_chunk *c)
{
	/* 64-bit sum: offset + len cannot wrap. */
	return c->total <= LIVEMIG_STATE_MAX &&
	       c->len <= LM_STATE_CHUNK_DATA_MAX &&
	       (c->len || !c->total) &&
	       (u64)c->offset + c->len <= c->total;
}

/**
 * lm_state_chunk_encode() - write a STATE payload
 * @buf: output
 * @size: its size
 * @c: the chunk
 *
 * Return: the payload length, -EINVAL for a chunk the peer would refuse,
 * or -EMSGSIZE.
 */
int lm_state_chunk_encode(u8 *buf, size_t size, const struct lm_state_chunk *c)
{
	struct lm_wr w = { .p = buf, .left = size };

	if (!lm_state_chunk_valid(c))
		return -EINVAL;
	lm_wr_be32(&w, c->offset);
	lm_wr_be32(&w, c->total);
	lm_wr_bytes(&w, c->data, c->len);
	return lm_wr_end(&w, size);
}

/**
 * lm_state_chunk_decode() - validate and decode a STATE payload from a peer
 * @buf: the payload
 * @len: its exact length; the chunk's data runs to its end
 * @c: filled in on success only; @c->data points into @buf
 *
 * The chunk is checked on its own: that chunks arrive in order and add up
 * to @c->total is the receiver's to check as it assembles them.
 *
 * Return: 0, or -EBADMSG for a payload shorter than 8 bytes or longer than
 * the STATE maximum, a total above %LIVEMIG_STATE_MAX, data past the total,
 * or an empty chunk of a non-empty state.
 */
int lm_state_chunk_decode(const u8 *buf, size_t len, struct lm_state_chunk *c)
{
	struct lm_state_chunk out;

	/* Bounded while still a size_t: the chunk holds its length as a u32. */
	if (len < LM_STATE_CHUNK_HDR || len > lm_msg_max_len(LM_MSG_STATE))
		return -EBADMSG;
	out.offset = get_unaligned_be32(buf);
	out.total = get_unaligned_be32(buf + 4);
	out.data = buf + LM_STATE_CHUNK_HDR;
	out.len = len - LM_STATE_CHUNK_HDR;
	if (!lm_state_chunk_valid(&out))
		return -EBADMSG;
	*c = out;
	return 0;
}

/**
 * lm_stream_end_encode() - write a STREAM_END payload
 * @buf: output
 * @size: its size
 * @se: the stream's page count and digest
 *
 * Return: the payload length or -EMSGSIZE.
 */
int lm_stream_end_encode(u8 *buf, size_t size, const struct lm_stream_end *se)
{
	struct lm_wr w = { .p = buf, .left = size };

	lm_wr_be64(&w, se->pages);
	lm_wr_be64(&w, se->digest);
	return lm_wr_end(&w, size);
}

/**
 * lm_stream_end_decode() - decode a STREAM_END payload from a peer
 * @buf: the payload
 * @len: its exact length
 * @se: filled in on success only
 *
 * Return: 0, or -EBADMSG for anything but 16 bytes.
 */
int lm_stream_end_decode(const u8 *buf, size_t len, struct lm_stream_end *se)
{
	struct lm_rd r = { .p = buf, .left = len };
	struct lm_stream_end out;

	out.pages = lm_rd_be64(&r);
	out.digest = lm_rd_be64(&r);
	if (!lm_rd_end(&r))
		return -EBADMSG;
	*se = out;
	return 0;
}

/**
 * lm_ready_decode() - check a READY payload from a peer
 * @buf: the payload (unused: READY carries nothing)
 * @len: its exact length
 *
 * READY has no encoder: its header, with length 0, is the whole message.
 *
 * Return: 0, or -EBADMSG for a payload that is not empty.
 */
int lm_ready_decode(const u8 *buf, size_t len)
{
	return len ? -EBADMSG : 0;
}

/**
 * lm_uuid_msg_encode() - write a COMMIT or COMMITTED payload
 * @buf: output
 * @size: its size
 * @uuid: the migration's id, %LIVEMIG_UUID_LEN bytes
 *
 * Return: the payload length or -EMSGSIZE.
 */
int lm_uuid_msg_encode(u8 *buf, size_t size, const u8 *uuid)
{
	struct lm_wr w = { .p = buf, .left = size };

	lm_wr_bytes(&w, uuid, LIVEMIG_UUID_LEN);
	return lm_wr_end(&w, size);
}

/**
 * lm_uuid_msg_decode() - decode a COMMIT or COMMITTED payload from a peer
 * @buf: the payload
 * @len: its exact length
 * @uuid: %LIVEMIG_UUID_LEN bytes, filled in on success only
 *
 * Return: 0, or -EBADMSG for anything but %LIVEMIG_UUID_LEN bytes.
 */
int lm_uuid_msg_decode(const u8 *buf, size_t len, u8 *uuid)
{
	if (len != LIVEMIG_UUID_LEN)
		return -EBADMSG;
	memcpy(uuid, buf, LIVEMIG_UUID_LEN);
	return 0;
}

/**
 * lm_outcome_encode() - write an OUTCOME payload
 * @buf: output
 * @size: its size
 * @o: the query or answer
 *
 * Return: the payload length, -EINVAL for an unknown outcome, or
 * -EMSGSIZE.
 */
int lm_outcome_encode(u8 *buf, size_t size, const struct lm_outcome *o)
{
	struct lm_wr w = { .p = buf, .left = size };

	if (o->outcome > LM_OUTCOME_COMMITTED)
		return -EINVAL;
	lm_wr_bytes(&w, o->uuid, sizeof(o->uuid));
	lm_wr_u8(&w, o->outcome);
	return lm_wr_end(&w, size);
}

/**
 * lm_outcome_decode() - validate and decode an OUTCOME payload from a peer
 * @buf: the payload
 * @len: its exact length
 * @o: filled in on success only
 *
 * Return: 0, or -EBADMSG for a length other than 17 or an unknown outcome.
 */
int lm_outcome_decode(const u8 *buf, size_t len, struct lm_outcome *o)
{
	struct lm_rd r = { .p = buf, .left = len };
	struct lm_outcome out;

	lm_rd_bytes(&r, out.uuid, sizeof(out.uuid));
	out.outcome = lm_rd_u8(&r);
	if (!lm_rd_end(&r) || out.outcome > LM_OUTCOME_COMMITTED)
		return -EBADMSG;
	*o = out;
	return 0;
}

/**
 * lm_digest_init() - start the digest of a data connection's pages
 * @d: the digest
 */
void lm_digest_init(struct lm_digest *d)
{
	xxh64_reset(&d->state, 0);
}

/**
 * lm_digest_page() - add one page entry to a digest
 * @d: the digest
 * @region: the entry's region index, as in PAGES
 * @index: its page number in the region
 * @round: its round
 * @page: the %LM_WIRE_PAGE_SIZE bytes after decompression, or NULL for a
 *	zero marker
 *
 * The position and round are hashed with the bytes, so a page applied at
 * the wrong place or from the wrong round changes the digest; the kind
 * byte tells a zero marker from a page of zeros sent as data.
 */
void lm_digest_page(struct lm_digest *d, u8 region, u32 index, u32 round,
		    const u8 *page)
{
	u8 hdr[10];

	hdr[0] = region;
	hdr[1] = page ? 1 : 0;
	put_unaligned_be32(index, hdr + 2);
	put_unaligned_be32(round, hdr + 6);
	xxh64_update(&d->state, hdr, sizeof(hdr));
	if (page)
		xxh64_update(&d->state, page, LM_WIRE_PAGE_SIZE);
}

/**
 * lm_digest_final() - the digest of the pages added so far
 * @d: the digest; more pages may still be added after this
 *
 * Return: the xxh64 value that STREAM_END carries.
 */
u64 lm_digest_final(const struct lm_digest *d)
{
	return xxh64_digest(&d->state);
}

/**
 * lm_state_check() - check the framing of a VM state blob
 * @buf: the blob
 * @len: its length
 * @why: set to a sentence naming what is wrong
 *
 * The blob is a sequence of &struct livemig_state_rec headers, each
 * followed by its payload and zero padding to the next multiple of 8.
 * Only the framing is checked here; the destination VMM checks what the
 * records say. Nonzero padding is refused so that two blobs that load the
 * same state are the same bytes.
 *
 * Return: 0, or -EINVAL for an empty or oversized blob, a truncated record,
 * an unknown type, a nonzero reserved field or nonzero padding.
 */
int lm_state_check(const u8 *buf, size_t len, const char **why)
{
	struct livemig_state_rec rec;
	size_t pos = 0, padded;

	if (!len) {
		*why = "state: it is empty; it needs at least one record";
		return -EINVAL;
	}
	if (len > LIVEMIG_STATE_MAX) {
		*why = "state: it is larger than 16 MiB";
		return -EINVAL;
	}
	while (pos < len) {
		if (len - pos < sizeof(rec)) {
			*why = "state: a record header is truncated";
			return -EINVAL;
		}
		/* Native byte order, but the blob need not be aligned. */
		memcpy(&rec, buf + pos, sizeof(rec));
		pos += sizeof(rec);
		if (rec.type == LIVEMIG_STATE_END || rec.type >= __LIVEMIG_STATE_MAX) {
			*why = "state: a record has an unknown type";
			return -EINVAL;
		}
		if (rec.reserved) {
			*why = "state: a record's reserved field is not zero";
			return -EINVAL;
		}
		/* Bounding len first keeps the padding sum from wrapping. */
		if (rec.len > LIVEMIG_STATE_MAX) {
			*why = "state: a record is longer than 16 MiB";
			return -EINVAL;
		}
		padded = ALIGN((size_t)rec.len, 8);
		if (padded > len - pos) {
			*why = "state: a record's payload or padding is truncated";
			return -EINVAL;
		}
		if (memchr_inv(buf + pos + rec.len, 0, padded - rec.len)) {
			*why = "state: a record's padding is not zero";
			return -EINVAL;
		}
		pos += padded;
	}
	return 0;
}
