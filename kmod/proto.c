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
