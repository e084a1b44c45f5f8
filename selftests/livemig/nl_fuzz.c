// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz: a bounded stream of random and malformed generic netlink
 * messages to the livemig family, over a raw NETLINK_GENERIC socket (no
 * libnl, so it can craft anything).
 *
 *   nl_fuzz (this program)                      kernel
 *   ----------------------                      ------
 *   message k (malformed, valid or random) ---> genl core -> livemig policy
 *   probe: SETTINGS_GET (or GET_VERSION)   ---> -> livemig handler
 *   replies to k, probe reply and ack      <--- (errors with extack)
 *   snapshot of the settings, compared with the one before k
 *
 * Every message is followed by a probe, so each reply is matched to the
 * message that caused it without waiting for timeouts, and every message
 * that the kernel refused is checked to have left the host's settings as
 * they were (byte for byte, from SETTINGS_GET). Modes:
 *
 *   --malformed-only (default)  every message carries at least one defect
 *                  the uapi header makes fatal; any message accepted, or
 *                  any change of the settings, is a failure (hex-dumped).
 *   --mixed        also valid requests with random in-range values
 *                  (SETTINGS_SET, NETWORK_ADD/DEL); the kernel must answer
 *                  everything, and refused requests must change nothing.
 *   --expect-eperm for an unprivileged caller: nothing may be accepted and
 *                  every request that reaches a command gets -EPERM.
 *   --dump-settings print the SETTINGS_GET reply, one "type=hex" a line.
 *
 * Output is KTAP diagnostics ("# ..."). Exit 0 on success, 1 on a failure,
 * 4 (skip) when the family is not there.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "../../uapi/linux/livemig.h"

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

#define FZ_MSG_MAX	16384		/* one datagram we send */
#define FZ_RX_MAX	(128 * 1024)	/* one datagram we receive */
#define FZ_SNAP_MAX	16384		/* attributes of a SETTINGS_GET reply */
#define FZ_BATCH_MAX	4		/* netlink messages in one datagram */
#define FZ_NEST_MAX	48		/* open nests while building */
#define FZ_BIG_MAX	4000		/* "oversized" attributes, bytes */
#define FZ_DETAIL_MAX	12		/* failures printed in full */
#define FZ_NOTE_MAX	8		/* notes printed in full */
#define FZ_KINDS_MAX	96
#define FZ_EXAMPLES_MAX	24		/* distinct extack messages kept */
#define FZ_ERRNO_MAX	160
#define FZ_TIMEOUT_S	3
#define FZ_TIMEOUTS_MAX	3		/* in a row: the kernel stopped answering */
#define FZ_HEX_MAX	512		/* bytes of a message shown in a report */
#define FZ_OP_EXISTS	0x10000		/* in fz.ops[], beside the GENL_* flags */

enum fz_mode {
	FZ_MALFORMED,
	FZ_MIXED,
	FZ_EPERM,
	FZ_DUMP_SETTINGS,
};

static const char *const fz_mode_names[] = {
	[FZ_MALFORMED] = "malformed-only",
	[FZ_MIXED] = "mixed",
	[FZ_EPERM] = "expect-eperm",
	[FZ_DUMP_SETTINGS] = "dump-settings",
};

/* What the kernel must do with a message. */
enum fz_expect {
	FZ_REFUSE,	/* an error reply; accepted or silence is a failure */
	FZ_DROP,	/* broken nlmsghdr: silence (an error is fine too) */
	FZ_VALID,	/* a valid request: accepted, else a note */
	FZ_LENIENT,	/* valid payload, odd header: either way, a note */
};

/* Attribute value kinds, as the uapi header documents them. */
enum fz_type {
	T_NONE,
	T_U8,
	T_U16,
	T_U32,
	T_U64,
	T_STR,
	T_BIN,
	T_FLAG,
	T_NEST,
};

/**
 * struct fz_attr - a top-level attribute as documented in the uapi header
 * @name: for reports
 * @type: value kind
 * @min: smallest valid value (integers)
 * @max: largest valid value (integers); byte length (binary)
 * @set: a request attribute of SETTINGS_SET
 */
struct fz_attr {
	const char *name;
	enum fz_type type;
	uint64_t min;
	uint64_t max;
	bool set;
};

static const struct fz_attr fz_attrs[LIVEMIG_A_MAX + 1] = {
	[LIVEMIG_A_VERSION_MODULE] = { "VERSION_MODULE", T_STR, 0, LIVEMIG_VERSION_STR_MAX, false },
	[LIVEMIG_A_VERSION_GENL] = { "VERSION_GENL", T_U32, 0, UINT32_MAX, false },
	[LIVEMIG_A_VERSION_PROTO] = { "VERSION_PROTO", T_U32, 0, UINT32_MAX, false },
	[LIVEMIG_A_VERSION_PROTO_MIN] = { "VERSION_PROTO_MIN", T_U32, 0, UINT32_MAX, false },
	[LIVEMIG_A_ENABLED] = { "ENABLED", T_U8, 0, 1, true },
	[LIVEMIG_A_MAX_MIGRATIONS] = { "MAX_MIGRATIONS", T_U32, 1, LIVEMIG_MAX_MIGRATIONS_MAX, true },
	[LIVEMIG_A_NETWORK_MODE] = { "NETWORK_MODE", T_U8, 0, __LIVEMIG_NETWORK_MAX - 1, true },
	[LIVEMIG_A_NETWORKS] = { "NETWORKS", T_NEST, 0, LIVEMIG_NETWORKS_MAX, true },
	[LIVEMIG_A_NETWORK] = { "NETWORK", T_NEST, 0, 0, false },
	[LIVEMIG_A_AUTH] = { "AUTH", T_U8, 0, __LIVEMIG_AUTH_MAX - 1, true },
	[LIVEMIG_A_PSK] = { "PSK", T_BIN, 0, LIVEMIG_PSK_LEN, true },
	[LIVEMIG_A_PSK_FILE] = { "PSK_FILE", T_STR, 0, LIVEMIG_PATH_MAX, true },
	[LIVEMIG_A_PSK_PRESENT] = { "PSK_PRESENT", T_FLAG, 0, 0, false },
	[LIVEMIG_A_PSK_FINGERPRINT] = { "PSK_FINGERPRINT", T_BIN, 0, LIVEMIG_PSK_FPR_LEN, false },
	[LIVEMIG_A_PERFORMANCE] = { "PERFORMANCE", T_U8, 0, __LIVEMIG_PERF_MAX - 1, true },
	[LIVEMIG_A_COMPRESSION] = { "COMPRESSION", T_U8, 0, __LIVEMIG_COMPRESS_MAX - 1, true },
	[LIVEMIG_A_COMPRESSION_LEVEL] = { "COMPRESSION_LEVEL", T_U8, 0, LIVEMIG_ZSTD_LEVEL_MAX, true },
	[LIVEMIG_A_STREAMS] = { "STREAMS", T_U32, 1, LIVEMIG_STREAMS_MAX, true },
	[LIVEMIG_A_PORT] = { "PORT", T_U16, 1, 65535, true },
	[LIVEMIG_A_HOST_NAME] = { "HOST_NAME", T_STR, 0, LIVEMIG_HOST_NAME_MAX, true },
	[LIVEMIG_A_HOST_NAME_DEFAULT] = { "HOST_NAME_DEFAULT", T_FLAG, 0, 0, false },
	[LIVEMIG_A_BANDWIDTH] = { "BANDWIDTH", T_U64, 0, UINT64_MAX, true },
	[LIVEMIG_A_DOWNTIME_MS] = { "DOWNTIME_MS", T_U32, 1, LIVEMIG_DOWNTIME_MS_MAX, true },
	[LIVEMIG_A_LISTENERS] = { "LISTENERS", T_NEST, 0, 0, false },
	[LIVEMIG_A_LISTENER] = { "LISTENER", T_NEST, 0, 0, false },
};

/* Commands that take no attribute at all. */
static bool fz_cmd_no_attrs(unsigned int cmd)
{
	return cmd == LIVEMIG_CMD_GET_VERSION || cmd == LIVEMIG_CMD_SETTINGS_GET;
}

/**
 * struct fz_sub - one netlink message of a datagram
 * @seq: its sequence number
 * @cmd: genl command
 * @short_hdr: nlmsg_len shorter than the genl header
 * @drop: nlmsghdr broken so that netlink drops it silently
 * @odd_hdr: genl reserved byte set or nlmsg flags beyond the core's
 * @dump: NLM_F_DUMP to a command that has a dumpit
 * @dump_done: the dump ended (NLMSG_DONE or an error)
 * @accepted: ack 0, a reply or NLMSG_DONE 0 came back
 * @err: the negative errno of an error reply, 0 if none
 * @ext_msg: the error's extack message, if any
 */
struct fz_sub {
	uint32_t seq;
	uint8_t cmd;
	bool short_hdr;
	bool drop;
	bool odd_hdr;
	bool dump;
	bool dump_done;
	bool accepted;
	int err;
	char ext_msg[160];
};

/**
 * struct fz_setval - an integer a valid SETTINGS_SET carried
 * @type: attribute
 * @val: value sent
 */
struct fz_setval {
	uint16_t type;
	uint64_t val;
};

/**
 * struct fz_msg - the datagram being built and its expectations
 * @buf: bytes to send
 * @len: how many
 * @hdr: offset of the netlink message being built
 * @nest: offsets of the open nests
 * @depth: how many are open
 * @full: something did not fit; the message is thrown away
 * @kind: category, for counts and reports
 * @expect: what the kernel must do
 * @subs: the netlink messages in @buf
 * @nsubs: how many
 * @setv: integers of a valid SETTINGS_SET, checked against the settings
 * @nsetv: how many
 * @kind_buf: room for a @kind made up on the fly
 */
struct fz_msg {
	unsigned char buf[FZ_MSG_MAX];
	size_t len;
	size_t hdr;
	size_t nest[FZ_NEST_MAX];
	int depth;
	bool full;
	const char *kind;
	enum fz_expect expect;
	struct fz_sub subs[FZ_BATCH_MAX];
	int nsubs;
	struct fz_setval setv[LIVEMIG_A_MAX + 1];
	int nsetv;
	char kind_buf[64];
};

/**
 * struct fz_snap - the attributes of a SETTINGS_GET reply
 * @buf: attribute bytes
 * @len: how many; 0 with @valid false means "none taken"
 * @valid: a reply was received
 */
struct fz_snap {
	unsigned char buf[FZ_SNAP_MAX];
	size_t len;
	bool valid;
};

/**
 * struct fz_kind - counts for one category of messages
 * @name: category
 * @sent: datagrams sent
 * @refused: with every message refused
 * @dropped: silently dropped
 * @accepted: with a message accepted
 * @no_msg: error replies without an extack message
 */
struct fz_kind {
	const char *name;
	unsigned long sent, refused, dropped, accepted, no_msg;
};

/**
 * struct fz_example - a distinct extack message seen
 * @err: errno
 * @msg: the kernel's sentence
 * @count: how often
 */
struct fz_example {
	int err;
	char msg[160];
	unsigned long count;
};

/**
 * struct fz_net - a migration network
 * @v6: 16-byte address, else 4
 * @addr: prefix address, network order
 * @plen: prefix length
 */
struct fz_net {
	bool v6;
	uint8_t addr[16];
	uint8_t plen;
};

/**
 * struct fz - one fuzzing run
 * @fd: the NETLINK_GENERIC socket
 * @family: livemig's family id
 * @genl_version: version the family reports
 * @ops: per command: FZ_OP_EXISTS | GENL_* capability flags
 * @mode: what is sent and expected
 * @count: messages to send
 * @seed: of @rng, printed for reproduction
 * @rng: xorshift state
 * @seq: last sequence number used
 * @verbose: print every message's outcome
 * @have_settings: SETTINGS_GET answers; used as the probe
 * @base: settings before the current message
 * @cur: settings after it
 * @msg: the datagram being built
 * @scratch: where a defect is built before it goes into @msg
 * @rx: receive buffer
 * @kinds: counts per category
 * @nkinds: how many categories
 * @by_errno: error replies per errno
 * @no_extack: error replies without an extack message, per errno
 * @examples: distinct extack messages
 * @nexamples: how many
 * @failures: failed checks
 * @notes: things worth a look that fail nothing
 * @timeouts_in_row: probes unanswered in a row
 * @psk_dumped: the key showed up in a SETTINGS_GET reply
 * @n_sent: datagrams sent
 * @n_refused: error replies
 * @n_accepted: accepted messages
 * @n_dropped: silently dropped messages
 * @n_stray: replies that matched nothing
 * @n_timeouts: probes that timed out
 * @n_extack: error replies with an extack message
 * @n_valid: valid requests sent
 * @n_valid_ok: valid requests accepted
 * @n_lenient_ok: odd-header requests accepted
 * @n_lenient: odd-header requests sent
 * @n_enobufs: receive overruns
 */
