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
#include <linux/xxhash.h>

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
 * @LM_MSG_ACCEPT: the destination accepted SETUP; its migration addresses
 * @LM_MSG_JOIN: a data connection joins a migration
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
	LM_MSG_ACCEPT,
	LM_MSG_JOIN,
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
 * @uuid: the migration's id, chosen by the source; every later
 *	connection and OUTCOME query names the migration by it
 * @vcpus: number of vCPUs
 * @options: negotiated options (performance option, compression, streams)
 * @config: the VMM's machine description; points into the received
 *	buffer, which must outlive this
 * @config_len: its length, at most %LIVEMIG_VM_CONFIG_MAX
 *
 * The VM's name and regions travel with it in a &struct lm_vm_desc (host
 * addresses are the destination VMM's business and are not sent).
 *
 * On the wire: uuid, vcpus (be32), options (be32), name length (u8), name,
 * config length (be32), config, region count (u8), then per region:
 * id (be32), name length (u8), name, gpa (be64), size (be64).
 */
struct lm_setup {
	u8 uuid[LIVEMIG_UUID_LEN];
	u32 vcpus;
	u32 options;
	const u8 *config;
	u32 config_len;
};

#define LM_AUTH_MAC_LEN		32

/**
 * struct lm_auth_msg - an AUTH payload
 * @mac: HMAC-SHA256 proof over the handshake transcript (see auth.h)
 *
 * On the wire: the 32 bytes of @mac, nothing else.
 */
struct lm_auth_msg {
	u8 mac[LM_AUTH_MAC_LEN];
};

#define LM_ACCEPT_ADDRS_MAX	8
#define LM_WIRE_ADDR_V4		4
#define LM_WIRE_ADDR_V6		6

/**
 * struct lm_wire_addr - one migration address of the destination
 * @family: %LM_WIRE_ADDR_V4 or %LM_WIRE_ADDR_V6
 * @addr: the address in network byte order; 4 bytes used for IPv4, the
 *	rest zero
 * @port: its TCP port, non-zero
 *
 * On the wire: family (u8), address (4 or 16 bytes), port (be16).
 */
struct lm_wire_addr {
	u8 family;
	u8 addr[16];
	u16 port;
};

/**
 * struct lm_accept - the destination accepts a SETUP (ACCEPT)
 * @n_addrs: entries used in @addrs, 0..%LM_ACCEPT_ADDRS_MAX
 * @addrs: where the data connections should go, most preferred first
 *
 * On the wire: n_addrs (u8), then each address as &struct lm_wire_addr
 * describes.
 */
struct lm_accept {
	u8 n_addrs;
	struct lm_wire_addr addrs[LM_ACCEPT_ADDRS_MAX];
};

/* How long a BUSY destination may ask a source to wait: ten minutes. */
#define LM_BUSY_RETRY_MAX_MS	600000

/**
 * struct lm_busy - the destination cannot take the migration now (BUSY)
 * @retry_ms: when the source may try again, 1..%LM_BUSY_RETRY_MAX_MS
 * @reason: a sentence, printable ASCII, NUL-terminated, may be empty
 *
 * On the wire: retry_ms (be32), reason length (u8), reason.
 */
struct lm_busy {
	u32 retry_ms;
	char reason[LM_ABORT_REASON_MAX];
};

/**
 * struct lm_join - a data connection names its migration (JOIN)
 * @uuid: the migration's id, as in its SETUP
 * @stream: this connection's index, below @streams
 * @streams: how many data connections the migration uses,
 *	1..%LIVEMIG_STREAMS_MAX
 *
 * On the wire: uuid, stream (be16), streams (be16).
 */
struct lm_join {
	u8 uuid[LIVEMIG_UUID_LEN];
	u16 stream;
	u16 streams;
};

#define LM_PAGES_HDR_LEN	4
#define LM_PAGES_MAX_COUNT	256
#define LM_PAGE_ENTRY_HDR	12

/**
 * enum lm_page_enc - how a page travels in PAGES
 * @LM_PAGE_RAW: the 4096 bytes as they are
 * @LM_PAGE_ZERO: no bytes: the page is all zeros (a zero marker)
 * @LM_PAGE_LZ4: lz4-compressed, 1..4095 bytes (a page that does not
 *	shrink is sent raw)
 */
enum lm_page_enc {
	LM_PAGE_RAW = 0,
	LM_PAGE_ZERO = 1,
	LM_PAGE_LZ4 = 2,
};

/**
 * struct lm_page_entry - one page of a PAGES batch
 * @region: index into the announced regions (0..n_regions - 1), not the
 *	region's id, so the receiver finds it without a search
 * @enc: &enum lm_page_enc
 * @len: bytes at @data: 4096 raw, 0 zero, 1..4095 lz4
 * @index: page number inside the region, in %LM_WIRE_PAGE_SIZE units
 * @round: the pre-copy round the copy was taken in; the receiver keeps
 *	the copy with the newest round
 * @data: the bytes; when decoding, points into the received buffer
 *
 * On the wire: region (u8), enc (u8), len (be16), index (be32),
 * round (be32), then @len bytes.
 */
struct lm_page_entry {
	u8 region;
	u8 enc;
	u16 len;
	u32 index;
	u32 round;
	const u8 *data;
};

/**
 * struct lm_pages_writer - builds a PAGES payload in place
 * @buf: the payload buffer
 * @size: usable bytes of @buf, at most the PAGES maximum
 * @pos: bytes written so far, the batch header included
 * @count: entries added
 */
