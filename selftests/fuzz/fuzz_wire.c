// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the pure wire decoders (kmod/proto.c, pages.c).
 *
 * The receive path uses a decoded message without checking it again, so
 * each target checks what its decoder promises: lengths and pointers
 * inside the message, values inside their documented ranges. Where an
 * encoder exists the message is encoded again; the decoders refuse every
 * form but the canonical one, so the same bytes must come back (ABORT,
 * which rewrites its reason, must at least decode to the same thing).
 *
 * A broken promise is an assert(); memory errors are ASan's and undefined
 * behaviour UBSan's. Any of them ends the run with the input saved.
 */
#include <assert.h>
#include <stdlib.h>

#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <asm/unaligned.h>

#include "proto.h"
#include "vmdesc.h"
#include "fuzz_wire.h"

/* An encoder given the decoded message's size wrote the message again. */
static void expect_encoding(const u8 *msg, size_t len, const u8 *out, long got)
{
	assert(got >= 0 && (size_t)got == len);
	assert(!memcmp(out, msg, len));
}

/* Text a peer sent ends up in logs and on terminals. */
static void expect_text(const char *s, size_t size)
{
	size_t i, n = strnlen(s, size);

	assert(n < size);
	for (i = 0; i < n; i++)
		assert(isascii(s[i]) && isprint(s[i]));
}

/* [@p, @p + @n) lies inside the @len bytes at @msg. */
static void expect_inside(const u8 *msg, size_t len, const u8 *p, size_t n)
{
	assert(p >= msg && p <= msg + len);
	assert(n <= (size_t)(msg + len - p));
}

static int run_hdr(const u8 *msg, size_t len, u8 *out)
{
	struct lm_msg_hdr h;
	int err = lm_msg_hdr_decode(msg, len, &h);

	if (err)
		return err;
	assert(len >= LM_MSG_HDR_LEN);
	/* Receive buffers are sized from this. */
	assert(lm_msg_max_len(h.type) && h.len <= lm_msg_max_len(h.type));
	/* Only the header: the bytes after it belong to the payload. */
	assert(!lm_msg_hdr_encode(out, &h));
	assert(!memcmp(out, msg, LM_MSG_HDR_LEN));
	return 0;
}

static int run_hello(const u8 *msg, size_t len, u8 *out)
{
	struct lm_hello h;
	u32 version;
	int err = lm_hello_decode(msg, len, &h);

	if (err)
		return err;
	assert(h.version_min <= h.version_max);
	assert(lm_name_valid(h.host, sizeof(h.host)));
	/* The handshake's next step: a version both ends speak, or none. */
	if (!lm_proto_negotiate(h.version_min, h.version_max, &version))
		assert(version >= h.version_min && version <= h.version_max &&
		       version >= LM_PROTO_VERSION_MIN &&
		       version <= LM_PROTO_VERSION);
	expect_encoding(msg, len, out, lm_hello_encode(out, len, &h));
	return 0;
}

static int run_abort(const u8 *msg, size_t len, u8 *out)
{
	struct lm_abort a, again;
	int n, err = lm_abort_decode(msg, len, &a);

	if (err)
		return err;
	expect_text(a.reason, sizeof(a.reason));
	/* Unprintable bytes became '?', one for one: the length stays. */
	n = lm_abort_encode(out, len, &a);
	assert(n >= 0 && (size_t)n == len);
	assert(!lm_abort_decode(out, n, &again));
	assert(again.code == a.code && again.phase == a.phase);
	assert(!strcmp(again.reason, a.reason));
	return 0;
}

static int run_setup(const u8 *msg, size_t len, u8 *out)
{
	struct lm_vm_desc d, mapped;
	struct lm_setup st;
	const char *why;
	unsigned int i;
	int err = lm_setup_decode(msg, len, &st, &d);

	if (err)
		return err;
	assert(st.vcpus);
	assert(st.config_len <= LIVEMIG_VM_CONFIG_MAX);
	expect_inside(msg, len, st.config, st.config_len);
	assert(d.n_regions >= 1 && d.n_regions <= LIVEMIG_VM_REGIONS_MAX);
	for (i = 0; i < d.n_regions; i++) {
		expect_text(d.regions[i].name, sizeof(d.regions[i].name));
		assert(!d.regions[i].hva && !d.regions[i].dirty_bitmap);
	}
	/*
	 * The destination maps the regions itself; mapped like the guest
	 * addresses, the description must pass registration's own check.
	 */
	mapped = d;
	for (i = 0; i < d.n_regions; i++)
		mapped.regions[i].hva = d.regions[i].gpa;
	assert(!lm_vm_desc_check(&mapped, LM_WIRE_PAGE_SIZE, &why));
	expect_encoding(msg, len, out, lm_setup_encode(out, len, &st, &d));
	return 0;
}

