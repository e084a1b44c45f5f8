// SPDX-License-Identifier: GPL-2.0
/*
 * livemig wire protocol: message framing and version negotiation.
 *
 * Everything a peer sends goes through lm_msg_hdr_decode() before a single
 * payload byte is read, so the payload length is bounded per message type
 * before any buffer is sized from it.
 */
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
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
	[LM_MSG_BUSY]		= 256,
	[LM_MSG_PAGES]		= 1024 * 1024,
	[LM_MSG_ROUND_END]	= 64,
	[LM_MSG_STATE]		= 64 * 1024,
	[LM_MSG_STREAM_END]	= 128,
	[LM_MSG_READY]		= 64,
	[LM_MSG_COMMIT]		= 64,
	[LM_MSG_COMMITTED]	= 64,
	[LM_MSG_OUTCOME]	= 256,
	[LM_MSG_ABORT]		= 512,
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

/* A length-prefixed name into @out (@size with its NUL); invalid = bad. */
static void lm_rd_name(struct lm_rd *r, char *out, size_t size)
{
	u8 len = lm_rd_u8(r);
	const u8 *p = lm_rd_take(r, len);

	unsigned int i;

	if (!p || len >= size) {
		r->bad = true;
		return;
	}
	/* Names end up in logs and on terminals: printable ASCII only. */
	for (i = 0; i < len; i++)
		if (!isascii(p[i]) || !isprint(p[i]))
			r->bad = true;
	memcpy(out, p, len);
	out[len] = '\0';
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

	if (p)
		memcpy(p, src, n);
}

static void lm_wr_name(struct lm_wr *w, const char *name, size_t size)
{
	u8 len = strnlen(name, size - 1);

	lm_wr_bytes(w, &len, 1);
	lm_wr_bytes(w, name, len);
}

/**
 * lm_setup_encode() - write a SETUP payload
 * @buf: output
 * @size: its size
 * @st: vCPUs, options and config
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

	lm_wr_be32(&w, st->vcpus);
	lm_wr_be32(&w, st->options);
	lm_wr_name(&w, d->name, sizeof(d->name));
	lm_wr_be32(&w, st->config_len);
	lm_wr_bytes(&w, st->config, st->config_len);
	lm_wr_bytes(&w, &n, 1);
	for (i = 0; i < d->n_regions; i++) {
		lm_wr_be32(&w, d->regions[i].id);
		lm_wr_name(&w, d->regions[i].name, sizeof(d->regions[i].name));
		lm_wr_be64(&w, d->regions[i].gpa);
		lm_wr_be64(&w, d->regions[i].size);
	}
	return w.full ? -EMSGSIZE : (int)(size - w.left);
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
	if (r.bad || r.left || !st->vcpus)
		return -EBADMSG;

	err = lm_vm_desc_check(d, LM_WIRE_PAGE_SIZE, &why);
	for (i = 0; i < d->n_regions; i++)
		d->regions[i].hva = 0;
	return err ? -EBADMSG : 0;
}
