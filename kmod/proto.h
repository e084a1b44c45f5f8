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

#include <linux/livemig.h>

/* "LMIG" in network byte order on the wire. */
#define LM_WIRE_MAGIC		0x4c4d4947u

/* Wire protocol versions this module speaks, oldest and newest. */
#define LM_PROTO_VERSION_MIN	1
#define LM_PROTO_VERSION	1

#define LM_MSG_HDR_LEN		12
#define LM_NONCE_LEN		32
#define LM_HELLO_FIXED_LEN	(8 + LM_NONCE_LEN)
#define LM_ABORT_REASON_MAX	256

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

/**
 * enum lm_phase - where a migration is, as both ends name it
 * @LM_PHASE_CONNECTING: opening the control connection
 * @LM_PHASE_AUTHENTICATING: HELLO and AUTH
 * @LM_PHASE_SETUP: announcing the VM, admission
 * @LM_PHASE_PRECOPY: copying memory while the VM runs
 * @LM_PHASE_STOPCOPY: the VM paused, the rest and the state
 * @LM_PHASE_LOADING: the destination loads the state
 * @LM_PHASE_COMMITTING: READY, COMMIT, COMMITTED
 * @__LM_PHASE_MAX: internal
 */
enum lm_phase {
	LM_PHASE_CONNECTING,
	LM_PHASE_AUTHENTICATING,
	LM_PHASE_SETUP,
	LM_PHASE_PRECOPY,
	LM_PHASE_STOPCOPY,
	LM_PHASE_LOADING,
	LM_PHASE_COMMITTING,
	__LM_PHASE_MAX
};

/**
 * struct lm_hello - the first message each way
 * @version_min: oldest wire protocol version the sender accepts
 * @version_max: newest it speaks
 * @auth: &enum livemig_auth the sender is configured for
 * @features: feature bits; unknown ones are ignored
 * @nonce: fresh random bytes for the handshake
 * @host: the sender's host name
 *
 * On the wire (HELLO is always framed as version 1, so that any two
 * versions can read each other's): version_min (u8), version_max (u8),
 * auth (u8), host length (u8), features (be32), nonce, host (no NUL).
 */
struct lm_hello {
	u8 version_min;
	u8 version_max;
	u8 auth;
	u32 features;
	u8 nonce[LM_NONCE_LEN];
	char host[LIVEMIG_HOST_NAME_MAX];
};

/**
 * struct lm_abort - why a peer gives up
 * @code: a positive errno value naming the cause
 * @phase: &enum lm_phase it gave up in
 * @reason: a sentence, printable ASCII, NUL-terminated
 *
 * On the wire: code (be16), phase (u8), reason length (u8), reason.
 */
struct lm_abort {
	u16 code;
	u8 phase;
	char reason[LM_ABORT_REASON_MAX];
};

/* Guest pages travel in 4 KiB units whatever either host's page size. */
#define LM_WIRE_PAGE_SIZE	4096

struct lm_vm_desc;

/**
 * struct lm_setup - the VM a source announces (SETUP)
 * @vcpus: number of vCPUs
 * @options: negotiated options (performance option, compression, streams)
 * @config: the VMM's machine description; points into the received
 *	buffer, which must outlive this
 * @config_len: its length, at most %LIVEMIG_VM_CONFIG_MAX
 *
 * The VM's name and regions travel with it in a &struct lm_vm_desc (host
 * addresses are the destination VMM's business and are not sent).
 *
 * On the wire: vcpus (be32), options (be32), name length (u8), name,
 * config length (be32), config, region count (u8), then per region:
 * id (be32), name length (u8), name, gpa (be64), size (be64).
 */
struct lm_setup {
	u32 vcpus;
	u32 options;
	const u8 *config;
	u32 config_len;
};

u32 lm_msg_max_len(u8 type);
const char *lm_msg_name(u8 type);
int lm_msg_hdr_encode(u8 *buf, const struct lm_msg_hdr *hdr);
int lm_msg_hdr_decode(const u8 *buf, size_t avail, struct lm_msg_hdr *hdr);
int lm_proto_negotiate(u32 peer_min, u32 peer_max, u32 *chosen);
const char *lm_phase_name(u8 phase);
int lm_hello_encode(u8 *buf, size_t size, const struct lm_hello *h);
int lm_hello_decode(const u8 *buf, size_t len, struct lm_hello *h);
int lm_abort_encode(u8 *buf, size_t size, const struct lm_abort *a);
int lm_abort_decode(const u8 *buf, size_t len, struct lm_abort *a);
int lm_setup_encode(u8 *buf, size_t size, const struct lm_setup *st,
		    const struct lm_vm_desc *d);
int lm_setup_decode(const u8 *buf, size_t len, struct lm_setup *st,
		    struct lm_vm_desc *d);

#endif /* _LIVEMIG_PROTO_H */
