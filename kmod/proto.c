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
#include <asm/unaligned.h>

#include "proto.h"
#include "vmdesc.h"
#include "wire.h"

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

	/* A NUL inside the name would hide the bytes after it from the check. */
	if (out.version_min > out.version_max ||
	    strnlen(out.host, sizeof(out.host)) != host_len ||
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