struct fz {
	int fd;
	uint16_t family;
	uint32_t genl_version;
	uint32_t ops[256];
	enum fz_mode mode;
	unsigned long count;
	uint64_t seed;
	uint64_t rng;
	uint32_t seq;
	int verbose;
	bool have_settings;
	struct fz_snap base, cur;
	struct fz_msg msg, scratch;
	unsigned char rx[FZ_RX_MAX];
	struct fz_kind kinds[FZ_KINDS_MAX];
	int nkinds;
	unsigned long by_errno[FZ_ERRNO_MAX];
	unsigned long no_extack[FZ_ERRNO_MAX];
	struct fz_example examples[FZ_EXAMPLES_MAX];
	int nexamples;
	unsigned long failures, notes;
	int timeouts_in_row;
	bool psk_dumped;
	unsigned long n_sent, n_refused, n_accepted, n_dropped, n_stray;
	unsigned long n_timeouts, n_extack, n_valid, n_valid_ok;
	unsigned long n_lenient, n_lenient_ok, n_enobufs;
};

/* ---- randomness ------------------------------------------------------ */

static uint64_t rnd(struct fz *fz)
{
	uint64_t x = fz->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	fz->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd_below(struct fz *fz, uint32_t n)
{
	return n ? (uint32_t)(rnd(fz) % n) : 0;
}

static bool chance(struct fz *fz, unsigned int percent)
{
	return rnd_below(fz, 100) < percent;
}

static void rnd_bytes(struct fz *fz, void *p, size_t len)
{
	unsigned char *b = p;

	while (len--)
		*b++ = (unsigned char)rnd(fz);
}

/* A value in [lo, hi], often one of the bounds. */
static uint64_t rnd_range(struct fz *fz, uint64_t lo, uint64_t hi)
{
	switch (rnd_below(fz, 4)) {
	case 0:
		return lo;
	case 1:
		return hi;
	default:
		if (hi - lo == UINT64_MAX)
			return rnd(fz);
		return lo + rnd(fz) % (hi - lo + 1);
	}
}

/* A length for "oversized": a little over, or up to a few KiB. */
static size_t rnd_big(struct fz *fz, size_t over)
{
	if (chance(fz, 50))
		return over + rnd_below(fz, 8);
	return over + rnd_below(fz, FZ_BIG_MAX - over);
}

/* ---- building messages ----------------------------------------------- */

static void m_reset(struct fz_msg *m, const char *kind, enum fz_expect expect)
{
	m->len = 0;
	m->hdr = 0;
	m->depth = 0;
	m->full = false;
	m->kind = kind;
	m->expect = expect;
	m->nsubs = 0;
	m->nsetv = 0;
}

static bool m_room(struct fz_msg *m, size_t need)
{
	if (m->full || m->len + need > sizeof(m->buf)) {
		m->full = true;
		return false;
	}
	return true;
}

static struct nlmsghdr *m_nlh(struct fz_msg *m)
{
	return (struct nlmsghdr *)(m->buf + m->hdr);
}

static struct genlmsghdr *m_genl(struct fz_msg *m)
{
	return NLMSG_DATA(m_nlh(m));
}

static struct fz_sub *m_sub(struct fz_msg *m)
{
	return &m->subs[m->nsubs - 1];
}

/* Start a netlink message to the family, aligned after what is there. */
static void m_begin(struct fz *fz, struct fz_msg *m, uint16_t flags, uint8_t cmd)
{
	size_t off = NLMSG_ALIGN(m->len);
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	struct fz_sub *s;

	if (m->nsubs == FZ_BATCH_MAX ||
	    off + NLMSG_HDRLEN + GENL_HDRLEN > sizeof(m->buf)) {
		m->full = true;
		return;
	}
	memset(m->buf + m->len, 0, off - m->len + NLMSG_HDRLEN + GENL_HDRLEN);
	nlh = (struct nlmsghdr *)(m->buf + off);
	nlh->nlmsg_type = fz->family;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = ++fz->seq;
	g = NLMSG_DATA(nlh);
	g->cmd = cmd;
	g->version = LIVEMIG_GENL_VERSION;
	m->hdr = off;
	m->len = off + NLMSG_HDRLEN + GENL_HDRLEN;
	m->depth = 0;

	s = &m->subs[m->nsubs++];
	memset(s, 0, sizeof(*s));
	s->seq = nlh->nlmsg_seq;
	s->cmd = cmd;
	s->dump = (flags & NLM_F_DUMP) == NLM_F_DUMP &&
		  (fz->ops[cmd] & GENL_CMD_CAP_DUMP);
}

/* Close the message: nlmsg_len covers everything written since m_begin. */
static void m_end(struct fz_msg *m)
{
	if (m->full)
		return;
	m_nlh(m)->nlmsg_len = (uint32_t)(m->len - m->hdr);
}

static void m_raw(struct fz_msg *m, const void *data, size_t len)
{
	if (!m_room(m, len))
		return;
	memcpy(m->buf + m->len, data, len);
	m->len += len;
}

/* An attribute whose nla_len says @nla_len whatever the payload. */
static void m_attr_lie(struct fz_msg *m, uint16_t type, uint16_t nla_len,
		       const void *data, size_t len)
{
	struct nlattr nla = { .nla_len = nla_len, .nla_type = type };

	m_raw(m, &nla, sizeof(nla));
	if (len)
		m_raw(m, data, len);
}

static void m_attr(struct fz_msg *m, uint16_t type, const void *data, size_t len)
{
	static const unsigned char pad[NLA_ALIGNTO];
	struct nlattr nla = { .nla_type = type };

	if (len > 0xffff - NLA_HDRLEN || !m_room(m, NLA_HDRLEN + NLA_ALIGN(len))) {
		m->full = true;
		return;
	}
	nla.nla_len = (uint16_t)(NLA_HDRLEN + len);
	m_raw(m, &nla, sizeof(nla));
	if (len)
		m_raw(m, data, len);
	m_raw(m, pad, NLA_ALIGN(len) - len);
}

/* An integer of @size bytes (host order, as the kernel reads it). */
static void m_int(struct fz_msg *m, uint16_t type, uint64_t v, size_t size)
{
	union {
		uint8_t u8;
		uint16_t u16;
		uint32_t u32;
		uint64_t u64;
		unsigned char b[16];
	} u;

	memset(&u, 0, sizeof(u));
	switch (size) {
	case 1:
		u.u8 = (uint8_t)v;
		break;
	case 2:
		u.u16 = (uint16_t)v;
		break;
	case 4:
		u.u32 = (uint32_t)v;
		break;
	case 8:
		u.u64 = v;
		break;
	default:
		memcpy(u.b, &v, size < sizeof(v) ? size : sizeof(v));
		break;
	}
	m_attr(m, type, u.b, size);
}

static void m_nest_begin(struct fz_msg *m, uint16_t type)
{
	if (m->depth == FZ_NEST_MAX) {
		m->full = true;
		return;
	}
	m->nest[m->depth++] = m->len;
	m_attr(m, type, NULL, 0);
}

static void m_nest_end(struct fz_msg *m)
{
	struct nlattr *nla;
	size_t len;

	if (!m->depth)
		return;
	len = m->len - m->nest[--m->depth];
	if (m->full || len > 0xffff) {
		m->full = true;
		return;
	}
	nla = (struct nlattr *)(m->buf + m->nest[m->depth]);
	nla->nla_len = (uint16_t)len;
	/* junk inside may leave it unaligned: what follows starts aligned */
	if (m_room(m, NLA_ALIGN(len) - len)) {
		memset(m->buf + m->len, 0, NLA_ALIGN(len) - len);
		m->len += NLA_ALIGN(len) - len;
	}
}

/* ---- attribute values ------------------------------------------------ */

static size_t fz_type_size(enum fz_type t)
{
	switch (t) {
	case T_U8:
		return 1;
	case T_U16:
		return 2;
	case T_U32:
		return 4;
	case T_U64:
		return 8;
	default:
		return 0;
	}
}

static uint64_t fz_type_limit(enum fz_type t)
{
	size_t size = fz_type_size(t);

	return size == 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
}

static const char fz_name_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

static void rnd_chars(struct fz *fz, char *s, size_t len, const char *set)
{
	size_t n = strlen(set);

	while (len--)
		*s++ = set[rnd_below(fz, (uint32_t)n)];
}

/* A host name of @len valid characters, NUL-terminated. */
static void rnd_host_name(struct fz *fz, char *s, size_t len)
{
	rnd_chars(fz, s, len, fz_name_chars);
	s[len] = '\0';
}

/* An absolute path of @len bytes, NUL-terminated. */
static void rnd_path(struct fz *fz, char *s, size_t len)
{
	rnd_chars(fz, s, len, "abcdefghijklmnopqrstuvwxyz0123456789/._-");
	if (len)
		s[0] = '/';
	s[len] = '\0';
}

static void rnd_net(struct fz *fz, struct fz_net *n, bool v6)
{
	unsigned int bits, i;

	memset(n, 0, sizeof(*n));
	n->v6 = v6;
	bits = v6 ? 128 : 32;
	n->plen = (uint8_t)rnd_range(fz, 0, bits);
	rnd_bytes(fz, n->addr, bits / 8);
	for (i = n->plen; i < bits; i++)
		n->addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

/* A network whose prefix has host bits set; false if none can. */
static void rnd_net_host_bits(struct fz *fz, struct fz_net *n, bool v6)
{
	unsigned int bits = v6 ? 128 : 32, bit;

	rnd_net(fz, n, v6);
	if (n->plen == bits)
		n->plen = (uint8_t)rnd_below(fz, bits);
	bit = n->plen + rnd_below(fz, bits - n->plen);
	n->addr[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
}

static size_t fz_net_len(const struct fz_net *n)
{
	return n->v6 ? 16 : 4;
}

/*
 * A well-formed LIVEMIG_A_NETWORK nest (with @type), fields in any order,
 * with a priority half of the time when @prio allows one.
 */
static void m_network_prio(struct fz *fz, struct fz_msg *m, uint16_t type,
			   const struct fz_net *n, bool prio)
{
	unsigned int first = rnd_below(fz, 3), i;

	prio = prio && chance(fz, 50);

	m_nest_begin(m, type | NLA_F_NESTED);
	for (i = 0; i < 3; i++) {
		switch ((first + i) % 3) {
		case 0:
			m_attr(m, LIVEMIG_NETWORK_A_ADDR, n->addr, fz_net_len(n));
			break;
		case 1:
			m_int(m, LIVEMIG_NETWORK_A_PREFIX_LEN, n->plen, 1);
			break;
		case 2:
			if (prio)
				m_int(m, LIVEMIG_NETWORK_A_PRIORITY,
				      rnd_range(fz, 0, UINT32_MAX), 4);
			break;
		}
	}
	m_nest_end(m);
}

static void m_network(struct fz *fz, struct fz_msg *m, uint16_t type,
		      const struct fz_net *n)
{
	m_network_prio(fz, m, type, n, true);
}

static bool fz_net_eq(const struct fz_net *a, const struct fz_net *b)
{
	return a->v6 == b->v6 && a->plen == b->plen &&
	       !memcmp(a->addr, b->addr, fz_net_len(a));
}

/* A list of @n distinct valid networks in a LIVEMIG_A_NETWORKS nest. */
static void m_networks(struct fz *fz, struct fz_msg *m, unsigned int n)
{
	struct fz_net nets[LIVEMIG_NETWORKS_MAX + 1];
	unsigned int i, j;

	m_nest_begin(m, LIVEMIG_A_NETWORKS | NLA_F_NESTED);
	for (i = 0; i < n && i < LIVEMIG_NETWORKS_MAX + 1; i++) {
again:
		rnd_net(fz, &nets[i], chance(fz, 30));
		for (j = 0; j < i; j++)
			if (fz_net_eq(&nets[i], &nets[j]))
				goto again;
		m_network(fz, m, LIVEMIG_A_NETWORK, &nets[i]);
	}
	m_nest_end(m);
}

/* A valid value for request attribute @type of SETTINGS_SET. */
static void m_valid_attr(struct fz *fz, struct fz_msg *m, uint16_t type)
{
	const struct fz_attr *a = &fz_attrs[type];
	char s[LIVEMIG_PATH_MAX];
	unsigned char psk[LIVEMIG_PSK_LEN];
	uint64_t v;

	switch (a->type) {
	case T_U8:
	case T_U16:
	case T_U32:
	case T_U64:
		v = rnd_range(fz, a->min, a->max);
		m_int(m, type, v, fz_type_size(a->type));
		if (m->nsetv <= LIVEMIG_A_MAX)
			m->setv[m->nsetv++] = (struct fz_setval){ type, v };
		break;
	case T_BIN:
		rnd_bytes(fz, psk, sizeof(psk));
		m_attr(m, type, psk, a->max);
		break;
	case T_STR:
		if (type == LIVEMIG_A_HOST_NAME) {
			/* "" restores the default name */
			rnd_host_name(fz, s, rnd_range(fz, 0, LIVEMIG_HOST_NAME_MAX - 1));
		} else {
			rnd_path(fz, s, chance(fz, 80) ? 1 + rnd_below(fz, 60) :
				 rnd_range(fz, 1, LIVEMIG_PATH_MAX - 1));
		}
		m_attr(m, type, s, strlen(s) + 1);
		break;
	case T_NEST:
		m_networks(fz, m, chance(fz, 20) ? 0 : 1 + rnd_below(fz, 4));
		break;
	default:
		break;
	}
}

/* An attribute number the family does not know. */
static uint16_t rnd_unknown_type(struct fz *fz)
{
	static const uint16_t fixed[] = { 0, LIVEMIG_A_MAX + 1, 0xffff, 0x7fff,
					  0x3fff, __LIVEMIG_A_MAX + 100 };
	uint16_t t;

	if (chance(fz, 60))
		t = fixed[rnd_below(fz, sizeof(fixed) / sizeof(fixed[0]))];
	else
		t = (uint16_t)(LIVEMIG_A_MAX + 1 +
			       rnd_below(fz, NLA_TYPE_MASK - LIVEMIG_A_MAX));
	if (chance(fz, 30))
		t |= NLA_F_NESTED;
	return t;
}

/* An attribute of unknown number with random (maybe nested) content. */
static void m_unknown_attr(struct fz *fz, struct fz_msg *m)
{
	unsigned char junk[64];
	uint16_t t = rnd_unknown_type(fz);
	size_t len = rnd_below(fz, sizeof(junk));

	if (chance(fz, 30)) {
		m_nest_begin(m, t);
		m_int(m, LIVEMIG_A_ENABLED, 1, 1);
		m_nest_end(m);
		return;
	}
	rnd_bytes(fz, junk, len);
	m_attr(m, t, junk, len);
}

/* ---- defects ---------------------------------------------------------- */

/*
 * Defects of a LIVEMIG_A_NETWORK entry. Each makes the entry invalid by the
 * uapi header alone: the policy or the handler must refuse it.
 */
enum fz_net_defect {
	ND_EMPTY,		/* no field at all */
	ND_NO_ADDR,
	ND_NO_PLEN,
	ND_ADDR_LEN,		/* neither 4 nor 16 bytes */
	ND_PLEN_LEN,		/* PREFIX_LEN not 1 byte */
	ND_PLEN_RANGE,		/* > 32 or > 128 */
	ND_HOST_BITS,
	ND_PRIO_LEN,
	ND_UNKNOWN,		/* an attribute number beyond PRIORITY */
	ND_FLAG_NESTED,		/* NLA_F_NESTED on a plain field */
	ND_NOT_NESTED,		/* the entry without NLA_F_NESTED */
	ND_TRAILING,		/* 1..3 bytes after the fields */
	ND_OVERFLOW,		/* a field longer than the nest */
	ND_NEST_IN_NEST,	/* entries of entries, up to 40 deep */
	ND_GARBAGE,		/* random bytes inside */
	ND_MAX
};

static const char *const fz_net_defect_names[ND_MAX] = {
	"empty", "no-addr", "no-prefix-len", "addr-len", "prefix-len-len",
	"prefix-len-range", "host-bits", "priority-len", "unknown-attr",
	"nested-flag", "not-nested", "trailing", "overflow", "nest-in-nest",
	"garbage",
};

/* A LIVEMIG_A_NETWORK-numbered (@type) entry with defect @d. */
static void m_bad_network(struct fz *fz, struct fz_msg *m, uint16_t type,
			  enum fz_net_defect d)
{
	static const size_t addr_lens[] = { 0, 1, 2, 3, 5, 6, 8, 12, 15, 17, 20, 32 };
	static const size_t small_lens[] = { 0, 2, 3, 4, 8 };
	unsigned char junk[128];
	struct fz_net n;
	size_t len;
	int i, depth;

	rnd_net(fz, &n, chance(fz, 30));
	if (d == ND_HOST_BITS)
		rnd_net_host_bits(fz, &n, n.v6);

	if (d == ND_NEST_IN_NEST) {
		depth = 2 + (int)rnd_below(fz, 39);
		for (i = 0; i < depth; i++)
			m_nest_begin(m, (i & 1 ? LIVEMIG_A_NETWORKS : type) | NLA_F_NESTED);
		m_network(fz, m, LIVEMIG_A_NETWORK, &n);
		for (i = 0; i < depth; i++)
			m_nest_end(m);
		return;
	}
	m_nest_begin(m, d == ND_NOT_NESTED ? type : type | NLA_F_NESTED);
	switch (d) {
	case ND_EMPTY:
		break;
	case ND_NO_ADDR:
		m_int(m, LIVEMIG_NETWORK_A_PREFIX_LEN, n.plen, 1);
		break;
	case ND_NO_PLEN:
		m_attr(m, LIVEMIG_NETWORK_A_ADDR, n.addr, fz_net_len(&n));
		break;
	case ND_ADDR_LEN:
		len = addr_lens[rnd_below(fz, sizeof(addr_lens) / sizeof(addr_lens[0]))];
		rnd_bytes(fz, junk, len);
		m_attr(m, LIVEMIG_NETWORK_A_ADDR, junk, len);
		m_int(m, LIVEMIG_NETWORK_A_PREFIX_LEN, 0, 1);
		break;
	case ND_PLEN_LEN:
		m_attr(m, LIVEMIG_NETWORK_A_ADDR, n.addr, fz_net_len(&n));
		len = small_lens[rnd_below(fz, sizeof(small_lens) / sizeof(small_lens[0]))];
		m_int(m, LIVEMIG_NETWORK_A_PREFIX_LEN, n.plen, len);
		break;
	case ND_PLEN_RANGE:
		m_attr(m, LIVEMIG_NETWORK_A_ADDR, n.addr, fz_net_len(&n));
		m_int(m, LIVEMIG_NETWORK_A_PREFIX_LEN,
		      rnd_range(fz, n.v6 ? 129 : 33, 255), 1);
		break;
	case ND_PRIO_LEN:
		m_attr(m, LIVEMIG_NETWORK_A_ADDR, n.addr, fz_net_len(&n));
		m_int(m, LIVEMIG_NETWORK_A_PREFIX_LEN, n.plen, 1);
		len = small_lens[rnd_below(fz, sizeof(small_lens) / sizeof(small_lens[0]))];
		m_int(m, LIVEMIG_NETWORK_A_PRIORITY, 7, len == 4 ? 1 : len);
		break;
	case ND_UNKNOWN:
		m_attr(m, LIVEMIG_NETWORK_A_ADDR, n.addr, fz_net_len(&n));
		m_int(m, LIVEMIG_NETWORK_A_PREFIX_LEN, n.plen, 1);
		m_int(m, chance(fz, 50) ? LIVEMIG_NETWORK_A_MAX + 1 + rnd_below(fz, 0x3000) :
		      LIVEMIG_NETWORK_A_UNSPEC, rnd(fz), 4);
		break;
	case ND_FLAG_NESTED:
		m_attr(m, LIVEMIG_NETWORK_A_ADDR | (chance(fz, 50) ? NLA_F_NESTED : 0),
		       n.addr, fz_net_len(&n));
		m_int(m, LIVEMIG_NETWORK_A_PREFIX_LEN | NLA_F_NESTED, n.plen, 1);
		break;
	case ND_NOT_NESTED:
		m_attr(m, LIVEMIG_NETWORK_A_ADDR, n.addr, fz_net_len(&n));
		m_int(m, LIVEMIG_NETWORK_A_PREFIX_LEN, n.plen, 1);
		break;
	case ND_TRAILING:
		m_attr(m, LIVEMIG_NETWORK_A_ADDR, n.addr, fz_net_len(&n));
		m_int(m, LIVEMIG_NETWORK_A_PREFIX_LEN, n.plen, 1);
		rnd_bytes(fz, junk, 3);
		m_raw(m, junk, 1 + rnd_below(fz, 3));
		break;
	case ND_OVERFLOW:
		m_int(m, LIVEMIG_NETWORK_A_PREFIX_LEN, n.plen, 1);
		m_attr_lie(m, LIVEMIG_NETWORK_A_ADDR, (uint16_t)(NLA_HDRLEN + 16 + 4 +
			   rnd_below(fz, 0xff00)), n.addr, 16);
		break;
	case ND_GARBAGE:
		len = NLA_HDRLEN + rnd_below(fz, sizeof(junk) - NLA_HDRLEN);
		rnd_bytes(fz, junk, len);
		/* the first field claims more than the nest holds */
		junk[0] = 0xff;
		junk[1] = (unsigned char)(0x80 | junk[1]);
		m_raw(m, junk, len);
		break;
	default:
		break;
	}
	m_nest_end(m);
}

/* Defects of a LIVEMIG_A_NETWORKS list (SETTINGS_SET). */
enum fz_nets_defect {
	NSD_BAD_ENTRY,		/* one entry with a network defect */
	NSD_WRONG_TYPE,		/* an entry numbered other than NETWORK */
	NSD_NOT_NESTED,
	NSD_TOO_MANY,		/* LIVEMIG_NETWORKS_MAX + 1 entries */
	NSD_GARBAGE,
	NSD_TRAILING,
	NSD_MAX
};

static void m_bad_networks(struct fz *fz, struct fz_msg *m)
{
	enum fz_nets_defect d = rnd_below(fz, NSD_MAX);
	unsigned int n = rnd_below(fz, 4), bad = rnd_below(fz, n + 1), i;
	unsigned char junk[64];
	struct fz_net net;
	uint16_t t;

	if (d == NSD_TOO_MANY) {
		m_networks(fz, m, LIVEMIG_NETWORKS_MAX + 1);
		return;
	}
	m_nest_begin(m, d == NSD_NOT_NESTED ? LIVEMIG_A_NETWORKS :
		     LIVEMIG_A_NETWORKS | NLA_F_NESTED);
	for (i = 0; i <= n; i++) {
		rnd_net(fz, &net, chance(fz, 30));
		if (i != bad) {
			m_network(fz, m, LIVEMIG_A_NETWORK, &net);
			continue;
		}
		switch (d) {
		case NSD_BAD_ENTRY:
			m_bad_network(fz, m, LIVEMIG_A_NETWORK, rnd_below(fz, ND_MAX));
			break;
		case NSD_WRONG_TYPE:
			do {
				t = (uint16_t)rnd_below(fz, 0x4000);
			} while (t == LIVEMIG_A_NETWORK);
			m_network(fz, m, t, &net);
			break;
		case NSD_NOT_NESTED:
			m_network(fz, m, LIVEMIG_A_NETWORK, &net);
			break;
		case NSD_GARBAGE:
			rnd_bytes(fz, junk, sizeof(junk));
			junk[0] = 0xf0;
			junk[1] = 0xff;
			m_raw(m, junk, NLA_HDRLEN + rnd_below(fz, sizeof(junk) - NLA_HDRLEN));
			i = n;		/* nothing parses after it */
			break;
		case NSD_TRAILING:
			m_network(fz, m, LIVEMIG_A_NETWORK, &net);
			rnd_bytes(fz, junk, 3);
			m_raw(m, junk, 1 + rnd_below(fz, 3));
			i = n;
			break;
		default:
			break;
		}
	}
	m_nest_end(m);
}

/* Defects of a SETTINGS_SET request. */
enum fz_set_defect {
	SD_LEN,			/* a fixed-size value of the wrong size */
	SD_RANGE,		/* outside the documented bounds */
	SD_NO_NUL,		/* a string without its NUL */
	SD_BIG,			/* string or key longer than allowed */
	SD_STRING,		/* bad host name characters, relative key path */
	SD_PSK_FILE_ALONE,	/* PSK_FILE without PSK */
	SD_UNKNOWN,		/* an attribute number the family lacks */
	SD_REPLY_ONLY,		/* an attribute only replies carry */
	SD_NESTED_FLAG,		/* NLA_F_NESTED on a plain value */
	SD_NETWORKS,		/* a broken network list */
	SD_TRAILING,		/* 1..3 bytes after the last attribute */
	SD_OVERFLOW,		/* nla_len beyond the message */
	SD_UNDERLEN,		/* nla_len below the attribute header */
	SD_MAX
};

static const char *const fz_set_defect_names[SD_MAX] = {
	"set/bad-len", "set/out-of-range", "set/string-no-nul", "set/oversized",
	"set/bad-string", "set/psk-file-alone", "set/unknown-attr",
	"set/reply-only-attr", "set/nested-flag", "set/broken-networks",
	"set/trailing-bytes", "set/nla-len-overflow", "set/nla-len-short",
};

static uint16_t rnd_set_attr(struct fz *fz, enum fz_type want)
{
	uint16_t t;

	do {
		t = (uint16_t)(1 + rnd_below(fz, LIVEMIG_A_MAX));
	} while (!fz_attrs[t].set ||
		 (want == T_U8 && !fz_type_size(fz_attrs[t].type)));
	return t;
}

/* An attribute of SETTINGS_SET with defect @d; returns its number. */
static uint16_t m_set_defect(struct fz *fz, struct fz_msg *m, enum fz_set_defect d)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 8, 16 };
	static const char bad_chars[] = " /\\:@!\t\n\x7f\xc3\xa9%*$;'\"";
	static const uint16_t reply_only[] = {
		LIVEMIG_A_VERSION_MODULE, LIVEMIG_A_VERSION_GENL,
		LIVEMIG_A_VERSION_PROTO, LIVEMIG_A_VERSION_PROTO_MIN,
		LIVEMIG_A_NETWORK, LIVEMIG_A_PSK_PRESENT,
		LIVEMIG_A_PSK_FINGERPRINT, LIVEMIG_A_HOST_NAME_DEFAULT,
		LIVEMIG_A_LISTENERS, LIVEMIG_A_LISTENER,
	};
	char s[FZ_BIG_MAX + 16];
	unsigned char b[FZ_BIG_MAX];
	const struct fz_attr *a;
	struct fz_net n;
	uint16_t t;
	uint64_t v, lim;
	size_t len;

	switch (d) {
	case SD_LEN:
		t = rnd_set_attr(fz, T_U8);
		a = &fz_attrs[t];
		do {
			len = sizes[rnd_below(fz, sizeof(sizes) / sizeof(sizes[0]))];
		} while (len == fz_type_size(a->type));
		m_int(m, t, rnd_range(fz, a->min, a->max), len);
		return t;
	case SD_RANGE:
		do {
			t = rnd_set_attr(fz, T_U8);
			a = &fz_attrs[t];
			lim = fz_type_limit(a->type);
		} while (a->min == 0 && a->max == lim);
		if (a->max < lim && (a->min == 0 || chance(fz, 50)))
			v = rnd_range(fz, a->max + 1, lim);
		else
			v = rnd_range(fz, 0, a->min - 1);
		m_int(m, t, v, fz_type_size(a->type));
		return t;
	case SD_NO_NUL:
		t = chance(fz, 60) ? LIVEMIG_A_HOST_NAME : LIVEMIG_A_PSK_FILE;
		len = rnd_below(fz, 64);
		if (t == LIVEMIG_A_HOST_NAME)
			rnd_host_name(fz, s, len);
		else
			rnd_path(fz, s, len);
		m_attr(m, t, s, len);
		return t;
	case SD_BIG:
		switch (rnd_below(fz, 3)) {
		case 0:
			t = LIVEMIG_A_HOST_NAME;
			rnd_host_name(fz, s, rnd_big(fz, LIVEMIG_HOST_NAME_MAX));
			m_attr(m, t, s, strlen(s) + 1);
			break;
		case 1:
			t = LIVEMIG_A_PSK_FILE;
			rnd_path(fz, s, rnd_big(fz, LIVEMIG_PATH_MAX));
			m_attr(m, t, s, strlen(s) + 1);
			break;
		default:
			t = LIVEMIG_A_PSK;
			len = chance(fz, 50) ? rnd_below(fz, LIVEMIG_PSK_LEN) :
			      rnd_big(fz, LIVEMIG_PSK_LEN + 1);
			rnd_bytes(fz, b, len);
			m_attr(m, t, b, len);
			break;
		}
		return t;
	case SD_STRING:
		if (chance(fz, 60)) {
			t = LIVEMIG_A_HOST_NAME;
			len = 1 + rnd_below(fz, LIVEMIG_HOST_NAME_MAX - 1);
			rnd_host_name(fz, s, len);
			/* ASCII punctuation and controls, or any byte above 0x7e */
			s[rnd_below(fz, (uint32_t)len)] = chance(fz, 50) ?
				bad_chars[rnd_below(fz, sizeof(bad_chars) - 1)] :
				(char)(0x7f + rnd_below(fz, 0x81));
		} else {
			/* relative: never starts with '/' ("" means no file) */
			t = LIVEMIG_A_PSK_FILE;
			len = 1 + rnd_below(fz, 40);
			rnd_chars(fz, s, len, "abcdefghijklmnopqrstuvwxyz._-");
			s[len] = '\0';
			rnd_bytes(fz, b, LIVEMIG_PSK_LEN);
			m_attr(m, LIVEMIG_A_PSK, b, LIVEMIG_PSK_LEN);
		}
		m_attr(m, t, s, strlen(s) + 1);
		return t;
	case SD_PSK_FILE_ALONE:
		rnd_path(fz, s, 1 + rnd_below(fz, 60));
		m_attr(m, LIVEMIG_A_PSK_FILE, s, strlen(s) + 1);
		return LIVEMIG_A_PSK_FILE;
	case SD_UNKNOWN:
		m_unknown_attr(fz, m);
		return 0;
	case SD_REPLY_ONLY:
		t = reply_only[rnd_below(fz, sizeof(reply_only) / sizeof(reply_only[0]))];
		a = &fz_attrs[t];
		switch (a->type) {
		case T_U32:
			m_int(m, t, LIVEMIG_GENL_VERSION, 4);
			break;
		case T_STR:
			m_attr(m, t, "1.0.0", 6);
			break;
		case T_BIN:
			rnd_bytes(fz, b, a->max);
			m_attr(m, t, b, a->max);
			break;
		case T_FLAG:
			m_attr(m, t, NULL, 0);
			break;
		default:
			rnd_net(fz, &n, false);
			if (t == LIVEMIG_A_NETWORK) {
				m_network(fz, m, t, &n);
			} else {
				m_nest_begin(m, t | NLA_F_NESTED);
				m_attr(m, LIVEMIG_LISTENER_A_ADDR, n.addr, 4);
				m_int(m, LIVEMIG_LISTENER_A_PORT, LIVEMIG_PORT_DEFAULT, 2);
				m_nest_end(m);
			}
			break;
		}
		return t;
	case SD_NESTED_FLAG:
		t = rnd_set_attr(fz, T_U8);
		a = &fz_attrs[t];
		m_int(m, t | NLA_F_NESTED, rnd_range(fz, a->min, a->max),
		      fz_type_size(a->type));
		return t;
	case SD_NETWORKS:
		m_bad_networks(fz, m);
		return LIVEMIG_A_NETWORKS;
	case SD_TRAILING:
		rnd_bytes(fz, b, 3);
		m_raw(m, b, 1 + rnd_below(fz, 3));
		return 0;
	case SD_OVERFLOW:
		t = rnd_set_attr(fz, T_NONE);
		len = rnd_below(fz, 16);
		rnd_bytes(fz, b, len);
		m_attr_lie(m, t, (uint16_t)(NLA_HDRLEN + len + 1 + rnd_below(fz, 0xfff0 - len)),
			   b, len);
		return t;
	case SD_UNDERLEN:
		t = chance(fz, 50) ? rnd_set_attr(fz, T_NONE) : rnd_unknown_type(fz);
		rnd_bytes(fz, b, 8);
		m_attr_lie(m, t, (uint16_t)rnd_below(fz, NLA_HDRLEN), b, rnd_below(fz, 9));
		return t;
	default:
		return 0;
	}
}

/* Defects that end the attribute stream: nothing valid may follow. */
static bool fz_set_defect_last(enum fz_set_defect d)
{
	return d == SD_TRAILING || d == SD_OVERFLOW || d == SD_UNDERLEN;
}

/*
 * A SETTINGS_SET: a random subset of valid attributes in random order,
 * with defect @d at a random place (@d == SD_MAX: a valid request). The
 * attribute a defect is about never comes a second time, valid, since the
 * handler would only see the last one.
 */
static void gen_set(struct fz *fz, struct fz_msg *m, uint16_t flags, int d)
{
	struct fz_msg *x = &fz->scratch;
	uint16_t items[LIVEMIG_A_MAX + 1], skip = 0, t;
	bool use[LIVEMIG_A_MAX + 1];
	unsigned int n = 0, i, j, pos;

	if (d < SD_MAX) {
		m_reset(x, "", FZ_REFUSE);
		skip = m_set_defect(fz, x, d);
		if (x->full) {
			m->full = true;
			return;
		}
	}
	for (t = 0; t <= LIVEMIG_A_MAX; t++)
		use[t] = t && fz_attrs[t].set && t != skip && chance(fz, 30);
	if (d == SD_NO_NUL || d == SD_BIG || d == SD_STRING || d == SD_PSK_FILE_ALONE)
		use[LIVEMIG_A_PSK] = use[LIVEMIG_A_PSK_FILE] = use[LIVEMIG_A_HOST_NAME] = false;
	/* PSK_FILE only together with a PSK */
	if (use[LIVEMIG_A_PSK_FILE])
		use[LIVEMIG_A_PSK] = true;
	/* a valid level needs zstd (a new algorithm resets the level) */
	if (d == SD_MAX && use[LIVEMIG_A_COMPRESSION_LEVEL])
		use[LIVEMIG_A_COMPRESSION] = true;
	for (t = 1; t <= LIVEMIG_A_MAX; t++)
		if (use[t])
			items[n++] = t;
	for (i = 0; i < n; i++) {
		j = i + rnd_below(fz, n - i);
		t = items[i];
		items[i] = items[j];
		items[j] = t;
	}

	m_begin(fz, m, flags, LIVEMIG_CMD_SETTINGS_SET);
	pos = d < SD_MAX && !fz_set_defect_last(d) ? rnd_below(fz, n + 1) : n;
	for (i = 0; i <= n; i++) {
		if (i == pos && d < SD_MAX)
			m_raw(m, x->buf, x->len);
		if (i == n)
			break;
		if (d == SD_MAX && items[i] == LIVEMIG_A_COMPRESSION &&
		    use[LIVEMIG_A_COMPRESSION_LEVEL]) {
			m_int(m, LIVEMIG_A_COMPRESSION, LIVEMIG_COMPRESS_ZSTD, 1);
			m->setv[m->nsetv++] = (struct fz_setval){ LIVEMIG_A_COMPRESSION,
								  LIVEMIG_COMPRESS_ZSTD };
			continue;
		}
		m_valid_attr(fz, m, items[i]);
	}
	m_end(m);
	if (d < SD_MAX)
		m->nsetv = 0;
}

/* Defects of NETWORK_ADD and NETWORK_DEL requests. */
enum fz_nreq_defect {
	NRD_ENTRY,		/* the entry has a network defect */
	NRD_NONE,		/* no LIVEMIG_A_NETWORK at all */
	NRD_EXTRA,		/* a SETTINGS_SET attribute beside it */
	NRD_UNKNOWN,		/* an unknown attribute beside it */
	NRD_TRAILING,
	NRD_OVERFLOW,
	NRD_DEL_PRIORITY,	/* NETWORK_DEL names no priority */
	NRD_MAX
};

static const char *const fz_nreq_defect_names[NRD_MAX] = {
	"entry", "no-network", "extra-attr", "unknown-attr", "trailing-bytes",
	"nla-len-overflow", "priority",
};

/* NETWORK_ADD or NETWORK_DEL with a defect; its kind goes to @kind. */
static void gen_network_bad(struct fz *fz, struct fz_msg *m, uint16_t flags,
			    char *kind, size_t kind_len)
{
	uint8_t cmd = chance(fz, 60) ? LIVEMIG_CMD_NETWORK_ADD : LIVEMIG_CMD_NETWORK_DEL;
	enum fz_nreq_defect d = rnd_below(fz, NRD_MAX);
	uint32_t prio = (uint32_t)rnd(fz);
	enum fz_net_defect nd = rnd_below(fz, ND_MAX);
	unsigned char junk[8] = { 0 };
	struct fz_net n;
	bool before = chance(fz, 50);

	rnd_net(fz, &n, chance(fz, 30));
	m_begin(fz, m, flags, cmd);
	switch (d) {
	case NRD_ENTRY:
		m_bad_network(fz, m, LIVEMIG_A_NETWORK, nd);
		break;
	case NRD_NONE:
		break;
	case NRD_EXTRA:
	case NRD_UNKNOWN:
		if (!before)
			m_network(fz, m, LIVEMIG_A_NETWORK, &n);
		if (d == NRD_EXTRA)
			m_valid_attr(fz, m, rnd_set_attr(fz, T_NONE));
		else
			m_unknown_attr(fz, m);
		if (before)
			m_network(fz, m, LIVEMIG_A_NETWORK, &n);
		break;
	case NRD_TRAILING:
		m_network(fz, m, LIVEMIG_A_NETWORK, &n);
		rnd_bytes(fz, junk, sizeof(junk));
		m_raw(m, junk, 1 + rnd_below(fz, 3));
		break;
	case NRD_OVERFLOW:
		m_network(fz, m, LIVEMIG_A_NETWORK, &n);
		m_attr_lie(m, LIVEMIG_A_NETWORK | NLA_F_NESTED,
			   (uint16_t)(NLA_HDRLEN + 8 + rnd_below(fz, 0xff00)), junk, 4);
		break;
	case NRD_DEL_PRIORITY:
		cmd = LIVEMIG_CMD_NETWORK_DEL;
		m_genl(m)->cmd = cmd;
		m_sub(m)->cmd = cmd;
		m_nest_begin(m, LIVEMIG_A_NETWORK | NLA_F_NESTED);
		m_int(m, LIVEMIG_NETWORK_A_PRIORITY, prio, 4);
		m_attr(m, LIVEMIG_NETWORK_A_ADDR, n.addr, fz_net_len(&n));
		m_int(m, LIVEMIG_NETWORK_A_PREFIX_LEN, n.plen, 1);
		m_nest_end(m);
		break;
	default:
		break;
	}
	m_end(m);
	m->nsetv = 0;
	snprintf(kind, kind_len, "%s/%s%s%s",
		 cmd == LIVEMIG_CMD_NETWORK_ADD ? "network-add" : "network-del",
		 fz_nreq_defect_names[d], d == NRD_ENTRY ? "/" : "",
		 d == NRD_ENTRY ? fz_net_defect_names[nd] : "");
}

/* ---- the local strict parser: is a random attribute stream refused? ---- */

/*
 * True if the kernel's strict parser must refuse @len bytes of attributes
 * for @cmd whatever the family's policy says: the stream does not parse,
 * or names an attribute the family does not have.
 */
static bool fz_stream_refused(const unsigned char *p, size_t len, uint8_t cmd)
{
	const struct nlattr *nla;
	int rem = (int)len;
	unsigned int t;

	if (fz_cmd_no_attrs(cmd) && len)
		return true;
	while (rem >= NLA_HDRLEN) {
		nla = (const struct nlattr *)p;
		if (nla->nla_len < NLA_HDRLEN || nla->nla_len > rem)
			break;
		t = nla->nla_type & NLA_TYPE_MASK;
		if (t == 0 || t > LIVEMIG_A_MAX)
			return true;
		if (fz_attrs[t].type != T_NEST && (nla->nla_type & NLA_F_NESTED))
			return true;
		if (fz_attrs[t].type == T_NEST && !(nla->nla_type & NLA_F_NESTED))
			return true;
		rem -= NLA_ALIGN(nla->nla_len);
		p += NLA_ALIGN(nla->nla_len);
	}
	return rem > 0;
}

/* ---- generators --------------------------------------------------------- */

static uint16_t fz_req_flags(struct fz *fz)
{
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;

	if (chance(fz, 5))
		flags |= NLM_F_ECHO;
	return flags;
}

/* A command number the family has no operation for. */
static uint8_t rnd_unknown_cmd(struct fz *fz)
{
	static const uint8_t fixed[] = { LIVEMIG_CMD_UNSPEC, LIVEMIG_CMD_SETTINGS_NTF,
					 LIVEMIG_CMD_MAX + 1, 255 };
	uint8_t cmd;

	do {
		if (chance(fz, 60))
			cmd = fixed[rnd_below(fz, sizeof(fixed) / sizeof(fixed[0]))];
		else
			cmd = (uint8_t)rnd_below(fz, 256);
	} while (fz->ops[cmd] & FZ_OP_EXISTS);
	return cmd;
}

/* A command the family has (a random one if it has none). */
static uint8_t rnd_known_cmd(struct fz *fz)
{
	unsigned int i, n = 0;
	uint8_t cmds[256];

	for (i = 0; i < 256; i++)
		if (fz->ops[i] & FZ_OP_EXISTS)
			cmds[n++] = (uint8_t)i;
	return n ? cmds[rnd_below(fz, n)] : (uint8_t)rnd_below(fz, 256);
}

/* A read-only command (GET_VERSION or SETTINGS_GET, when it exists). */
static uint8_t rnd_get_cmd(struct fz *fz)
{
	if ((fz->ops[LIVEMIG_CMD_SETTINGS_GET] & FZ_OP_EXISTS) && chance(fz, 50))
		return LIVEMIG_CMD_SETTINGS_GET;
	return LIVEMIG_CMD_GET_VERSION;
}

/* A message to a command that takes no attribute, with attributes. */
static void gen_get_attrs(struct fz *fz, struct fz_msg *m)
{
	unsigned char junk[8];
	unsigned int n = 1 + rnd_below(fz, 3), i;

	m_begin(fz, m, fz_req_flags(fz), rnd_get_cmd(fz));
	switch (rnd_below(fz, 4)) {
	case 0:		/* attributes that exist, with valid values */
		for (i = 0; i < n; i++)
			m_valid_attr(fz, m, rnd_set_attr(fz, T_NONE));
		m->kind = "get/valid-attrs";
		break;
	case 1:
		for (i = 0; i < n; i++)
			m_unknown_attr(fz, m);
		m->kind = "get/unknown-attrs";
		break;
	case 2:
		rnd_bytes(fz, junk, sizeof(junk));
		m_raw(m, junk, 1 + rnd_below(fz, 3));
		m->kind = "get/trailing-bytes";
		break;
	default:
		m_bad_networks(fz, m);
		m->kind = "get/broken-networks";
		break;
	}
	m_end(m);
}

/* An unknown command, or the notification, with settings-like content. */
static void gen_bad_cmd(struct fz *fz, struct fz_msg *m)
{
	uint8_t cmd = rnd_unknown_cmd(fz);
	unsigned int n = rnd_below(fz, 4), i;

	m_begin(fz, m, fz_req_flags(fz), cmd);
	for (i = 0; i < n; i++)
		m_valid_attr(fz, m, rnd_set_attr(fz, T_NONE));
	m_end(m);
	m->kind = cmd == LIVEMIG_CMD_SETTINGS_NTF ? "cmd/settings-ntf-as-request" :
		  cmd == 0 ? "cmd/unspec" : "cmd/unknown";
}

/* NLM_F_DUMP on a command that only has a doit, with a valid payload. */
static bool gen_dump_on_do(struct fz *fz, struct fz_msg *m)
{
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP;
	uint8_t cmds[256], cmd;
	unsigned int i, n = 0;
	struct fz_net net;

	for (i = 0; i < 256; i++)
		if ((fz->ops[i] & FZ_OP_EXISTS) && !(fz->ops[i] & GENL_CMD_CAP_DUMP))
			cmds[n++] = (uint8_t)i;
	if (!n)
		return false;
	cmd = cmds[rnd_below(fz, n)];
	if (cmd == LIVEMIG_CMD_SETTINGS_SET) {
		gen_set(fz, m, flags, SD_MAX);
		m->nsetv = 0;
	} else {
		m_begin(fz, m, flags, cmd);
		if (cmd == LIVEMIG_CMD_NETWORK_ADD || cmd == LIVEMIG_CMD_NETWORK_DEL) {
			rnd_net(fz, &net, chance(fz, 30));
			m_network(fz, m, LIVEMIG_A_NETWORK, &net);
		}
		m_end(m);
	}
	m->kind = "dump-on-do";
	return true;
}

/* nlmsg_len shorter than the genl header: 16..19 bytes. */
static void gen_short_genl(struct fz *fz, struct fz_msg *m)
{
	size_t len = NLMSG_HDRLEN + rnd_below(fz, GENL_HDRLEN);

	m_begin(fz, m, NLM_F_REQUEST | NLM_F_ACK, rnd_known_cmd(fz));
	m->len = m->hdr + len;
	m_end(m);
	m_sub(m)->short_hdr = true;
	m->kind = "short-genl-header";
}

/* A netlink header that netlink itself drops without a word. */
static void gen_drop(struct fz *fz, struct fz_msg *m)
{
	unsigned int how = rnd_below(fz, 3);
	size_t len;

	m->expect = FZ_DROP;
	if (how == 0) {
		/* fewer bytes than a netlink header */
		len = 1 + rnd_below(fz, NLMSG_HDRLEN - 1);
		rnd_bytes(fz, m->buf, len);
		m->len = len;
		m->kind = "drop/datagram-too-short";
		return;
	}
	m_begin(fz, m, NLM_F_REQUEST | NLM_F_ACK, rnd_get_cmd(fz));
	m_sub(m)->drop = true;
	if (how == 1) {
		/* nlmsg_len below the netlink header; zeroes after it */
		m->len += rnd_below(fz, 32);
		m_nlh(m)->nlmsg_len = rnd_below(fz, NLMSG_HDRLEN);
		memset(m->buf + NLMSG_HDRLEN, 0, m->len - NLMSG_HDRLEN);
		m->kind = "drop/nlmsg-len-short";
	} else {
		/* nlmsg_len beyond the datagram */
		m_int(m, LIVEMIG_A_ENABLED, 1, 1);
		m_end(m);
		m_nlh(m)->nlmsg_len += 1 + rnd_below(fz, chance(fz, 50) ? 16 : 60000);
		m->kind = "drop/nlmsg-len-long";
	}
}

/* Random attribute bytes behind a valid header; always refusable. */
static void gen_random(struct fz *fz, struct fz_msg *m)
{
	uint8_t cmd = chance(fz, 80) ? rnd_known_cmd(fz) : (uint8_t)rnd_below(fz, 256);
	size_t len = chance(fz, 70) ? 1 + rnd_below(fz, 64) : 1 + rnd_below(fz, FZ_BIG_MAX);
	unsigned char *p;

	m_begin(fz, m, NLM_F_REQUEST | NLM_F_ACK, cmd);
	if (!m_room(m, len))
		return;
	p = m->buf + m->len;
	rnd_bytes(fz, p, len);
	if (!fz_stream_refused(p, len, cmd) && (fz->ops[cmd] & FZ_OP_EXISTS)) {
		/* it happens to parse: make its first length a lie */
		if (len < NLA_HDRLEN) {
			len = NLA_HDRLEN;
			rnd_bytes(fz, p, len);
		}
		p[0] = 0xff;
		p[1] = 0xff;
	}
	m->len += len;
	m_end(m);
	m->kind = "random-bytes";
}

/* A must-refuse SETTINGS_SET. */
static void gen_set_bad(struct fz *fz, struct fz_msg *m)
{
	enum fz_set_defect d = rnd_below(fz, SD_MAX);

	gen_set(fz, m, fz_req_flags(fz), d);
	m->kind = fz_set_defect_names[d];
}

/* Several must-refuse messages in one datagram. */
static void gen_batch(struct fz *fz, struct fz_msg *m)
{
	unsigned int n = 2 + rnd_below(fz, FZ_BATCH_MAX - 1), i;
	char kind[64];

	for (i = 0; i < n; i++) {
		switch (rnd_below(fz, 5)) {
		case 0:
			gen_get_attrs(fz, m);
			break;
		case 1:
			gen_bad_cmd(fz, m);
			break;
		case 2:
			gen_short_genl(fz, m);
			break;
		case 3:
			gen_network_bad(fz, m, NLM_F_REQUEST | NLM_F_ACK, kind, sizeof(kind));
			break;
		default:
			gen_set(fz, m, NLM_F_REQUEST | NLM_F_ACK, rnd_below(fz, SD_MAX));
			break;
		}
	}
	m->nsetv = 0;
	m->kind = "batch";
}

/* NETWORK_DEL of a network that is not in the list: -ENOENT. */
static void gen_del_absent(struct fz *fz, struct fz_msg *m)
{
	struct fz_net n;

	/* prefixes of 8 bits or more: never one that is there by chance */
	do {
		rnd_net(fz, &n, chance(fz, 30));
	} while (n.plen < 8);
	m_begin(fz, m, fz_req_flags(fz), LIVEMIG_CMD_NETWORK_DEL);
	m_network_prio(fz, m, LIVEMIG_A_NETWORK, &n, false);
	m_end(m);
	m->kind = "network-del/absent";
}

/* A valid read-only request with an odd header: version, reserved, flags. */
static void gen_lenient(struct fz *fz, struct fz_msg *m)
{
	static const uint16_t odd_flags[] = { NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC,
					      NLM_F_EXCL, 0x1000, 0x4000, 0x8000 };
	struct genlmsghdr *g;
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;

	m->expect = FZ_LENIENT;
	switch (rnd_below(fz, 3)) {
	case 0:
		m_begin(fz, m, flags, rnd_get_cmd(fz));
		g = m_genl(m);
		do {
			g->version = (uint8_t)rnd_below(fz, 256);
		} while (g->version == LIVEMIG_GENL_VERSION);
		m->kind = "lenient/genl-version";
		break;
	case 1:
		m_begin(fz, m, flags, rnd_get_cmd(fz));
		m_genl(m)->reserved = (uint16_t)(1 + rnd_below(fz, 0xffff));
		m_sub(m)->odd_hdr = true;
		m->kind = "lenient/genl-reserved";
		break;
	default:
		flags |= odd_flags[rnd_below(fz, sizeof(odd_flags) / sizeof(odd_flags[0]))];
		m_begin(fz, m, flags, rnd_get_cmd(fz));
		m_sub(m)->odd_hdr = true;
		m->kind = "lenient/nlmsg-flags";
		break;
	}
	m_end(m);
}

/* Spoil the genl header of every message some of the time. */
static void fz_spoil_header(struct fz *fz, struct fz_msg *m)
{
	struct genlmsghdr *g;
	struct nlmsghdr *nlh;
	size_t off = 0;
	int i;

	for (i = 0; i < m->nsubs; i++) {
		nlh = (struct nlmsghdr *)(m->buf + off);
		off += NLMSG_ALIGN(nlh->nlmsg_len);
		if (m->subs[i].short_hdr || m->subs[i].drop)
			continue;
		g = NLMSG_DATA(nlh);
		if (chance(fz, 15))
			g->version = (uint8_t)(chance(fz, 50) ? 0 : 2 + rnd_below(fz, 254));
		if (chance(fz, 5)) {
			g->reserved = (uint16_t)(1 + rnd_below(fz, 0xffff));
			m->subs[i].odd_hdr = true;
		}
	}
}

static int fz_snap_networks(const struct fz_snap *s, struct fz_net *nets, int max);

/* A valid NETWORK_ADD, or NETWORK_ADD/DEL of a network in the list. */
static void gen_network_valid(struct fz *fz, struct fz_msg *m)
{
	struct fz_net nets[LIVEMIG_NETWORKS_MAX], n;
	int count = fz_snap_networks(&fz->base, nets, LIVEMIG_NETWORKS_MAX), i;
	unsigned int what = rnd_below(fz, 10);

	if (count > 0 && what < 3) {
		n = nets[rnd_below(fz, (uint32_t)count)];
		m_begin(fz, m, fz_req_flags(fz), LIVEMIG_CMD_NETWORK_DEL);
		m->kind = "valid/network-del";
	} else if (count > 0 && what < 5) {
		n = nets[rnd_below(fz, (uint32_t)count)];
		m_begin(fz, m, fz_req_flags(fz), LIVEMIG_CMD_NETWORK_ADD);
		m->kind = "network-add/duplicate";
		m->expect = FZ_REFUSE;		/* -EEXIST */
	} else {
		/* a new one: prefix 0 comes up often, and may be there already */
		for (;;) {
			rnd_net(fz, &n, chance(fz, 30));
			for (i = 0; i < count; i++)
				if (fz_net_eq(&n, &nets[i]))
					break;
			if (i >= count)
				break;
		}
		m_begin(fz, m, fz_req_flags(fz), LIVEMIG_CMD_NETWORK_ADD);
		m->kind = "valid/network-add";
	}
	m_network_prio(fz, m, LIVEMIG_A_NETWORK, &n,
		       m_genl(m)->cmd == LIVEMIG_CMD_NETWORK_ADD);
	m_end(m);
}

/* One message that must be refused (or dropped, or is merely lenient). */
static void gen_malformed(struct fz *fz, struct fz_msg *m)
{
	unsigned int w = rnd_below(fz, 100);

	if (w < 30) {
		gen_set_bad(fz, m);
	} else if (w < 48) {
		gen_network_bad(fz, m, fz_req_flags(fz), m->kind_buf, sizeof(m->kind_buf));
		m->kind = m->kind_buf;
	} else if (w < 56) {
		gen_get_attrs(fz, m);
	} else if (w < 63) {
		gen_bad_cmd(fz, m);
	} else if (w < 68) {
		if (!gen_dump_on_do(fz, m))
			gen_bad_cmd(fz, m);
	} else if (w < 71) {
		gen_short_genl(fz, m);
	} else if (w < 75) {
		gen_drop(fz, m);
		return;
	} else if (w < 87) {
		gen_random(fz, m);
	} else if (w < 92) {
		gen_batch(fz, m);
	} else if (w < 95) {
		gen_del_absent(fz, m);
	} else {
		gen_lenient(fz, m);
		return;
	}
	fz_spoil_header(fz, m);
}

/* One message of the mode's mix. */
static void fz_generate(struct fz *fz, struct fz_msg *m)
{
	unsigned int w;

	do {
		m_reset(m, "?", FZ_REFUSE);
		if (fz->mode == FZ_MALFORMED) {
			gen_malformed(fz, m);
			continue;
		}
		w = rnd_below(fz, 100);
		if (w < 18) {
			gen_set(fz, m, fz_req_flags(fz), SD_MAX);
			m->kind = "valid/settings-set";
			m->expect = FZ_VALID;
		} else if (w < 30) {
			gen_network_valid(fz, m);
			if (strncmp(m->kind, "valid/", 6) == 0)
				m->expect = FZ_VALID;
		} else if (w < 35) {
			m_begin(fz, m, fz_req_flags(fz), rnd_get_cmd(fz));
			m_end(m);
			m->kind = "valid/get";
			m->expect = FZ_VALID;
		} else {
			gen_malformed(fz, m);
		}
		/* in mixed mode the header is spoilt only where that is a defect */
	} while (m->full);
}

/* ---- socket and replies ------------------------------------------------ */

static int fz_open(struct fz *fz)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = FZ_TIMEOUT_S };
	int one = 1, rcvbuf = 1 << 20;

	fz->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fz->fd < 0)
		return -errno;
	if (setsockopt(fz->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fz->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    setsockopt(fz->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fz->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) ||
	    bind(fz->fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	return 0;
}

static int fz_send(struct fz *fz, const void *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(fz->fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/* Next datagram: its length, or -errno (-EAGAIN on timeout). */
static ssize_t fz_recv(struct fz *fz)
{
	ssize_t n;

	do {
		n = recv(fz->fd, fz->rx, sizeof(fz->rx), 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

/* The extack message and offset of an NLMSG_ERROR or NLMSG_DONE. */
static void fz_extack(const struct nlmsghdr *nlh, size_t hdr, char *msg, size_t msg_len)
{
	const struct nlattr *nla;
	const unsigned char *p;
	int rem;

	msg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + hdr)
		return;
	/* with NETLINK_CAP_ACK the request is not echoed */
	if (nlh->nlmsg_type == NLMSG_ERROR && !(nlh->nlmsg_flags & NLM_F_CAPPED))
		return;
	p = (const unsigned char *)NLMSG_DATA(nlh) + hdr;
	rem = (int)(nlh->nlmsg_len - NLMSG_HDRLEN - hdr);
	for (nla = (const struct nlattr *)p; rem >= NLA_HDRLEN &&
	     nla->nla_len >= NLA_HDRLEN && nla->nla_len <= rem;
	     rem -= NLA_ALIGN(nla->nla_len),
	     nla = (const struct nlattr *)((const unsigned char *)nla + NLA_ALIGN(nla->nla_len))) {
		if ((nla->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			snprintf(msg, msg_len, "%.*s", (int)(nla->nla_len - NLA_HDRLEN),
				 (const char *)(nla + 1));
		}
	}
}

/**
 * struct fz_probe - the request that closes an exchange
 * @seq: its sequence number
 * @cmd: SETTINGS_GET or GET_VERSION
 * @done: its ack or error came
 * @err: its error, 0 if none
 * @ext_msg: the error's extack message
 */
struct fz_probe {
	uint32_t seq;
	uint8_t cmd;
	bool done;
	int err;
	char ext_msg[160];
};

static void fz_note_example(struct fz *fz, int err, const char *msg)
{
	int i;

	if (!msg[0])
		return;
	for (i = 0; i < fz->nexamples; i++) {
		if (fz->examples[i].err == err && !strcmp(fz->examples[i].msg, msg)) {
			fz->examples[i].count++;
			return;
		}
	}
	if (fz->nexamples == FZ_EXAMPLES_MAX)
		return;
	fz->examples[fz->nexamples].err = err;
	snprintf(fz->examples[fz->nexamples].msg, sizeof(fz->examples[0].msg), "%s", msg);
	fz->examples[fz->nexamples++].count = 1;
}

/* File one reply message under the sub or the probe it answers. */
static void fz_take(struct fz *fz, struct fz_msg *m, struct fz_probe *pr,
		    const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	struct fz_sub *s = NULL;
	size_t attrs;
	int i, err = 0;

	for (i = 0; m && i < m->nsubs; i++)
		if (m->subs[i].seq == nlh->nlmsg_seq)
			s = &m->subs[i];

	if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE) {
		if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
			err = e->error;
	}

	if (pr && nlh->nlmsg_seq == pr->seq) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			pr->done = true;
			pr->err = err;
			fz_extack(nlh, sizeof(*e), pr->ext_msg, sizeof(pr->ext_msg));
		} else if (nlh->nlmsg_type == fz->family &&
			   pr->cmd == LIVEMIG_CMD_SETTINGS_GET &&
			   nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN) {
			attrs = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
			if (attrs > sizeof(fz->cur.buf))
				attrs = sizeof(fz->cur.buf);
			memcpy(fz->cur.buf, (const unsigned char *)NLMSG_DATA(nlh) + GENL_HDRLEN,
			       attrs);
			fz->cur.len = attrs;
			fz->cur.valid = true;
		}
		return;
	}
	if (!s) {
		fz->n_stray++;
		return;
	}
	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		if (err) {
			s->err = err;
			fz_extack(nlh, sizeof(*e), s->ext_msg, sizeof(s->ext_msg));
		} else {
			s->accepted = true;
		}
		s->dump_done = true;
		break;
	case NLMSG_DONE:
		if (err) {
			s->err = err;
			fz_extack(nlh, sizeof(int), s->ext_msg, sizeof(s->ext_msg));
		} else {
			s->accepted = true;
		}
		s->dump_done = true;
		break;
	default:
		s->accepted = true;
		break;
	}
}

static bool fz_dumps_pending(const struct fz_msg *m)
{
	int i;

	for (i = 0; m && i < m->nsubs; i++)
		if (m->subs[i].dump && !m->subs[i].dump_done)
			return true;
	return false;
}

/*
 * Read until the probe is answered and every dump the message started has
 * ended. Returns 0, or -EAGAIN if the kernel went quiet.
 */
static int fz_collect(struct fz *fz, struct fz_msg *m, struct fz_probe *pr)
{
	const struct nlmsghdr *nlh;
	ssize_t n;
	int len;

	while (!pr->done || fz_dumps_pending(m)) {
		n = fz_recv(fz);
		if (n == -ENOBUFS) {
			fz->n_enobufs++;
			continue;
		}
		if (n < 0)
			return (int)n;
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)fz->rx; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len))
			fz_take(fz, m, pr, nlh);
	}
	return 0;
}