static int run_auth(const u8 *msg, size_t len, u8 *out)
{
	struct lm_auth_msg m;
	int err = lm_auth_decode(msg, len, &m);

	if (err)
		return err;
	expect_encoding(msg, len, out, lm_auth_encode(out, len, &m));
	return 0;
}

static int run_accept(const u8 *msg, size_t len, u8 *out)
{
	struct lm_accept a;
	unsigned int i;
	int err = lm_accept_decode(msg, len, &a);

	if (err)
		return err;
	assert(a.n_addrs <= LM_ACCEPT_ADDRS_MAX);
	for (i = 0; i < a.n_addrs; i++) {
		const struct lm_wire_addr *wa = &a.addrs[i];

		assert(wa->port);
		assert(wa->family == LM_WIRE_ADDR_V6 ||
		       (wa->family == LM_WIRE_ADDR_V4 &&
			!memchr_inv(wa->addr + 4, 0, sizeof(wa->addr) - 4)));
	}
	expect_encoding(msg, len, out, lm_accept_encode(out, len, &a));
	return 0;
}

static int run_busy(const u8 *msg, size_t len, u8 *out)
{
	struct lm_busy b;
	int err = lm_busy_decode(msg, len, &b);

	if (err)
		return err;
	assert(b.retry_ms >= 1 && b.retry_ms <= LM_BUSY_RETRY_MAX_MS);
	expect_text(b.reason, sizeof(b.reason));
	expect_encoding(msg, len, out, lm_busy_encode(out, len, &b));
	return 0;
}

static int run_join(const u8 *msg, size_t len, u8 *out)
{
	struct lm_join j;
	int err = lm_join_decode(msg, len, &j);

	if (err)
		return err;
	assert(j.streams >= 1 && j.streams <= LIVEMIG_STREAMS_MAX);
	assert(j.stream < j.streams);
	expect_encoding(msg, len, out, lm_join_encode(out, len, &j));
	return 0;
}

/*
 * The region table in front of a PAGES message (fuzz_wire.h). Only the
 * sizes matter to lm_pages_next(), and SETUP lets through only sizes that
 * are non-zero page multiples. Return: the bytes it takes, 0 if invalid.
 */
static size_t read_regions(const u8 *msg, size_t len, struct lm_vm_desc *d)
{
	unsigned int i;
	size_t used;

	if (!len || !msg[0] || msg[0] > LIVEMIG_VM_REGIONS_MAX)
		return 0;
	used = 1 + 4 * (size_t)msg[0];
	if (len < used)
		return 0;

	memset(d, 0, sizeof(*d));
	d->n_regions = msg[0];
	for (i = 0; i < d->n_regions; i++) {
		u32 pages = get_unaligned_be32(msg + 1 + 4 * i);

		if (!pages)
			return 0;
		d->regions[i].size = (u64)pages * LM_WIRE_PAGE_SIZE;
	}
	return used;
}

/* An entry the destination will write into guest memory as it says. */
static void expect_page(const struct lm_vm_desc *d, const u8 *msg, size_t len,
			const struct lm_page_entry *e)
{
	assert(e->region < d->n_regions);
	assert(e->index < d->regions[e->region].size / LM_WIRE_PAGE_SIZE);
	if (e->enc == LM_PAGE_RAW)
		assert(e->len == LM_WIRE_PAGE_SIZE);
	else if (e->enc == LM_PAGE_ZERO)
		assert(!e->len && !e->data);
	else
		assert(e->enc == LM_PAGE_LZ4 && e->len >= 1 &&
		       e->len < LM_WIRE_PAGE_SIZE);
	if (e->len)
		expect_inside(msg, len, e->data, e->len);
}

static int run_pages(const u8 *msg, size_t len, u8 *out)
{
	/* One more than a batch holds: the call that ends it gets a slot. */
	struct lm_page_entry e[LM_PAGES_MAX_COUNT + 1], after;
	struct lm_pages_reader r;
	struct lm_pages_writer w;
	struct lm_vm_desc d;
	size_t used = read_regions(msg, len, &d);
	unsigned int i, n = 0;
	int ret;

	if (!used)
		return -EINVAL;
	msg += used;
	len -= used;
	out += used;

	ret = lm_pages_start(&r, msg, len);
	if (ret)
		return ret;
	assert(r.count >= 1 && r.count <= LM_PAGES_MAX_COUNT);
	while ((ret = lm_pages_next(&r, &d, &e[n])) == 1) {
		expect_page(&d, msg, len, &e[n]);
		assert(++n <= r.count);
	}
	if (ret) {
		/* Sticky: the reader does not move past a bad entry. */
		assert(lm_pages_next(&r, &d, &after) == ret);
		return ret;
	}
	assert(n == r.count);

	lm_pages_begin(&w, out, len);
	for (i = 0; i < n; i++)
		assert(!lm_pages_add(&w, &e[i]));
	expect_encoding(msg, len, out, lm_pages_finish(&w));
	return 0;
}

