/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig wire protocol: message framing and version negotiation.
 *
 * Pure code: no sockets, no KVM, no allocation, so KUnit tests it under UML
 * and it can later be fuzzed in userspace. Documentation/wire-protocol.rst
 * describes the format.
 */
#ifndef _LIVEMIG_PROTO_H
#define _LIVEMIG_PROTO_H

#include <linux/types.h>

/* "LMIG" in network byte order on the wire. */
#define LM_WIRE_MAGIC		0x4c4d4947u

/* Wire protocol versions this module speaks, oldest and newest. */
#define LM_PROTO_VERSION_MIN	1
#define LM_PROTO_VERSION	1

#define LM_MSG_HDR_LEN		12

/**
 * enum lm_msg_type - message types of the wire protocol
 * @LM_MSG_HELLO: versions, features and host name (first message each way)
 * @LM_MSG_AUTH: handshake proof
 * @LM_MSG_SETUP: VM name, config blob, regions, vCPU count, options
 * @LM_MSG_BUSY: destination has no budget now; retry later
 * @LM_MSG_PAGES: a batch of pages
 * @LM_MSG_ROUND_END: end of a pre-copy round on a stream
 * @LM_MSG_STATE: a chunk of vCPU and device state
 * @LM_MSG_STREAM_END: page count and digest of a stream
 * @LM_MSG_READY: destination holds memory and state, VM paused
 * @LM_MSG_COMMIT: source hands the VM over
 * @LM_MSG_COMMITTED: destination owns the VM
 * @LM_MSG_OUTCOME: query or answer about a migration's outcome
 * @LM_MSG_ABORT: the sender gives up; carries a reason text
 * @__LM_MSG_MAX: internal
 */
enum lm_msg_type {
	LM_MSG_HELLO = 1,
	LM_MSG_AUTH,
	LM_MSG_SETUP,
	LM_MSG_BUSY,
	LM_MSG_PAGES,
	LM_MSG_ROUND_END,
	LM_MSG_STATE,
	LM_MSG_STREAM_END,
	LM_MSG_READY,
	LM_MSG_COMMIT,
	LM_MSG_COMMITTED,
	LM_MSG_OUTCOME,
	LM_MSG_ABORT,
	__LM_MSG_MAX
};

/* Header flags defined so far; a peer setting any other bit is refused. */
#define LM_MSG_F_ALL		0u

/**
 * struct lm_msg_hdr - a decoded message header
 * @version: wire protocol version the message is written in
 * @type: one of &enum lm_msg_type
 * @flags: header flags, a subset of %LM_MSG_F_ALL
 * @len: payload length in bytes, header excluded
 *
 * On the wire: magic (be32), version (u8), type (u8), flags (be16),
 * len (be32).
 */
struct lm_msg_hdr {
	u8 version;
	u8 type;
	u16 flags;
	u32 len;
};

u32 lm_msg_max_len(u8 type);
const char *lm_msg_name(u8 type);
int lm_msg_hdr_encode(u8 *buf, const struct lm_msg_hdr *hdr);
int lm_msg_hdr_decode(const u8 *buf, size_t avail, struct lm_msg_hdr *hdr);
int lm_proto_negotiate(u32 peer_min, u32 peer_max, u32 *chosen);

#endif /* _LIVEMIG_PROTO_H */