/* Send a request to the family with no attribute; the probe of an exchange. */
static int fz_send_probe(struct fz *fz, struct fz_probe *pr, uint8_t cmd)
{
	struct {
		struct nlmsghdr nlh;
		struct genlmsghdr g;
	} req = {
		.nlh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = fz->family,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
			.nlmsg_seq = ++fz->seq,
		},
		.g = { .cmd = cmd, .version = LIVEMIG_GENL_VERSION },
	};

	memset(pr, 0, sizeof(*pr));
	pr->seq = req.nlh.nlmsg_seq;
	pr->cmd = cmd;
	return fz_send(fz, &req, sizeof(req));
}

/* ---- family ------------------------------------------------------------- */

static void fz_parse_ops(struct fz *fz, const struct nlattr *ops)
{
	const struct nlattr *op, *a;
	int rem = ops->nla_len - NLA_HDRLEN, rem2;
	uint32_t id, flags;

	for (op = (const struct nlattr *)(ops + 1); rem >= NLA_HDRLEN &&
	     op->nla_len >= NLA_HDRLEN && op->nla_len <= rem;
	     rem -= NLA_ALIGN(op->nla_len),
	     op = (const struct nlattr *)((const char *)op + NLA_ALIGN(op->nla_len))) {
		id = 256;
		flags = 0;
		rem2 = op->nla_len - NLA_HDRLEN;
		for (a = (const struct nlattr *)(op + 1); rem2 >= NLA_HDRLEN &&
		     a->nla_len >= NLA_HDRLEN && a->nla_len <= rem2;
		     rem2 -= NLA_ALIGN(a->nla_len),
		     a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len))) {
			if (a->nla_len < NLA_HDRLEN + 4)
				continue;
			if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_OP_ID)
				memcpy(&id, a + 1, 4);
			else if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_OP_FLAGS)
				memcpy(&flags, a + 1, 4);
		}
		if (id < 256)
			fz->ops[id] = flags | FZ_OP_EXISTS;
	}
}