static int run_round_end(const u8 *msg, size_t len, u8 *out)
{
	u32 round;
	int err = lm_round_end_decode(msg, len, &round);

	if (err)
		return err;
	expect_encoding(msg, len, out, lm_round_end_encode(out, len, round));
	return 0;
}

static int run_state_chunk(const u8 *msg, size_t len, u8 *out)
{
	struct lm_state_chunk c;
	int err = lm_state_chunk_decode(msg, len, &c);

	if (err)
		return err;
	/* The data runs from the header to the end of the payload. */
	expect_inside(msg, len, c.data, c.len);
	assert(c.data + c.len == msg + len);
	assert(c.len <= LM_STATE_CHUNK_DATA_MAX && (c.len || !c.total));
	assert(c.total <= LIVEMIG_STATE_MAX);
	assert((u64)c.offset + c.len <= c.total);
	expect_encoding(msg, len, out, lm_state_chunk_encode(out, len, &c));
	return 0;
}

static int run_stream_end(const u8 *msg, size_t len, u8 *out)
{
	struct lm_stream_end se;
	int err = lm_stream_end_decode(msg, len, &se);

	if (err)
		return err;
	expect_encoding(msg, len, out, lm_stream_end_encode(out, len, &se));
	return 0;
}

static int run_ready(const u8 *msg, size_t len, u8 *out)
{
	int err = lm_ready_decode(msg, len);

	if (err)
		return err;
	assert(!len);
	return 0;
}

static int run_uuid_msg(const u8 *msg, size_t len, u8 *out)
{
	u8 uuid[LIVEMIG_UUID_LEN];
	int err = lm_uuid_msg_decode(msg, len, uuid);

	if (err)
		return err;
	expect_encoding(msg, len, out, lm_uuid_msg_encode(out, len, uuid));
	return 0;
}

static int run_outcome(const u8 *msg, size_t len, u8 *out)
{
	struct lm_outcome o;
	int err = lm_outcome_decode(msg, len, &o);

	if (err)
		return err;
	assert(o.outcome <= LM_OUTCOME_COMMITTED);
	expect_encoding(msg, len, out, lm_outcome_encode(out, len, &o));
	return 0;
}

static int run_state_check(const u8 *msg, size_t len, u8 *out)
{
	const char *why = NULL;
	int err = lm_state_check(msg, len, &why);

	if (err) {
		/* The sentence is what the VMM is told: there must be one. */
		assert(why && *why);
		return err;
	}
	/* Whole records, each padded to 8 bytes. */
	assert(len >= sizeof(struct livemig_state_rec));
	assert(len <= LIVEMIG_STATE_MAX && len % 8 == 0);
	return 0;
}

const struct lm_fuzz_target lm_fuzz_targets[__LM_FUZZ_MAX] = {
	[LM_FUZZ_HDR]		= { "hdr", run_hdr },
	[LM_FUZZ_HELLO]		= { "hello", run_hello },
	[LM_FUZZ_ABORT]		= { "abort", run_abort },
	[LM_FUZZ_SETUP]		= { "setup", run_setup },
	[LM_FUZZ_AUTH]		= { "auth", run_auth },
	[LM_FUZZ_ACCEPT]	= { "accept", run_accept },
	[LM_FUZZ_BUSY]		= { "busy", run_busy },
	[LM_FUZZ_JOIN]		= { "join", run_join },
	[LM_FUZZ_PAGES]		= { "pages", run_pages },
	[LM_FUZZ_ROUND_END]	= { "round-end", run_round_end },
	[LM_FUZZ_STATE_CHUNK]	= { "state-chunk", run_state_chunk },
	[LM_FUZZ_STREAM_END]	= { "stream-end", run_stream_end },
	[LM_FUZZ_READY]		= { "ready", run_ready },
	[LM_FUZZ_UUID_MSG]	= { "uuid-msg", run_uuid_msg },
	[LM_FUZZ_OUTCOME]	= { "outcome", run_outcome },
	[LM_FUZZ_STATE_CHECK]	= { "state-check", run_state_check },
};

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 *out;

	if (!size || data[0] >= __LM_FUZZ_MAX)
		return 0;
	/* Past the first byte, exactly as many bytes as the message has. */
	out = malloc(size);
	assert(out);
	lm_fuzz_targets[data[0]].run(data + 1, size - 1, out + 1);
	free(out);
	return 0;
}