struct lm_pages_writer {
	u8 *buf;
	size_t size;
	size_t pos;
	u16 count;
};

/**
 * struct lm_pages_reader - walks a received PAGES payload
 * @buf: the payload
 * @len: its exact length
 * @pos: offset of the next entry
 * @count: entries the batch announces
 * @seen: entries returned so far
 */
struct lm_pages_reader {
	const u8 *buf;
	size_t len;
	size_t pos;
	u16 count;
	u16 seen;
};

#define LM_STATE_CHUNK_HDR	8
/* A STATE message is at most 64 KiB, its 8-byte header included. */
#define LM_STATE_CHUNK_DATA_MAX	(64 * 1024 - LM_STATE_CHUNK_HDR)

/**
 * struct lm_state_chunk - a piece of the VM state blob (STATE)
 * @offset: where @data goes in the blob
 * @total: the blob's length, at most %LIVEMIG_STATE_MAX
 * @data: the bytes; when decoding, points into the received buffer
 * @len: how many, 1..%LM_STATE_CHUNK_DATA_MAX (0 only when @total is 0)
 *
 * On the wire: offset (be32), total (be32), then the data, which runs to
 * the end of the payload.
 */
struct lm_state_chunk {
	u32 offset;
	u32 total;
	const u8 *data;
	u32 len;
};

/**
 * struct lm_stream_end - what a data connection carried (STREAM_END)
 * @pages: page entries sent on it, all rounds
 * @digest: lm_digest_final() over those entries
 *
 * On the wire: pages (be64), digest (be64).
 */
struct lm_stream_end {
	u64 pages;
	u64 digest;
};

/**
 * enum lm_outcome_kind - an OUTCOME query or its answer
 * @LM_OUTCOME_QUERY: the source asks what became of a migration
 * @LM_OUTCOME_UNKNOWN: the destination has no record of it
 * @LM_OUTCOME_ACTIVE: it is still going on
 * @LM_OUTCOME_ABORTED: it ended before COMMIT; the VM is the source's
 * @LM_OUTCOME_COMMITTED: the destination owns the VM
 */
enum lm_outcome_kind {
	LM_OUTCOME_QUERY = 0,
	LM_OUTCOME_UNKNOWN,
	LM_OUTCOME_ACTIVE,
	LM_OUTCOME_ABORTED,
	LM_OUTCOME_COMMITTED,
};

/**
 * struct lm_outcome - an OUTCOME payload
 * @uuid: the migration asked about
 * @outcome: &enum lm_outcome_kind
 *
 * On the wire: uuid, outcome (u8).
 */
struct lm_outcome {
	u8 uuid[LIVEMIG_UUID_LEN];
	u8 outcome;
};

/**
 * struct lm_digest - running digest of the pages of one data connection
 * @state: xxh64 state, seed 0
 *
 * Both ends feed it every page entry in the order it travels, after
 * decompression, so a matching STREAM_END shows that what was applied is
 * what was sent. Documentation/wire-protocol.rst defines the input.
 */
struct lm_digest {
	struct xxh64_state state;
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
int lm_auth_encode(u8 *buf, size_t size, const struct lm_auth_msg *m);
int lm_auth_decode(const u8 *buf, size_t len, struct lm_auth_msg *m);
int lm_accept_encode(u8 *buf, size_t size, const struct lm_accept *a);
int lm_accept_decode(const u8 *buf, size_t len, struct lm_accept *a);
int lm_busy_encode(u8 *buf, size_t size, const struct lm_busy *b);
int lm_busy_decode(const u8 *buf, size_t len, struct lm_busy *b);
int lm_join_encode(u8 *buf, size_t size, const struct lm_join *j);
int lm_join_decode(const u8 *buf, size_t len, struct lm_join *j);
void lm_pages_begin(struct lm_pages_writer *w, u8 *buf, size_t size);
int lm_pages_add(struct lm_pages_writer *w, const struct lm_page_entry *e);
size_t lm_pages_finish(struct lm_pages_writer *w);
int lm_pages_start(struct lm_pages_reader *r, const u8 *buf, size_t len);
int lm_pages_next(struct lm_pages_reader *r, const struct lm_vm_desc *d,
		  struct lm_page_entry *e);
int lm_round_end_encode(u8 *buf, size_t size, u32 round);
int lm_round_end_decode(const u8 *buf, size_t len, u32 *round);
int lm_state_chunk_encode(u8 *buf, size_t size, const struct lm_state_chunk *c);
int lm_state_chunk_decode(const u8 *buf, size_t len, struct lm_state_chunk *c);
int lm_stream_end_encode(u8 *buf, size_t size, const struct lm_stream_end *se);
int lm_stream_end_decode(const u8 *buf, size_t len, struct lm_stream_end *se);
int lm_ready_decode(const u8 *buf, size_t len);
int lm_uuid_msg_encode(u8 *buf, size_t size, const u8 *uuid);
int lm_uuid_msg_decode(const u8 *buf, size_t len, u8 *uuid);
int lm_outcome_encode(u8 *buf, size_t size, const struct lm_outcome *o);
int lm_outcome_decode(const u8 *buf, size_t len, struct lm_outcome *o);
void lm_digest_init(struct lm_digest *d);
void lm_digest_page(struct lm_digest *d, u8 region, u32 index, u32 round,
		    const u8 *page);
u64 lm_digest_final(const struct lm_digest *d);
int lm_state_check(const u8 *buf, size_t len, const char **why);

#endif /* _LIVEMIG_PROTO_H */