/* Resolve the family with CTRL_CMD_GETFAMILY: 0, -ENOENT or -errno. */
static int fz_resolve(struct fz *fz)
{
	struct {
		struct nlmsghdr nlh;
		struct genlmsghdr g;
		unsigned char attrs[64];
	} req;
	const struct nlmsghdr *nlh;
	const struct nlattr *a;
	struct nlattr *na;
	int len, rem, err = -EBADMSG;
	bool done = false;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_type = GENL_ID_CTRL;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nlh.nlmsg_seq = ++fz->seq;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 2;
	na = (struct nlattr *)req.attrs;
	na->nla_type = CTRL_ATTR_FAMILY_NAME;
	na->nla_len = NLA_HDRLEN + sizeof(LIVEMIG_GENL_NAME);
	memcpy(na + 1, LIVEMIG_GENL_NAME, sizeof(LIVEMIG_GENL_NAME));
	req.nlh.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(na->nla_len);
	err = fz_send(fz, &req, req.nlh.nlmsg_len);
	if (err)
		return err;

	err = -EBADMSG;
	while (!done) {
		n = fz_recv(fz);
		if (n < 0)
			return (int)n;
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)fz->rx; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_seq != fz->seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				int e = ((const struct nlmsgerr *)NLMSG_DATA(nlh))->error;

				done = true;
				if (e)
					err = e;
				continue;
			}
			if (nlh->nlmsg_type != GENL_ID_CTRL)
				continue;
			rem = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
			for (a = (const struct nlattr *)((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
			     rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
			     rem -= NLA_ALIGN(a->nla_len),
			     a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len))) {
				switch (a->nla_type & NLA_TYPE_MASK) {
				case CTRL_ATTR_FAMILY_ID:
					memcpy(&fz->family, a + 1, 2);
					err = 0;
					break;
				case CTRL_ATTR_VERSION:
					memcpy(&fz->genl_version, a + 1, 4);
					break;
				case CTRL_ATTR_OPS:
					fz_parse_ops(fz, a);
					break;
				}
			}
		}
	}
	return err;
}

