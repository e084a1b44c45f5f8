// SPDX-License-Identifier: GPL-2.0
/*
 * livemig wire protocol: message framing and version negotiation.
 *
 * Everything a peer sends goes through lm_msg_hdr_decode() before a single
 * payload byte is read, so the payload length is bounded per message type
 * before any buffer is sized from it.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <asm/unaligned.h>

#include "proto.h"

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