/* ---- settings snapshots -------------------------------------------------- */

/* Take a snapshot with SETTINGS_GET alone: 0 or -errno (with extack). */
static int fz_snapshot(struct fz *fz, char *ext_msg, size_t ext_len)
{
	struct fz_probe pr;
	int err;

	fz->cur.valid = false;
	fz->cur.len = 0;
	err = fz_send_probe(fz, &pr, LIVEMIG_CMD_SETTINGS_GET);
	if (!err)
		err = fz_collect(fz, NULL, &pr);
	if (!err)
		err = pr.err;
	if (ext_msg)
		snprintf(ext_msg, ext_len, "%s", pr.ext_msg);
	if (!err && !fz->cur.valid)
		err = -EBADMSG;
	return err;
}

/* Attribute @type of a snapshot, or NULL. */
static const struct nlattr *fz_snap_attr(const struct fz_snap *s, uint16_t type)
{
	const struct nlattr *a = (const struct nlattr *)s->buf;
	int rem = (int)s->len;

	for (; rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len),
	     a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len)))
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	return NULL;
}

/* The migration networks of a snapshot, at most @max; -1 if unreadable. */
static int fz_snap_networks(const struct fz_snap *s, struct fz_net *nets, int max)
{
	const struct nlattr *list = s->valid ? fz_snap_attr(s, LIVEMIG_A_NETWORKS) : NULL;
	const struct nlattr *e, *f;
	int rem, rem2, n = 0;
	struct fz_net net;
	bool addr, plen;

	if (!list)
		return s->valid ? 0 : -1;
	rem = list->nla_len - NLA_HDRLEN;
	for (e = list + 1; rem >= NLA_HDRLEN && e->nla_len >= NLA_HDRLEN &&
	     e->nla_len <= rem && n < max;
	     rem -= NLA_ALIGN(e->nla_len),
	     e = (const struct nlattr *)((const char *)e + NLA_ALIGN(e->nla_len))) {
		memset(&net, 0, sizeof(net));
		addr = plen = false;
		rem2 = e->nla_len - NLA_HDRLEN;
		for (f = e + 1; rem2 >= NLA_HDRLEN && f->nla_len >= NLA_HDRLEN &&
		     f->nla_len <= rem2;
		     rem2 -= NLA_ALIGN(f->nla_len),
		     f = (const struct nlattr *)((const char *)f + NLA_ALIGN(f->nla_len))) {
			switch (f->nla_type & NLA_TYPE_MASK) {
			case LIVEMIG_NETWORK_A_ADDR:
				if (f->nla_len == NLA_HDRLEN + 4 || f->nla_len == NLA_HDRLEN + 16) {
					net.v6 = f->nla_len == NLA_HDRLEN + 16;
					memcpy(net.addr, f + 1, f->nla_len - NLA_HDRLEN);
					addr = true;
				}
				break;
			case LIVEMIG_NETWORK_A_PREFIX_LEN:
				if (f->nla_len >= NLA_HDRLEN + 1) {
					net.plen = *(const uint8_t *)(f + 1);
					plen = true;
				}
				break;
			}
		}
		if (addr && plen)
			nets[n++] = net;
	}
	return n;
}

static void fz_hex(FILE *f, const char *prefix, const unsigned char *p, size_t len,
		   size_t max)
{
	size_t i, shown = len < max ? len : max;

	for (i = 0; i < shown; i++) {
		if (i % 32 == 0)
			fprintf(f, "%s%s%04zx:", i ? "\n" : "", prefix, i);
		fprintf(f, " %02x", p[i]);
	}
	if (shown)
		fputc('\n', f);
	if (shown < len)
		fprintf(f, "%s... (%zu bytes in all)\n", prefix, len);
}

static const char *fz_attr_name(uint16_t t)
{
	return t && t <= LIVEMIG_A_MAX && fz_attrs[t].name ? fz_attrs[t].name : "?";
}

/* Print every attribute of a snapshot as "type=hex" (--dump-settings). */
static void fz_print_snap(const struct fz_snap *s)
{
	const struct nlattr *a = (const struct nlattr *)s->buf;
	int rem = (int)s->len, i;

	for (; rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len),
	     a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len))) {
		printf("%u=", a->nla_type & NLA_TYPE_MASK);
		for (i = 0; i < a->nla_len - NLA_HDRLEN; i++)
			printf("%02x", ((const unsigned char *)(a + 1))[i]);
		printf("\n");
	}
	if (rem > 0)
		printf("trailing=%d bytes\n", rem);
}

/*
 * Two snapshots agree, byte for byte; @skip_listeners leaves out where the
 * host listens now (it follows valid changes asynchronously).
 */
static bool fz_snap_same(const struct fz_snap *a, const struct fz_snap *b,
			 bool skip_listeners)
{
	const struct nlattr *x, *y;
	uint16_t t;

	if (!skip_listeners)
		return a->len == b->len && !memcmp(a->buf, b->buf, a->len);
	for (t = 1; t <= LIVEMIG_A_MAX; t++) {
		if (t == LIVEMIG_A_LISTENERS)
			continue;
		x = fz_snap_attr(a, t);
		y = fz_snap_attr(b, t);
		if (!x != !y)
			return false;
		if (x && (x->nla_len != y->nla_len || memcmp(x, y, x->nla_len)))
			return false;
	}
	return true;
}

static void fz_print_attr_hex(const char *prefix, const struct nlattr *a)
{
	int i;

	printf("%s", prefix);
	if (!a) {
		printf("(absent)");
		return;
	}
	for (i = 0; i < a->nla_len - NLA_HDRLEN && i < 96; i++)
		printf("%02x", ((const unsigned char *)(a + 1))[i]);
	if (a->nla_len - NLA_HDRLEN > 96)
		printf("...");
}

/* What changed between two snapshots, an attribute a line. */
static void fz_print_diff(const struct fz_snap *a, const struct fz_snap *b)
{
	const struct nlattr *x, *y;
	uint16_t t;

	for (t = 1; t <= LIVEMIG_A_MAX; t++) {
		x = fz_snap_attr(a, t);
		y = fz_snap_attr(b, t);
		if (!x && !y)
			continue;
		if (x && y && x->nla_len == y->nla_len && !memcmp(x, y, x->nla_len))
			continue;
		printf("#     %s (%u): ", fz_attr_name(t), t);
		fz_print_attr_hex("", x);
		fz_print_attr_hex(" -> ", y);
		printf("\n");
	}
}

/* ---- checks and reports -------------------------------------------------- */

static struct fz_kind *fz_kind(struct fz *fz, const char *name)
{
	int i;

	for (i = 0; i < fz->nkinds; i++)
		if (!strcmp(fz->kinds[i].name, name))
			return &fz->kinds[i];
	if (fz->nkinds == FZ_KINDS_MAX)
		return &fz->kinds[FZ_KINDS_MAX - 1];
	fz->kinds[fz->nkinds].name = strdup(name);
	if (!fz->kinds[fz->nkinds].name)
		fz->kinds[fz->nkinds].name = "?";
	return &fz->kinds[fz->nkinds++];
}

static const char *fz_errname(int err)
{
	const char *s = strerrorname_np(err < 0 ? -err : err);

	return s ? s : "E?";
}

static void fz_describe(struct fz *fz, const struct fz_msg *m, unsigned long idx)
{
	const struct fz_sub *s;
	int i;

	printf("#   message %lu (seed %" PRIu64 "), kind %s, %zu bytes:\n",
	       idx, fz->seed, m->kind, m->len);
	for (i = 0; i < m->nsubs; i++) {
		s = &m->subs[i];
		printf("#     seq %u cmd %u: %s", s->seq, s->cmd,
		       s->accepted ? "accepted" : s->err ? fz_errname(s->err) : "no reply");
		if (s->err && s->ext_msg[0])
			printf(" \"%s\"", s->ext_msg);
		printf("\n");
	}
	fz_hex(stdout, "#     ", m->buf, m->len, FZ_HEX_MAX);
}

static void fz_fail(struct fz *fz, const struct fz_msg *m, unsigned long idx,
		    const char *what)
{
	fz->failures++;
	if (fz->failures > FZ_DETAIL_MAX)
		return;
	printf("# FAIL: %s\n", what);
	if (m)
		fz_describe(fz, m, idx);
}

static void fz_note(struct fz *fz, const struct fz_msg *m, unsigned long idx,
		    const char *what)
{
	fz->notes++;
	if (fz->notes > FZ_NOTE_MAX)
		return;
	printf("# note: %s\n", what);
	if (m)
		fz_describe(fz, m, idx);
}

/* An unprivileged caller: nothing accepted, every admin command answers -EPERM. */
static void fz_check_eperm(struct fz *fz, const struct fz_msg *m, unsigned long idx)
{
	const struct fz_sub *s;
	char what[160];
	int i;

	for (i = 0; i < m->nsubs; i++) {
		s = &m->subs[i];
		if (s->accepted) {
			snprintf(what, sizeof(what),
				 "command %u accepted from an unprivileged caller", s->cmd);
			fz_fail(fz, m, idx, what);
			return;
		}
		if (s->drop || (m->expect == FZ_DROP))
			continue;
		if (!s->err) {
			fz_fail(fz, m, idx, "no reply to a request that asked for an ack");
			return;
		}
		if (s->short_hdr || !(fz->ops[s->cmd] & FZ_OP_EXISTS))
			continue;
		/*
		 * The VMM's own commands are not admin commands: they check
		 * the caller's VM instead, so any refusal will do there.
		 */
		if (!(fz->ops[s->cmd] & GENL_ADMIN_PERM))
			continue;
		if (s->err == -EPERM || (s->err == -EINVAL && s->odd_hdr))
			continue;
		snprintf(what, sizeof(what),
			 "command %u answered %s to an unprivileged caller, not EPERM",
			 s->cmd, fz_errname(s->err));
		fz_fail(fz, m, idx, what);
		return;
	}
}

/* Compare the settings after @m with those before it. */
static void fz_check_settings(struct fz *fz, const struct fz_msg *m,
			      unsigned long idx, bool accepted)
{
	const struct nlattr *a;
	uint64_t v;
	char what[200];
	int i;

	if (!fz->have_settings || fz->mode == FZ_EPERM)
		return;
	if (!fz->cur.valid) {
		fz_fail(fz, m, idx, "SETTINGS_GET did not answer after this message");
		return;
	}
	if (!fz->psk_dumped && fz_snap_attr(&fz->cur, LIVEMIG_A_PSK)) {
		fz->psk_dumped = true;
		fz_fail(fz, m, idx, "SETTINGS_GET dumped the key (LIVEMIG_A_PSK)");
	}
	if (m->expect == FZ_VALID && accepted) {
		/* a valid change: the integers it set must show */
		for (i = 0; i < m->nsetv; i++) {
			a = fz_snap_attr(&fz->cur, m->setv[i].type);
			v = 0;
			if (a && a->nla_len > NLA_HDRLEN)
				memcpy(&v, a + 1, a->nla_len - NLA_HDRLEN > 8 ? 8 :
				       a->nla_len - NLA_HDRLEN);
			if (!a || v != m->setv[i].val) {
				snprintf(what, sizeof(what),
					 "accepted SETTINGS_SET set %s to %" PRIu64
					 " but SETTINGS_GET says %" PRIu64 "%s",
					 fz_attr_name(m->setv[i].type), m->setv[i].val, v,
					 a ? "" : " (absent)");
				fz_note(fz, m, idx, what);
				break;
			}
		}
	} else if (!fz_snap_same(&fz->base, &fz->cur, fz->mode == FZ_MIXED)) {
		fz_fail(fz, m, idx, accepted ?
			"a malformed message was accepted and changed the settings:" :
			"a refused message changed the settings:");
		if (fz->failures <= FZ_DETAIL_MAX)
			fz_print_diff(&fz->base, &fz->cur);
	}
	fz->base = fz->cur;
}

/* Judge the replies to @m by its expectation. */
static void fz_judge(struct fz *fz, const struct fz_msg *m, unsigned long idx)
{
	struct fz_kind *k = fz_kind(fz, m->kind);
	bool accepted = false, silent = false, refused = true;
	const struct fz_sub *s;
	char what[200];
	int i;

	if (!m->nsubs)
		silent = true;
	for (i = 0; i < m->nsubs; i++) {
		s = &m->subs[i];
		if (s->accepted) {
			accepted = true;
			fz->n_accepted++;
		} else if (s->err) {
			fz->n_refused++;
			fz->by_errno[-s->err < FZ_ERRNO_MAX ? -s->err : 0]++;
			if (s->ext_msg[0]) {
				fz->n_extack++;
			} else {
				fz->no_extack[-s->err < FZ_ERRNO_MAX ? -s->err : 0]++;
				k->no_msg++;
			}
			fz_note_example(fz, s->err, s->ext_msg);
		} else {
			silent = true;
			fz->n_dropped++;
		}
		if (!s->err)
			refused = false;
	}
	k->sent++;
	if (accepted)
		k->accepted++;
	else if (refused && m->nsubs)
		k->refused++;
	else
		k->dropped++;

	if (fz->mode == FZ_EPERM) {
		fz_check_eperm(fz, m, idx);
		return;
	}
	switch (m->expect) {
	case FZ_REFUSE:
		if (accepted) {
			snprintf(what, sizeof(what),
				 "a message that must be refused (%s) was accepted", m->kind);
			fz_fail(fz, m, idx, what);
		} else if (silent) {
			fz_fail(fz, m, idx, "no reply to a request that asked for an ack");
		}
		break;
	case FZ_DROP:
		if (accepted)
			fz_fail(fz, m, idx, "a message with a broken netlink header was accepted");
		break;
	case FZ_VALID:
		fz->n_valid++;
		if (accepted) {
			fz->n_valid_ok++;
		} else if (silent) {
			fz_fail(fz, m, idx, "no reply to a valid request");
		} else {
			snprintf(what, sizeof(what), "a valid request (%s) was refused: %s",
				 m->kind, fz_errname(m->subs[0].err));
			fz_note(fz, m, idx, what);
		}
		break;
	case FZ_LENIENT:
		fz->n_lenient++;
		if (accepted)
			fz->n_lenient_ok++;
		else if (silent)
			fz_fail(fz, m, idx, "no reply to a request that asked for an ack");
		break;
	}
	fz_check_settings(fz, m, idx, accepted);
}

/* Send @m and its probe, gather the replies. 0 or -EAGAIN (no answer). */
static int fz_exchange(struct fz *fz, struct fz_msg *m)
{
	struct fz_probe pr;
	uint8_t probe = fz->have_settings && fz->mode != FZ_EPERM ?
			LIVEMIG_CMD_SETTINGS_GET : LIVEMIG_CMD_GET_VERSION;
	int err;

	fz->cur.valid = false;
	err = fz_send(fz, m->buf, m->len);
	if (err) {
		/* sendmsg refused it: as good as an error reply */
		if (m->nsubs)
			m->subs[0].err = err;
	}
	err = fz_send_probe(fz, &pr, probe);
	if (err)
		return err;
	return fz_collect(fz, m, &pr);
}

static void fz_summary(struct fz *fz, double secs)
{
	int i;

	printf("# sent %lu datagrams in %.1f s: %lu messages refused, %lu dropped"
	       " silently, %lu accepted; %lu stray replies, %lu probe timeouts,"
	       " %lu receive overruns\n",
	       fz->n_sent, secs, fz->n_refused, fz->n_dropped, fz->n_accepted,
	       fz->n_stray, fz->n_timeouts, fz->n_enobufs);
	printf("# errors by errno:");
	for (i = 0; i < FZ_ERRNO_MAX; i++)
		if (fz->by_errno[i])
			printf(" %s %lu", i ? fz_errname(i) : "other", fz->by_errno[i]);
	printf("\n# %lu of %lu errors carried an extack message; without one:",
	       fz->n_extack, fz->n_refused);
	for (i = 0; i < FZ_ERRNO_MAX; i++)
		if (fz->no_extack[i])
			printf(" %s %lu", i ? fz_errname(i) : "other", fz->no_extack[i]);
	printf("\n");
	if (fz->n_valid)
		printf("# valid requests: %lu sent, %lu accepted\n",
		       fz->n_valid, fz->n_valid_ok);
	if (fz->n_lenient)
		printf("# read requests with an odd header (genl version, reserved,"
		       " nlmsg flags): %lu sent, %lu accepted\n",
		       fz->n_lenient, fz->n_lenient_ok);
	printf("# %-40s %6s %7s %7s %8s %6s\n", "kind", "sent", "refused", "dropped",
	       "accepted", "no-msg");
	for (i = 0; i < fz->nkinds; i++)
		printf("# %-40s %6lu %7lu %7lu %8lu %6lu\n", fz->kinds[i].name,
		       fz->kinds[i].sent, fz->kinds[i].refused, fz->kinds[i].dropped,
		       fz->kinds[i].accepted, fz->kinds[i].no_msg);
	printf("# extack messages seen:\n");
	for (i = 0; i < fz->nexamples; i++)
		printf("#   %-10s %5lu  \"%s\"\n", fz_errname(fz->examples[i].err),
		       fz->examples[i].count, fz->examples[i].msg);
}

static void fz_print_ops(struct fz *fz)
{
	unsigned int i;

	printf("# family %s: id %u, version %u; operations:", LIVEMIG_GENL_NAME,
	       fz->family, fz->genl_version);
	for (i = 0; i < 256; i++) {
		if (!(fz->ops[i] & FZ_OP_EXISTS))
			continue;
		printf(" %u(%s%s%s%s)", i,
		       fz->ops[i] & GENL_CMD_CAP_DO ? "do" : "",
		       fz->ops[i] & GENL_CMD_CAP_DUMP ? ",dump" : "",
		       fz->ops[i] & GENL_CMD_CAP_HASPOL ? ",policy" : ",NO POLICY",
		       fz->ops[i] & GENL_ADMIN_PERM ? ",admin" : ",NOT ADMIN-ONLY");
	}
	printf("\n");
}

/* ---- main ------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nl_fuzz [--malformed-only | --mixed | --expect-eperm | --dump-settings]\n"
		"               [-n COUNT] [-s SEED] [-v]\n"
		"  --malformed-only  only messages the kernel must refuse (default)\n"
		"  --mixed           also valid settings changes\n"
		"  --expect-eperm    as an unprivileged user: all refused with EPERM\n"
		"  --dump-settings   print SETTINGS_GET's attributes as type=hex\n"
		"  -n COUNT          messages to send (default 5000)\n"
		"  -s SEED           random seed (default: from the clock)\n"
		"  -v                print every message's outcome\n"
		"exit: 0 pass, 1 fail, 4 skip (no livemig family)\n");
}

static int fz_dump_settings(struct fz *fz)
{
	char ext[160];
	int err = fz_snapshot(fz, ext, sizeof(ext));

	if (err) {
		fprintf(stderr, "nl_fuzz: SETTINGS_GET: %s (%s)%s%s\n", strerror(-err),
			fz_errname(err), ext[0] ? ": " : "", ext);
		return err == -EOPNOTSUPP ? KSFT_SKIP : KSFT_FAIL;
	}
	fz_print_snap(&fz->cur);
	return KSFT_PASS;
}

static int fz_run(struct fz *fz)
{
	struct timespec t0, t1;
	char ext[160];
	unsigned long i;
	int err;

	if (fz->mode != FZ_EPERM) {
		err = fz_snapshot(fz, ext, sizeof(ext));
		fz->have_settings = !err;
		if (err)
			printf("# SETTINGS_GET: %s%s%s: settings are not compared\n",
			       fz_errname(err), ext[0] ? ", " : "", ext);
		fz->base = fz->cur;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < fz->count; i++) {
		fz_generate(fz, &fz->msg);
		err = fz_exchange(fz, &fz->msg);
		fz->n_sent++;
		if (err == -EAGAIN) {
			fz->n_timeouts++;
			fz_fail(fz, &fz->msg, i, "the kernel did not answer within the timeout");
			if (++fz->timeouts_in_row == FZ_TIMEOUTS_MAX) {
				printf("# giving up: %d timeouts in a row\n", FZ_TIMEOUTS_MAX);
				break;
			}
			continue;
		}
		if (err) {
			printf("# netlink socket error: %s\n", strerror(-err));
			fz->failures++;
			break;
		}
		fz->timeouts_in_row = 0;
		if (fz->verbose)
			fz_describe(fz, &fz->msg, i);
		fz_judge(fz, &fz->msg, i);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	/* the family must still answer on the same socket */
	if (fz->timeouts_in_row < FZ_TIMEOUTS_MAX) {
		struct fz_probe pr;

		err = fz_send_probe(fz, &pr, LIVEMIG_CMD_GET_VERSION);
		if (!err)
			err = fz_collect(fz, NULL, &pr);
		if (err)
			fz_fail(fz, NULL, 0, "GET_VERSION does not answer after the run");
		else if (fz->mode != FZ_EPERM && pr.err)
			fz_fail(fz, NULL, 0, "GET_VERSION fails after the run");
		else if (fz->mode == FZ_EPERM && pr.err != -EPERM)
			fz_fail(fz, NULL, 0, "GET_VERSION from an unprivileged caller did not get EPERM");
	}

	fz_summary(fz, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (fz->failures > FZ_DETAIL_MAX)
		printf("# (%lu more failures not shown)\n", fz->failures - FZ_DETAIL_MAX);
	if (fz->notes > FZ_NOTE_MAX)
		printf("# (%lu more notes not shown)\n", fz->notes - FZ_NOTE_MAX);
	printf("# %s: %lu failures, %lu notes (reproduce: nl_fuzz --%s -n %lu -s %" PRIu64 ")\n",
	       fz->failures ? "FAIL" : "PASS", fz->failures, fz->notes,
	       fz_mode_names[fz->mode], fz->count, fz->seed);
	return fz->failures ? KSFT_FAIL : KSFT_PASS;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "malformed-only", no_argument, NULL, 'M' },
		{ "mixed", no_argument, NULL, 'X' },
		{ "expect-eperm", no_argument, NULL, 'E' },
		{ "dump-settings", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct timespec now;
	bool seeded = false;
	struct fz *fz;
	char *end;
	int c, err, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fz = calloc(1, sizeof(*fz));
	if (!fz) {
		perror("nl_fuzz");
		return KSFT_FAIL;
	}
	fz->mode = FZ_MALFORMED;
	fz->count = 5000;
	while ((c = getopt_long(argc, argv, "n:s:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'M':
			fz->mode = FZ_MALFORMED;
			break;
		case 'X':
			fz->mode = FZ_MIXED;
			break;
		case 'E':
			fz->mode = FZ_EPERM;
			break;
		case 'D':
			fz->mode = FZ_DUMP_SETTINGS;
			break;
		case 'n':
			fz->count = strtoul(optarg, &end, 0);
			if (*end) {
				usage(stderr);
				return KSFT_FAIL;
			}
			break;
		case 's':
			fz->seed = strtoull(optarg, &end, 0);
			if (*end) {
				usage(stderr);
				return KSFT_FAIL;
			}
			seeded = true;
			break;
		case 'v':
			fz->verbose++;
			break;
		case 'h':
			usage(stdout);
			return KSFT_PASS;
		default:
			usage(stderr);
			return KSFT_FAIL;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return KSFT_FAIL;
	}
	if (!seeded) {
		clock_gettime(CLOCK_REALTIME, &now);
		fz->seed = ((uint64_t)now.tv_sec * 1000000007ull) ^ (uint64_t)now.tv_nsec ^
			   ((uint64_t)getpid() << 32);
	}
	fz->rng = fz->seed ^ 0x9e3779b97f4a7c15ull;
	if (!fz->rng)
		fz->rng = 1;

	err = fz_open(fz);
	if (!err)
		err = fz_resolve(fz);
	if (err == -ENOENT) {
		printf("# SKIP: no generic netlink family '%s' (module not loaded?)\n",
		       LIVEMIG_GENL_NAME);
		return KSFT_SKIP;
	}
	if (err) {
		printf("# cannot reach the %s family: %s\n", LIVEMIG_GENL_NAME, strerror(-err));
		return KSFT_FAIL;
	}
	if (fz->mode == FZ_DUMP_SETTINGS)
		return fz_dump_settings(fz);

	printf("# nl_fuzz: mode %s, %lu messages, seed %" PRIu64 "\n",
	       fz_mode_names[fz->mode], fz->count, fz->seed);
	fz_print_ops(fz);
	ret = fz_run(fz);
	close(fz->fd);
	free(fz);
	return ret;
}
