// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the wire protocol codec (proto.c): framing, version
 * negotiation, every payload, the page digest and the state framing.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/xxhash.h>
#include <asm/unaligned.h>

#include "../proto.h"
#include "../vmdesc.h"

struct hdr_case {
	const char *desc;
	u8 bytes[LM_MSG_HDR_LEN];
	size_t avail;
	int err;
	struct lm_msg_hdr want;
};

static const struct hdr_case hdr_cases[] = {
	{
		.desc = "valid HELLO",
		.bytes = { 'L', 'M', 'I', 'G', 1, LM_MSG_HELLO, 0, 0, 0, 0, 0, 40 },
		.avail = LM_MSG_HDR_LEN,
		.want = { .version = 1, .type = LM_MSG_HELLO, .len = 40 },
	},
	{
		.desc = "PAGES at its size limit",
		.bytes = { 'L', 'M', 'I', 'G', 1, LM_MSG_PAGES, 0, 0, 0, 0x10, 0, 0 },
		.avail = LM_MSG_HDR_LEN,
		.want = { .version = 1, .type = LM_MSG_PAGES, .len = 1024 * 1024 },
	},
	{
		.desc = "empty READY",
		.bytes = { 'L', 'M', 'I', 'G', 1, LM_MSG_READY, 0, 0, 0, 0, 0, 0 },
		.avail = LM_MSG_HDR_LEN,
		.want = { .version = 1, .type = LM_MSG_READY, .len = 0 },
	},
	{
		.desc = "truncated header",
		.bytes = { 'L', 'M', 'I', 'G', 1, LM_MSG_HELLO },
		.avail = 6,
		.err = -ENODATA,
	},
	{
		.desc = "bad magic",
		.bytes = { 'L', 'M', 'I', 'H', 1, LM_MSG_HELLO, 0, 0, 0, 0, 0, 1 },
		.avail = LM_MSG_HDR_LEN,
		.err = -EBADMSG,
	},
	{
		.desc = "version 0",
		.bytes = { 'L', 'M', 'I', 'G', 0, LM_MSG_HELLO, 0, 0, 0, 0, 0, 1 },
		.avail = LM_MSG_HDR_LEN,
		.err = -EPROTONOSUPPORT,
	},
	{
		.desc = "version from the future",
		.bytes = { 'L', 'M', 'I', 'G', 200, LM_MSG_HELLO, 0, 0, 0, 0, 0, 1 },
		.avail = LM_MSG_HDR_LEN,
		.err = -EPROTONOSUPPORT,
	},
	{
		.desc = "type 0",
		.bytes = { 'L', 'M', 'I', 'G', 1, 0, 0, 0, 0, 0, 0, 1 },
		.avail = LM_MSG_HDR_LEN,
		.err = -EOPNOTSUPP,
	},
	{
		.desc = "type past the last",
		.bytes = { 'L', 'M', 'I', 'G', 1, __LM_MSG_MAX, 0, 0, 0, 0, 0, 1 },
		.avail = LM_MSG_HDR_LEN,
		.err = -EOPNOTSUPP,
	},
	{
		.desc = "unknown flag",
		.bytes = { 'L', 'M', 'I', 'G', 1, LM_MSG_HELLO, 0x80, 0, 0, 0, 0, 1 },
		.avail = LM_MSG_HDR_LEN,
		.err = -EINVAL,
	},
	{
		.desc = "PAGES one byte too long",
		.bytes = { 'L', 'M', 'I', 'G', 1, LM_MSG_PAGES, 0, 0, 0, 0x10, 0, 1 },
		.avail = LM_MSG_HDR_LEN,
		.err = -EMSGSIZE,
	},
	{
		.desc = "huge length",
		.bytes = { 'L', 'M', 'I', 'G', 1, LM_MSG_STATE, 0, 0, 0xff, 0xff, 0xff, 0xff },
		.avail = LM_MSG_HDR_LEN,
		.err = -EMSGSIZE,
	},
};

static void hdr_case_desc(const struct hdr_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hdr, hdr_cases, hdr_case_desc);

static void lm_hdr_decode_test(struct kunit *test)
{
	const struct hdr_case *c = test->param_value;
	struct lm_msg_hdr got = { .type = 0xee };
	int err;

	err = lm_msg_hdr_decode(c->bytes, c->avail, &got);

	KUNIT_ASSERT_EQ(test, err, c->err);
	if (err) {
		/* A refused header must leave the output untouched. */
		KUNIT_EXPECT_EQ(test, got.type, 0xee);
		return;
	}
	KUNIT_EXPECT_EQ(test, got.version, c->want.version);
	KUNIT_EXPECT_EQ(test, got.type, c->want.type);
	KUNIT_EXPECT_EQ(test, got.flags, c->want.flags);
	KUNIT_EXPECT_EQ(test, got.len, c->want.len);
}

static void lm_hdr_roundtrip_test(struct kunit *test)
{
	u8 buf[LM_MSG_HDR_LEN];
	struct lm_msg_hdr in, out;
	u8 type;

	for (type = LM_MSG_HELLO; type < __LM_MSG_MAX; type++) {
		in = (struct lm_msg_hdr){
			.version = LM_PROTO_VERSION,
			.type = type,
			.len = lm_msg_max_len(type),
		};

		KUNIT_ASSERT_EQ(test, lm_msg_hdr_encode(buf, &in), 0);
		KUNIT_ASSERT_EQ(test, lm_msg_hdr_decode(buf, sizeof(buf), &out), 0);

		KUNIT_EXPECT_EQ(test, out.type, type);
		KUNIT_EXPECT_EQ(test, out.len, in.len);
		KUNIT_EXPECT_STRNEQ(test, lm_msg_name(type), "unknown");
	}
}

static void lm_hdr_encode_refuses_test(struct kunit *test)
{
	u8 buf[LM_MSG_HDR_LEN] = {};
	struct lm_msg_hdr too_long = {
		.version = LM_PROTO_VERSION, .type = LM_MSG_HELLO,
		.len = lm_msg_max_len(LM_MSG_HELLO) + 1,
	};
	struct lm_msg_hdr bad_type = { .version = LM_PROTO_VERSION, .type = 0 };
	struct lm_msg_hdr bad_version = { .version = 0, .type = LM_MSG_HELLO };
	struct lm_msg_hdr bad_flags = {
		.version = LM_PROTO_VERSION, .type = LM_MSG_HELLO, .flags = 1,
	};

	KUNIT_EXPECT_EQ(test, lm_msg_hdr_encode(buf, &too_long), -EINVAL);
	KUNIT_EXPECT_EQ(test, lm_msg_hdr_encode(buf, &bad_type), -EINVAL);
	KUNIT_EXPECT_EQ(test, lm_msg_hdr_encode(buf, &bad_version), -EINVAL);
	KUNIT_EXPECT_EQ(test, lm_msg_hdr_encode(buf, &bad_flags), -EINVAL);
	/* Nothing was written for a refused header. */
	KUNIT_EXPECT_EQ(test, buf[0], 0);
	KUNIT_EXPECT_STREQ(test, lm_msg_name(0), "unknown");
	KUNIT_EXPECT_STREQ(test, lm_msg_name(0xff), "unknown");
}

struct nego_case {
	const char *desc;
	u32 peer_min, peer_max;
	int err;
	u32 chosen;
};

static const struct nego_case nego_cases[] = {
	{ "same range", LM_PROTO_VERSION_MIN, LM_PROTO_VERSION, 0, LM_PROTO_VERSION },
	{ "newer peer", LM_PROTO_VERSION_MIN, LM_PROTO_VERSION + 5, 0, LM_PROTO_VERSION },
	{ "peer only newer", LM_PROTO_VERSION + 1, LM_PROTO_VERSION + 3, -EPROTONOSUPPORT, 0 },
	{ "down-level peer", 0, LM_PROTO_VERSION_MIN - 1, -EPROTONOSUPPORT, 0 },
	{ "upside down range", 3, 1, -EINVAL, 0 },
};

static void nego_case_desc(const struct nego_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nego, nego_cases, nego_case_desc);

static void lm_proto_negotiate_test(struct kunit *test)
{
	const struct nego_case *c = test->param_value;
	u32 chosen = 0;

	KUNIT_ASSERT_EQ(test, lm_proto_negotiate(c->peer_min, c->peer_max, &chosen),
			c->err);
	KUNIT_EXPECT_EQ(test, chosen, c->chosen);
}

static void make_hello(struct lm_hello *h)
{
	memset(h, 0, sizeof(*h));
	h->version_min = LM_PROTO_VERSION_MIN;
	h->version_max = LM_PROTO_VERSION;
	h->auth = LIVEMIG_AUTH_PSK;
	h->features = 0xa5a50001;
	memset(h->nonce, 0x3c, sizeof(h->nonce));
	strscpy(h->host, "hostA.example", sizeof(h->host));
}

static void lm_hello_roundtrip_test(struct kunit *test)
{
	struct lm_hello in, out;
	u8 buf[128];
	int len;

	make_hello(&in);
	len = lm_hello_encode(buf, sizeof(buf), &in);
	KUNIT_ASSERT_EQ(test, len, LM_HELLO_FIXED_LEN + 13);
	KUNIT_ASSERT_LE(test, len, (int)lm_msg_max_len(LM_MSG_HELLO));
	KUNIT_ASSERT_EQ(test, lm_hello_decode(buf, len, &out), 0);
	KUNIT_EXPECT_EQ(test, out.version_min, in.version_min);
	KUNIT_EXPECT_EQ(test, out.version_max, in.version_max);
	KUNIT_EXPECT_EQ(test, out.auth, in.auth);
	KUNIT_EXPECT_EQ(test, out.features, in.features);
	KUNIT_EXPECT_EQ(test, memcmp(out.nonce, in.nonce, LM_NONCE_LEN), 0);
	KUNIT_EXPECT_STREQ(test, out.host, in.host);

	/* The longest host name fits the HELLO bound too. */
	memset(in.host, 'h', LIVEMIG_HOST_NAME_MAX - 1);
	in.host[LIVEMIG_HOST_NAME_MAX - 1] = '\0';
	len = lm_hello_encode(buf, sizeof(buf), &in);
	KUNIT_ASSERT_GT(test, len, 0);
	KUNIT_EXPECT_LE(test, len, (int)lm_msg_max_len(LM_MSG_HELLO));
	KUNIT_EXPECT_EQ(test, lm_hello_decode(buf, len, &out), 0);
}

enum hello_damage {
	HD_SHORT, HD_TRAILING, HD_HOSTLEN_PAST_END, HD_HOSTLEN_ZERO,
	HD_HOST_SPACE, HD_HOST_ESCAPE, HD_UPSIDE_DOWN, HD_HOSTLEN_MAX,
	HD_HOST_NUL,
};

struct hello_case {
	const char *desc;
	enum hello_damage damage;
};

static const struct hello_case hello_cases[] = {
	{ "shorter than its fixed part", HD_SHORT },
	{ "a byte after the host name", HD_TRAILING },
	{ "host length past the end", HD_HOSTLEN_PAST_END },
	{ "empty host name", HD_HOSTLEN_ZERO },
	{ "space in the host name", HD_HOST_SPACE },
	{ "escape sequence in the host name", HD_HOST_ESCAPE },
	{ "version range upside down", HD_UPSIDE_DOWN },
	{ "host length 255", HD_HOSTLEN_MAX },
	{ "NUL inside the host name (found by the fuzzer)", HD_HOST_NUL },
};

static void hello_case_desc(const struct hello_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hello, hello_cases, hello_case_desc);

static void lm_hello_decode_refuses_test(struct kunit *test)
{
	const struct hello_case *c = test->param_value;
	struct lm_hello in, out = { .auth = 0xee };
	u8 buf[512] = {};
	int len;

	make_hello(&in);
	len = lm_hello_encode(buf, sizeof(buf), &in);
	KUNIT_ASSERT_GT(test, len, 0);

	switch (c->damage) {
	case HD_SHORT:
		len = LM_HELLO_FIXED_LEN - 1;
		break;
	case HD_TRAILING:
		len++;
		break;
	case HD_HOSTLEN_PAST_END:
		buf[3]++;
		break;
	case HD_HOSTLEN_ZERO:
		buf[3] = 0;
		len = LM_HELLO_FIXED_LEN;
		break;
	case HD_HOST_SPACE:
		buf[LM_HELLO_FIXED_LEN + 4] = ' ';
		break;
	case HD_HOST_ESCAPE:
		buf[LM_HELLO_FIXED_LEN] = 0x1b;
		break;
	case HD_UPSIDE_DOWN:
		buf[0] = 2;
		buf[1] = 1;
		break;
	case HD_HOSTLEN_MAX:
		buf[3] = 255;
		memset(buf + LM_HELLO_FIXED_LEN, 'a', 255);
		len = LM_HELLO_FIXED_LEN + 255;
		break;
	case HD_HOST_NUL:
		/* "a" then a NUL hiding a byte no name may hold. */
		buf[LM_HELLO_FIXED_LEN + 1] = '\0';
		buf[LM_HELLO_FIXED_LEN + 2] = 0xff;
		break;
	}

	KUNIT_EXPECT_EQ(test, lm_hello_decode(buf, len, &out), -EBADMSG);
	KUNIT_EXPECT_EQ(test, out.auth, 0xee);
}

static void lm_hello_encode_refuses_test(struct kunit *test)
{
	struct lm_hello h;
	u8 buf[128];

	make_hello(&h);
	KUNIT_EXPECT_EQ(test, lm_hello_encode(buf, LM_HELLO_FIXED_LEN, &h), -EMSGSIZE);
	strscpy(h.host, "bad host", sizeof(h.host));
	KUNIT_EXPECT_EQ(test, lm_hello_encode(buf, sizeof(buf), &h), -EINVAL);
	make_hello(&h);
	h.version_min = 3;
	KUNIT_EXPECT_EQ(test, lm_hello_encode(buf, sizeof(buf), &h), -EINVAL);
}

static void lm_abort_test(struct kunit *test)
{
	struct lm_abort in = { .code = 13, .phase = LM_PHASE_AUTHENTICATING }, out;
	u8 buf[300];
	int len;

	strscpy(in.reason, "authentication failed: the hosts do not share a key",
		sizeof(in.reason));
	len = lm_abort_encode(buf, sizeof(buf), &in);
	KUNIT_ASSERT_GT(test, len, 0);
	KUNIT_ASSERT_EQ(test, lm_abort_decode(buf, len, &out), 0);
	KUNIT_EXPECT_EQ(test, out.code, 13);
	KUNIT_EXPECT_STREQ(test, lm_phase_name(out.phase), "authenticating");
	KUNIT_EXPECT_STREQ(test, out.reason, in.reason);

	/* A peer's control characters never reach a terminal. */
	buf[4] = 0x1b;
	buf[5] = 0x80;
	KUNIT_ASSERT_EQ(test, lm_abort_decode(buf, len, &out), 0);
	KUNIT_EXPECT_EQ(test, out.reason[0], '?');
	KUNIT_EXPECT_EQ(test, out.reason[1], '?');

	/* Lengths must agree exactly. */
	KUNIT_EXPECT_EQ(test, lm_abort_decode(buf, len - 1, &out), -EBADMSG);
	KUNIT_EXPECT_EQ(test, lm_abort_decode(buf, len + 1, &out), -EBADMSG);
	KUNIT_EXPECT_EQ(test, lm_abort_decode(buf, 3, &out), -EBADMSG);
	KUNIT_EXPECT_EQ(test, lm_abort_encode(buf, 10, &in), -EMSGSIZE);
	KUNIT_EXPECT_STREQ(test, lm_phase_name(200), "unknown phase");
}

#define MIB	(1024 * 1024ull)

static const u8 test_uuid[LIVEMIG_UUID_LEN] = {
	0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
	0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
};

static void make_setup(struct lm_setup *st, struct lm_vm_desc *d)
{
	static const u8 config[] = "mem=4096\nvcpus=2\n";

	memset(d, 0, sizeof(*d));
	strscpy(d->name, "web1", sizeof(d->name));
	d->n_regions = 2;
	d->regions[0] = (struct lm_region){ .id = 1, .name = "ram-low", .gpa = 0,
					    .size = 3072 * MIB, .hva = 0x7f0000000000 };
	d->regions[1] = (struct lm_region){ .id = 2, .name = "ram-high",
					    .gpa = 4096 * MIB, .size = 1024 * MIB,
					    .hva = 0x7f1000000000 };
	*st = (struct lm_setup){ .vcpus = 2, .options = 0x10001,
				 .config = config, .config_len = sizeof(config) };
	memcpy(st->uuid, test_uuid, sizeof(st->uuid));
}

static void lm_setup_roundtrip_test(struct kunit *test)
{
	struct lm_vm_desc *d = kunit_kzalloc(test, 2 * sizeof(*d), GFP_KERNEL);
	u8 *buf = kunit_kzalloc(test, 4096, GFP_KERNEL);
	struct lm_setup st, got;
	struct lm_vm_desc *out;
	int len, i;

	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	out = d + 1;
	make_setup(&st, d);

	len = lm_setup_encode(buf, 4096, &st, d);
	KUNIT_ASSERT_GT(test, len, 0);
	KUNIT_ASSERT_EQ(test, lm_setup_decode(buf, len, &got, out), 0);
	/* The uuid comes first on the wire. */
	KUNIT_EXPECT_EQ(test, memcmp(buf, test_uuid, LIVEMIG_UUID_LEN), 0);
	KUNIT_EXPECT_EQ(test, memcmp(got.uuid, test_uuid, LIVEMIG_UUID_LEN), 0);
	KUNIT_EXPECT_EQ(test, got.vcpus, 2);
	KUNIT_EXPECT_EQ(test, got.options, 0x10001);
	KUNIT_EXPECT_EQ(test, got.config_len, st.config_len);
	KUNIT_EXPECT_EQ(test, memcmp(got.config, st.config, st.config_len), 0);
	KUNIT_EXPECT_STREQ(test, out->name, "web1");
	KUNIT_ASSERT_EQ(test, out->n_regions, 2);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ(test, out->regions[i].id, d->regions[i].id);
		KUNIT_EXPECT_STREQ(test, out->regions[i].name, d->regions[i].name);
		KUNIT_EXPECT_EQ(test, out->regions[i].gpa, d->regions[i].gpa);
		KUNIT_EXPECT_EQ(test, out->regions[i].size, d->regions[i].size);
		/* Host addresses never travel. */
		KUNIT_EXPECT_EQ(test, out->regions[i].hva, 0);
	}

	/* Every truncation, and one byte too many, is refused. */
	for (i = 0; i < len; i++)
		KUNIT_EXPECT_EQ_MSG(test, lm_setup_decode(buf, i, &got, out), -EBADMSG,
				    "truncated to %d of %d bytes", i, len);
	KUNIT_EXPECT_EQ(test, lm_setup_decode(buf, len + 1, &got, out), -EBADMSG);
	KUNIT_EXPECT_EQ(test, lm_setup_encode(buf, len - 1, &st, d), -EMSGSIZE);
}

enum setup_damage {
	SD_NO_VCPU, SD_BAD_NAME, SD_OVERLAP, SD_UNALIGNED, SD_WRAP, SD_SAME_ID,
	SD_NO_REGION, SD_TOO_MANY_REGIONS, SD_HUGE_CONFIG, SD_ESCAPE_REGION_NAME,
};

struct setup_case {
	const char *desc;
	enum setup_damage damage;
};

static const struct setup_case setup_cases[] = {
	{ "no vCPU", SD_NO_VCPU },
	{ "VM name with a space", SD_BAD_NAME },
	{ "regions overlap", SD_OVERLAP },
	{ "region size not a page multiple", SD_UNALIGNED },
	{ "region wraps around", SD_WRAP },
	{ "two regions with one id", SD_SAME_ID },
	{ "no region", SD_NO_REGION },
	{ "33 regions announced", SD_TOO_MANY_REGIONS },
	{ "config longer than allowed", SD_HUGE_CONFIG },
	{ "escape sequence in a region name", SD_ESCAPE_REGION_NAME },
};

static void setup_case_desc(const struct setup_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(setup, setup_cases, setup_case_desc);

/* Offset of the region count in an encoding of make_setup()'s SETUP. */
static size_t setup_count_offset(const struct lm_setup *st,
				 const struct lm_vm_desc *d)
{
	return LIVEMIG_UUID_LEN + 8 + 1 + strlen(d->name) + 4 + st->config_len;
}

static void lm_setup_decode_refuses_test(struct kunit *test)
{
	const struct setup_case *c = test->param_value;
	struct lm_vm_desc *d = kunit_kzalloc(test, 2 * sizeof(*d), GFP_KERNEL);
	u8 *buf = kunit_kzalloc(test, 4096, GFP_KERNEL);
	struct lm_setup st, got;
	size_t count_at;
	int len;

	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	make_setup(&st, d);

	/* Damage the description before encoding where the encoder allows it. */
	switch (c->damage) {
	case SD_NO_VCPU:
		st.vcpus = 0;
		break;
	case SD_BAD_NAME:
		strscpy(d->name, "web 1", sizeof(d->name));
		break;
	case SD_OVERLAP:
		d->regions[1].gpa = 1024 * MIB;
		break;
	case SD_UNALIGNED:
		d->regions[1].size += 512;
		break;
	case SD_WRAP:
		d->regions[1].gpa = ~0ull - 4095;
		d->regions[1].size = 8192;
		break;
	case SD_SAME_ID:
		d->regions[1].id = d->regions[0].id;
		break;
	case SD_ESCAPE_REGION_NAME:
		d->regions[0].name[0] = 0x1b;
		break;
	default:
		break;
	}
	len = lm_setup_encode(buf, 4096, &st, d);
	KUNIT_ASSERT_GT(test, len, 0);

	/* ...and the bytes themselves where it would not. */
	count_at = setup_count_offset(&st, d);
	switch (c->damage) {
	case SD_NO_REGION:
		buf[count_at] = 0;
		break;
	case SD_TOO_MANY_REGIONS:
		buf[count_at] = LIVEMIG_VM_REGIONS_MAX + 1;
		break;
	case SD_HUGE_CONFIG:
		buf[LIVEMIG_UUID_LEN + 8 + 1 + strlen(d->name)] = 0x7f;
		break;
	default:
		break;
	}

	KUNIT_EXPECT_EQ(test, lm_setup_decode(buf, len, &got, d + 1), -EBADMSG);
}

/*
 * Golden encodings: the documented layouts, written out by hand so that the
 * encoders are checked against Documentation/wire-protocol.rst rather than
 * against the decoders. Messages that start with the migration's uuid are
 * written without it: the tests put test_uuid in front.
 */

static const u8 auth_golden[LM_AUTH_MAC_LEN] = {
	0xa0, 0xa1, 0xa2, 0xa3, [16] = 0x55, [31] = 0xaf,
};

static const u8 accept_golden[] = {
	2,
	LM_WIRE_ADDR_V4, 192, 0, 2, 1, 0x19, 0xc8,
	LM_WIRE_ADDR_V6, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
			 0, 0, 0, 0, 0, 0, 0, 0x01, 0x19, 0xc9,
};

static const u8 accept_empty[] = { 0 };
static const u8 busy_golden[] = { 0, 0, 0x13, 0x88, 4, 'f', 'u', 'l', 'l' };
static const u8 busy_longest_wait[] = { 0x00, 0x09, 0x27, 0xc0, 0 };
static const u8 join_golden[] = { 0, 1, 0, 4 };
static const u8 join_last[] = { 0, 15, 0, 16 };
static const u8 round_end_golden[] = { 0, 0, 1, 7 };
static const u8 stream_end_golden[] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
};

static const u8 nothing[1];	/* used with length 0 */
static const u8 outcome_golden[] = { LM_OUTCOME_COMMITTED };
static const u8 outcome_query[] = { LM_OUTCOME_QUERY };

/* A zero marker for region 1, then 3 lz4 bytes for the last page of region 0. */
static const u8 pages_golden[] = {
	0, 2, 0, 0,
	1, LM_PAGE_ZERO, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3,
	0, LM_PAGE_LZ4, 0, 3, 0, 0, 0, 15, 0, 0, 0, 4, 0xde, 0xad, 0x01,
};

/* Two regions, as a SETUP announced them: 16 pages and 1 page. */
static const struct lm_vm_desc pages_desc = {
	.name = "vm",
	.n_regions = 2,
	.regions = {
		{ .id = 10, .name = "low", .gpa = 0, .size = 16 * LM_WIRE_PAGE_SIZE },
		{ .id = 20, .name = "high", .gpa = MIB, .size = LM_WIRE_PAGE_SIZE },
	},
};

/* Decoders behind one signature, so one table covers them all. */
static int dec_auth(const u8 *buf, size_t len)
{
	struct lm_auth_msg m;

	return lm_auth_decode(buf, len, &m);
}

static int dec_accept(const u8 *buf, size_t len)
{
	struct lm_accept a;

	return lm_accept_decode(buf, len, &a);
}

static int dec_busy(const u8 *buf, size_t len)
{
	struct lm_busy b;

	return lm_busy_decode(buf, len, &b);
}

static int dec_join(const u8 *buf, size_t len)
{
	struct lm_join j;

	return lm_join_decode(buf, len, &j);
}

static int dec_round_end(const u8 *buf, size_t len)
{
	u32 round;

	return lm_round_end_decode(buf, len, &round);
}

static int dec_state(const u8 *buf, size_t len)
{
	struct lm_state_chunk c;

	return lm_state_chunk_decode(buf, len, &c);
}

static int dec_stream_end(const u8 *buf, size_t len)
{
	struct lm_stream_end se;

	return lm_stream_end_decode(buf, len, &se);
}

static int dec_ready(const u8 *buf, size_t len)
{
	return lm_ready_decode(buf, len);
}

static int dec_uuid(const u8 *buf, size_t len)
{
	u8 uuid[LIVEMIG_UUID_LEN];

	return lm_uuid_msg_decode(buf, len, uuid);
}

static int dec_outcome(const u8 *buf, size_t len)
{
	struct lm_outcome o;

	return lm_outcome_decode(buf, len, &o);
}

/* The whole batch, as a receiver walks it: 0 only at a clean end. */
static int dec_pages(const u8 *buf, size_t len)
{
	struct lm_pages_reader r;
	struct lm_page_entry e;
	int err;

	err = lm_pages_start(&r, buf, len);
	while (!err) {
		err = lm_pages_next(&r, &pages_desc, &e);
		if (err == 1)
			err = 0;
		else if (!err)
			break;
	}
	return err;
}

struct wire_case {
	const char *desc;
	int (*decode)(const u8 *buf, size_t len);
	const u8 *bytes;
	size_t len;
	bool uuid_first;
};

#define WIRE(d, fn, b)		{ d, fn, b, sizeof(b), false }
#define WIRE_UUID(d, fn, b)	{ d, fn, b, sizeof(b), true }

/* The case's message in a buffer with one spare byte after it. */
static u8 *wire_bytes(struct kunit *test, const struct wire_case *c, size_t *len)
{
	size_t at = c->uuid_first ? LIVEMIG_UUID_LEN : 0;
	u8 *buf = kunit_kzalloc(test, at + c->len + 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	memcpy(buf, test_uuid, at);
	memcpy(buf + at, c->bytes, c->len);
	*len = at + c->len;
	return buf;
}

/* Valid messages. STATE is not here: see lm_state_chunk_test(). */
static const struct wire_case valid_cases[] = {
	WIRE("AUTH", dec_auth, auth_golden),
	WIRE("ACCEPT with two addresses", dec_accept, accept_golden),
	WIRE("ACCEPT with none", dec_accept, accept_empty),
	WIRE("BUSY with a reason", dec_busy, busy_golden),
	WIRE("BUSY for ten minutes, no reason", dec_busy, busy_longest_wait),
	WIRE_UUID("JOIN", dec_join, join_golden),
	WIRE_UUID("JOIN of the last of 16 streams", dec_join, join_last),
	WIRE("ROUND_END", dec_round_end, round_end_golden),
	WIRE("STREAM_END", dec_stream_end, stream_end_golden),
	{ "READY", dec_ready, nothing, 0, false },
	{ "COMMIT", dec_uuid, nothing, 0, true },
	WIRE_UUID("OUTCOME answer", dec_outcome, outcome_golden),
	WIRE_UUID("OUTCOME query", dec_outcome, outcome_query),
	WIRE("PAGES", dec_pages, pages_golden),
};

static void wire_case_desc(const struct wire_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(valid, valid_cases, wire_case_desc);

static void lm_valid_msg_test(struct kunit *test)
{
	const struct wire_case *c = test->param_value;
	size_t i, len;
	u8 *buf = wire_bytes(test, c, &len);

	KUNIT_EXPECT_EQ(test, c->decode(buf, len), 0);
	/* Every truncation, and one byte too many, is refused. */
	for (i = 0; i < len; i++)
		KUNIT_EXPECT_EQ_MSG(test, c->decode(buf, i), -EBADMSG,
				    "truncated to %zu of %zu bytes", i, len);
	KUNIT_EXPECT_EQ(test, c->decode(buf, len + 1), -EBADMSG);
}

static const u8 accept_nine[] = {
	9,
	LM_WIRE_ADDR_V4, 10, 0, 0, 1, 0x19, 0xc8,
	LM_WIRE_ADDR_V4, 10, 0, 0, 2, 0x19, 0xc8,
	LM_WIRE_ADDR_V4, 10, 0, 0, 3, 0x19, 0xc8,
	LM_WIRE_ADDR_V4, 10, 0, 0, 4, 0x19, 0xc8,
	LM_WIRE_ADDR_V4, 10, 0, 0, 5, 0x19, 0xc8,
	LM_WIRE_ADDR_V4, 10, 0, 0, 6, 0x19, 0xc8,
	LM_WIRE_ADDR_V4, 10, 0, 0, 7, 0x19, 0xc8,
	LM_WIRE_ADDR_V4, 10, 0, 0, 8, 0x19, 0xc8,
	LM_WIRE_ADDR_V4, 10, 0, 0, 9, 0x19, 0xc8,
};

static const u8 accept_family5[] = { 1, 5, 10, 0, 0, 1, 0x19, 0xc8 };
static const u8 accept_family0[] = { 1, 0, 10, 0, 0, 1, 0x19, 0xc8 };
static const u8 accept_port0[] = { 1, LM_WIRE_ADDR_V4, 10, 0, 0, 1, 0, 0 };
/* Read as IPv4: 10.0.0.1, port 1, then 12 bytes too many. */
static const u8 accept_v4_long[] = {
	1, LM_WIRE_ADDR_V4, 10, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0x19, 0xc8,
};

static const u8 busy_retry0[] = { 0, 0, 0, 0, 0 };
static const u8 busy_retry_long[] = { 0x00, 0x09, 0x27, 0xc1, 0 };
static const u8 busy_escape[] = { 0, 0, 0, 1, 2, 0x1b, '[' };
static const u8 busy_latin1[] = { 0, 0, 0, 1, 1, 0xe9 };
static const u8 busy_nul[] = { 0, 0, 0, 1, 1, 0 };
static const u8 busy_del[] = { 0, 0, 0, 1, 1, 0x7f };
static const u8 join_no_stream[] = { 0, 0, 0, 0 };
static const u8 join_17[] = { 0, 0, 0, 17 };
static const u8 join_equal[] = { 0, 4, 0, 4 };
static const u8 join_past[] = { 0xff, 0xff, 0, 4 };
static const u8 outcome_past[] = { LM_OUTCOME_COMMITTED + 1 };
static const u8 outcome_ff[] = { 0xff };
static const u8 state_total_big[] = { 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x01, 0xaa };
static const u8 state_past_total[] = { 0, 0, 0, 1, 0, 0, 0, 2, 0xaa, 0xbb };
static const u8 state_wraps[] = { 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 16, 0xaa };
static const u8 state_no_data[] = { 0, 0, 0, 0, 0, 0, 0, 1 };
static const u8 state_data_of_nothing[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0xaa };

/* Each differs from a valid message in one value only. */
static const struct wire_case bad_cases[] = {
	WIRE("ACCEPT with 9 addresses", dec_accept, accept_nine),
	WIRE("ACCEPT family 5", dec_accept, accept_family5),
	WIRE("ACCEPT family 0", dec_accept, accept_family0),
	WIRE("ACCEPT port 0", dec_accept, accept_port0),
	WIRE("ACCEPT IPv4 with 16 bytes", dec_accept, accept_v4_long),
	WIRE("BUSY retry 0", dec_busy, busy_retry0),
	WIRE("BUSY retry past ten minutes", dec_busy, busy_retry_long),
	WIRE("BUSY reason with an escape", dec_busy, busy_escape),
	WIRE("BUSY reason in Latin-1", dec_busy, busy_latin1),
	WIRE("BUSY reason with a NUL", dec_busy, busy_nul),
	WIRE("BUSY reason with DEL", dec_busy, busy_del),
	WIRE_UUID("JOIN of 0 streams", dec_join, join_no_stream),
	WIRE_UUID("JOIN of 17 streams", dec_join, join_17),
	WIRE_UUID("JOIN stream == streams", dec_join, join_equal),
	WIRE_UUID("JOIN stream 65535", dec_join, join_past),
	WIRE_UUID("OUTCOME past COMMITTED", dec_outcome, outcome_past),
	WIRE_UUID("OUTCOME 255", dec_outcome, outcome_ff),
	WIRE("STATE total past 16 MiB", dec_state, state_total_big),
	WIRE("STATE data past the total", dec_state, state_past_total),
	WIRE("STATE offset + len wraps", dec_state, state_wraps),
	WIRE("STATE empty chunk", dec_state, state_no_data),
	WIRE("STATE data of an empty state", dec_state, state_data_of_nothing),
};

KUNIT_ARRAY_PARAM(bad, bad_cases, wire_case_desc);

static void lm_bad_msg_test(struct kunit *test)
{
	const struct wire_case *c = test->param_value;
	size_t len;
	u8 *buf = wire_bytes(test, c, &len);

	KUNIT_EXPECT_EQ(test, c->decode(buf, len), -EBADMSG);
}

/* An encoder's result and output against the golden bytes. */
static void expect_golden(struct kunit *test, int len, const u8 *buf,
			  const u8 *golden, size_t golden_len)
{
	KUNIT_EXPECT_EQ(test, len, (int)golden_len);
	KUNIT_EXPECT_EQ(test, memcmp(buf, golden, golden_len), 0);
}

/* The same for a message that starts with test_uuid. */
static void expect_golden_uuid(struct kunit *test, int len, const u8 *buf,
			       const u8 *golden, size_t golden_len)
{
	KUNIT_EXPECT_EQ(test, len, (int)(LIVEMIG_UUID_LEN + golden_len));
	KUNIT_EXPECT_EQ(test, memcmp(buf, test_uuid, LIVEMIG_UUID_LEN), 0);
	KUNIT_EXPECT_EQ(test, memcmp(buf + LIVEMIG_UUID_LEN, golden, golden_len), 0);
}

static void lm_auth_msg_test(struct kunit *test)
{
	struct lm_auth_msg in, out = {};
	u8 buf[64];

	memcpy(in.mac, auth_golden, sizeof(in.mac));
	memset(buf, 0xee, sizeof(buf));
	expect_golden(test, lm_auth_encode(buf, sizeof(buf), &in), buf,
		      auth_golden, sizeof(auth_golden));
	KUNIT_ASSERT_EQ(test, lm_auth_decode(buf, LM_AUTH_MAC_LEN, &out), 0);
	KUNIT_EXPECT_EQ(test, memcmp(out.mac, in.mac, LM_AUTH_MAC_LEN), 0);
	KUNIT_EXPECT_EQ(test, lm_auth_encode(buf, LM_AUTH_MAC_LEN - 1, &in), -EMSGSIZE);
}

static void lm_accept_test(struct kunit *test)
{
	struct lm_accept in = { .n_addrs = 2 }, out;
	u8 buf[256];
	int i;

	in.addrs[0] = (struct lm_wire_addr){
		.family = LM_WIRE_ADDR_V4, .addr = { 192, 0, 2, 1 }, .port = 6600,
	};
	in.addrs[1] = (struct lm_wire_addr){
		.family = LM_WIRE_ADDR_V6, .port = 6601,
		.addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
	};
	memset(buf, 0xee, sizeof(buf));
	expect_golden(test, lm_accept_encode(buf, sizeof(buf), &in), buf,
		      accept_golden, sizeof(accept_golden));

	memset(&out, 0xee, sizeof(out));
	KUNIT_ASSERT_EQ(test, lm_accept_decode(accept_golden, sizeof(accept_golden), &out), 0);
	KUNIT_ASSERT_EQ(test, out.n_addrs, 2);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ(test, out.addrs[i].family, in.addrs[i].family);
		/* All 16 bytes: an IPv4 address leaves the rest zero. */
		KUNIT_EXPECT_EQ(test, memcmp(out.addrs[i].addr, in.addrs[i].addr, 16), 0);
		KUNIT_EXPECT_EQ(test, out.addrs[i].port, in.addrs[i].port);
	}

	/* Eight addresses of the longest kind fit the ACCEPT bound. */
	in.n_addrs = LM_ACCEPT_ADDRS_MAX;
	for (i = 0; i < LM_ACCEPT_ADDRS_MAX; i++)
		in.addrs[i] = in.addrs[1];
	i = lm_accept_encode(buf, sizeof(buf), &in);
	KUNIT_EXPECT_EQ(test, i, 1 + LM_ACCEPT_ADDRS_MAX * 19);
	KUNIT_EXPECT_LE(test, i, (int)lm_msg_max_len(LM_MSG_ACCEPT));
	KUNIT_EXPECT_EQ(test, lm_accept_decode(buf, i, &out), 0);
	KUNIT_EXPECT_EQ(test, lm_accept_encode(buf, i - 1, &in), -EMSGSIZE);

	/* The encoder refuses what the decoder would. */
	in.n_addrs = LM_ACCEPT_ADDRS_MAX + 1;
	KUNIT_EXPECT_EQ(test, lm_accept_encode(buf, sizeof(buf), &in), -EINVAL);
	in.n_addrs = 1;
	in.addrs[0].port = 0;
	KUNIT_EXPECT_EQ(test, lm_accept_encode(buf, sizeof(buf), &in), -EINVAL);
	in.addrs[0].port = 1;
	in.addrs[0].family = 5;
	KUNIT_EXPECT_EQ(test, lm_accept_encode(buf, sizeof(buf), &in), -EINVAL);
}

static void lm_busy_test(struct kunit *test)
{
	struct lm_busy in = { .retry_ms = 5000, .reason = "full" }, out;
	u8 buf[512];
	int len;

	memset(buf, 0xee, sizeof(buf));
	expect_golden(test, lm_busy_encode(buf, sizeof(buf), &in), buf,
		      busy_golden, sizeof(busy_golden));
	KUNIT_ASSERT_EQ(test, lm_busy_decode(busy_golden, sizeof(busy_golden), &out), 0);
	KUNIT_EXPECT_EQ(test, out.retry_ms, 5000);
	KUNIT_EXPECT_STREQ(test, out.reason, "full");
	KUNIT_ASSERT_EQ(test, lm_busy_decode(busy_longest_wait,
					     sizeof(busy_longest_wait), &out), 0);
	KUNIT_EXPECT_EQ(test, out.retry_ms, LM_BUSY_RETRY_MAX_MS);
	KUNIT_EXPECT_STREQ(test, out.reason, "");

	/* The longest reason fits the BUSY bound and survives the trip. */
	memset(in.reason, 'r', sizeof(in.reason) - 1);
	in.reason[sizeof(in.reason) - 1] = '\0';
	len = lm_busy_encode(buf, sizeof(buf), &in);
	KUNIT_EXPECT_EQ(test, len, 5 + 255);
	KUNIT_EXPECT_LE(test, len, (int)lm_msg_max_len(LM_MSG_BUSY));
	KUNIT_ASSERT_EQ(test, lm_busy_decode(buf, len, &out), 0);
	KUNIT_EXPECT_EQ(test, strlen(out.reason), 255);
	KUNIT_EXPECT_EQ(test, lm_busy_encode(buf, len - 1, &in), -EMSGSIZE);

	in.retry_ms = 0;
	KUNIT_EXPECT_EQ(test, lm_busy_encode(buf, sizeof(buf), &in), -EINVAL);
	in.retry_ms = LM_BUSY_RETRY_MAX_MS + 1;
	KUNIT_EXPECT_EQ(test, lm_busy_encode(buf, sizeof(buf), &in), -EINVAL);
	in.retry_ms = 1;
	strscpy(in.reason, "tab\there", sizeof(in.reason));
	KUNIT_EXPECT_EQ(test, lm_busy_encode(buf, sizeof(buf), &in), -EINVAL);
}

static void lm_join_test(struct kunit *test)
{
	struct lm_join in = { .stream = 1, .streams = 4 }, out;
	u8 buf[64];

	memcpy(in.uuid, test_uuid, sizeof(in.uuid));
	memset(buf, 0xee, sizeof(buf));
	expect_golden_uuid(test, lm_join_encode(buf, sizeof(buf), &in), buf,
			   join_golden, sizeof(join_golden));
	memcpy(buf, test_uuid, LIVEMIG_UUID_LEN);
	memcpy(buf + LIVEMIG_UUID_LEN, join_last, sizeof(join_last));
	KUNIT_ASSERT_EQ(test, lm_join_decode(buf, LIVEMIG_UUID_LEN + 4, &out), 0);
	KUNIT_EXPECT_EQ(test, memcmp(out.uuid, test_uuid, LIVEMIG_UUID_LEN), 0);
	KUNIT_EXPECT_EQ(test, out.stream, 15);
	KUNIT_EXPECT_EQ(test, out.streams, LIVEMIG_STREAMS_MAX);
	KUNIT_EXPECT_EQ(test, lm_join_encode(buf, LIVEMIG_UUID_LEN + 3, &in), -EMSGSIZE);

	in.stream = 4;
	KUNIT_EXPECT_EQ(test, lm_join_encode(buf, sizeof(buf), &in), -EINVAL);
	in.stream = 0;
	in.streams = 0;
	KUNIT_EXPECT_EQ(test, lm_join_encode(buf, sizeof(buf), &in), -EINVAL);
	in.streams = LIVEMIG_STREAMS_MAX + 1;
	KUNIT_EXPECT_EQ(test, lm_join_encode(buf, sizeof(buf), &in), -EINVAL);
}

static void lm_small_msgs_test(struct kunit *test)
{
	struct lm_stream_end se = { .pages = 0x0102030405060708ull,
				    .digest = 0x1112131415161718ull }, se_out;
	struct lm_outcome o = { .outcome = LM_OUTCOME_COMMITTED }, o_out;
	u8 buf[64], uuid[LIVEMIG_UUID_LEN];
	u32 round = 0;

	memset(buf, 0xee, sizeof(buf));
	expect_golden(test, lm_round_end_encode(buf, sizeof(buf), 263), buf,
		      round_end_golden, sizeof(round_end_golden));
	KUNIT_ASSERT_EQ(test, lm_round_end_decode(buf, 4, &round), 0);
	KUNIT_EXPECT_EQ(test, round, 263);
	KUNIT_EXPECT_EQ(test, lm_round_end_encode(buf, 3, 1), -EMSGSIZE);

	expect_golden(test, lm_stream_end_encode(buf, sizeof(buf), &se), buf,
		      stream_end_golden, sizeof(stream_end_golden));
	KUNIT_ASSERT_EQ(test, lm_stream_end_decode(buf, 16, &se_out), 0);
	KUNIT_EXPECT_EQ(test, se_out.pages, se.pages);
	KUNIT_EXPECT_EQ(test, se_out.digest, se.digest);
	KUNIT_EXPECT_EQ(test, lm_stream_end_encode(buf, 15, &se), -EMSGSIZE);

	expect_golden_uuid(test, lm_uuid_msg_encode(buf, sizeof(buf), test_uuid), buf,
			   nothing, 0);
	KUNIT_ASSERT_EQ(test, lm_uuid_msg_decode(buf, LIVEMIG_UUID_LEN, uuid), 0);
	KUNIT_EXPECT_EQ(test, memcmp(uuid, test_uuid, LIVEMIG_UUID_LEN), 0);
	KUNIT_EXPECT_EQ(test, lm_uuid_msg_encode(buf, 15, test_uuid), -EMSGSIZE);

	memcpy(o.uuid, test_uuid, sizeof(o.uuid));
	expect_golden_uuid(test, lm_outcome_encode(buf, sizeof(buf), &o), buf,
			   outcome_golden, sizeof(outcome_golden));
	KUNIT_ASSERT_EQ(test, lm_outcome_decode(buf, 17, &o_out), 0);
	KUNIT_EXPECT_EQ(test, memcmp(o_out.uuid, test_uuid, LIVEMIG_UUID_LEN), 0);
	KUNIT_EXPECT_EQ(test, o_out.outcome, LM_OUTCOME_COMMITTED);
	KUNIT_EXPECT_EQ(test, lm_outcome_encode(buf, 16, &o), -EMSGSIZE);
	o.outcome = LM_OUTCOME_COMMITTED + 1;
	KUNIT_EXPECT_EQ(test, lm_outcome_encode(buf, sizeof(buf), &o), -EINVAL);

	KUNIT_EXPECT_EQ(test, lm_ready_decode(buf, 0), 0);
}

static void lm_state_chunk_test(struct kunit *test)
{
	static const u8 golden[] = { 0, 0, 0, 4, 0, 0, 0, 7, 'a', 'b', 'c' };
	struct lm_state_chunk in = { .offset = 4, .total = 7,
				     .data = golden + 8, .len = 3 }, out;
	size_t max = LM_STATE_CHUNK_HDR + LM_STATE_CHUNK_DATA_MAX;
	u8 *buf = kunit_kzalloc(test, max + 1, GFP_KERNEL);
	u8 *data = kunit_kzalloc(test, max, GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, data);
	KUNIT_EXPECT_EQ(test, max, lm_msg_max_len(LM_MSG_STATE));

	expect_golden(test, lm_state_chunk_encode(buf, max, &in), buf,
		      golden, sizeof(golden));
	KUNIT_ASSERT_EQ(test, lm_state_chunk_decode(golden, sizeof(golden), &out), 0);
	KUNIT_EXPECT_EQ(test, out.offset, 4);
	KUNIT_EXPECT_EQ(test, out.total, 7);
	KUNIT_EXPECT_EQ(test, out.len, 3);
	KUNIT_EXPECT_PTR_EQ(test, out.data, golden + 8);
	KUNIT_EXPECT_EQ(test, lm_state_chunk_encode(buf, sizeof(golden) - 1, &in), -EMSGSIZE);

	/*
	 * The header and an empty chunk are refused at every truncation.
	 * The data runs to the end of the payload, so a shorter chunk is a
	 * chunk: its receiver catches a gap from the offsets, and the message
	 * header's length is what protects the data.
	 */
	for (i = 0; i <= LM_STATE_CHUNK_HDR; i++)
		KUNIT_EXPECT_EQ_MSG(test, lm_state_chunk_decode(golden, i, &out), -EBADMSG,
				    "truncated to %d bytes", i);
	/* This chunk ends the state: one byte more is past the total. */
	memcpy(buf, golden, sizeof(golden));
	KUNIT_EXPECT_EQ(test, lm_state_chunk_decode(buf, sizeof(golden) + 1, &out), -EBADMSG);

	/* An empty state is one empty chunk. */
	in = (struct lm_state_chunk){};
	KUNIT_ASSERT_EQ(test, lm_state_chunk_encode(buf, max, &in), LM_STATE_CHUNK_HDR);
	KUNIT_EXPECT_EQ(test, lm_state_chunk_decode(buf, LM_STATE_CHUNK_HDR, &out), 0);

	/* The largest chunk, at the very end of the largest state. */
	in = (struct lm_state_chunk){
		.offset = LIVEMIG_STATE_MAX - LM_STATE_CHUNK_DATA_MAX,
		.total = LIVEMIG_STATE_MAX, .data = data,
		.len = LM_STATE_CHUNK_DATA_MAX,
	};
	KUNIT_ASSERT_EQ(test, lm_state_chunk_encode(buf, max, &in), (int)max);
	KUNIT_EXPECT_EQ(test, lm_state_chunk_decode(buf, max, &out), 0);
	/* ...and one byte more, whatever the offsets say. */
	put_unaligned_be32(0, buf);
	KUNIT_EXPECT_EQ(test, lm_state_chunk_decode(buf, max + 1, &out), -EBADMSG);
	/*
	 * A length that would wrap to 5 as a u32 (only the header is read,
	 * so no such buffer is needed).
	 */
	KUNIT_EXPECT_EQ(test, lm_state_chunk_decode(buf, (1ull << 32) + LM_STATE_CHUNK_HDR + 5,
						    &out), -EBADMSG);
	in.len++;
	in.offset--;
	KUNIT_EXPECT_EQ(test, lm_state_chunk_encode(buf, max + 1, &in), -EINVAL);
	in = (struct lm_state_chunk){ .total = 1 };
	KUNIT_EXPECT_EQ(test, lm_state_chunk_encode(buf, max, &in), -EINVAL);
	in = (struct lm_state_chunk){ .total = LIVEMIG_STATE_MAX + 1, .len = 1,
				      .data = buf };
	KUNIT_EXPECT_EQ(test, lm_state_chunk_encode(buf, max, &in), -EINVAL);
}

/* A PAGES payload written field by field, so any field can be wrong. */
struct raw_page {
	u8 region, enc;
	u16 len;
	u32 index;
};

struct pages_case {
	const char *desc;
	u16 count;		/* announced; 0 means "as many as written" */
	u16 reserved;
	struct raw_page ents[3];
	unsigned int n_ents;
	unsigned int n_zero;	/* zero markers appended after @ents */
	unsigned int trailing;	/* bytes after the last entry */
	int entries;		/* returned before the result */
	int err;
};

static const struct pages_case pages_cases[] = {
	{ "raw, zero and lz4", 0, 0,
	  { { 0, LM_PAGE_RAW, 4096, 0 }, { 1, LM_PAGE_ZERO, 0, 0 },
	    { 0, LM_PAGE_LZ4, 4095, 15 } }, 3, 0, 0, 3, 0 },
	{ "256 zero markers", 0, 0, {}, 0, 256, 0, 256, 0 },
	{ "count 0", 0, 0, {}, 0, 0, 0, 0, -EBADMSG },
	{ "count 257", 0, 0, {}, 0, 257, 0, 0, -EBADMSG },
	{ "reserved not zero", 0, 1, {}, 0, 1, 0, 0, -EBADMSG },
	{ "region past the announced ones", 0, 0,
	  { { 2, LM_PAGE_ZERO, 0, 0 } }, 1, 0, 0, 0, -EBADMSG },
	{ "region 255", 0, 0, { { 255, LM_PAGE_ZERO, 0, 0 } }, 1, 0, 0, 0, -EBADMSG },
	{ "index past its region", 0, 0,
	  { { 0, LM_PAGE_ZERO, 0, 15 }, { 1, LM_PAGE_ZERO, 0, 1 } }, 2, 0, 0, 1, -EBADMSG },
	{ "index 2^32 - 1", 0, 0,
	  { { 0, LM_PAGE_ZERO, 0, 0xffffffff } }, 1, 0, 0, 0, -EBADMSG },
	{ "encoding 3", 0, 0, { { 0, 3, 0, 0 } }, 1, 0, 0, 0, -EBADMSG },
	{ "raw page of 4095 bytes", 0, 0,
	  { { 0, LM_PAGE_RAW, 4095, 0 } }, 1, 0, 0, 0, -EBADMSG },
	{ "raw page of 0 bytes", 0, 0,
	  { { 0, LM_PAGE_RAW, 0, 0 } }, 1, 0, 0, 0, -EBADMSG },
	{ "zero marker with a byte", 0, 0,
	  { { 0, LM_PAGE_ZERO, 1, 0 } }, 1, 0, 0, 0, -EBADMSG },
	{ "lz4 of 0 bytes", 0, 0,
	  { { 0, LM_PAGE_LZ4, 0, 0 } }, 1, 0, 0, 0, -EBADMSG },
	{ "lz4 of 4096 bytes", 0, 0,
	  { { 0, LM_PAGE_LZ4, 4096, 0 } }, 1, 0, 0, 0, -EBADMSG },
	{ "count says 3, 2 entries", 3, 0,
	  { { 0, LM_PAGE_ZERO, 0, 0 }, { 0, LM_PAGE_ZERO, 0, 1 } }, 2, 0, 0, 2, -EBADMSG },
	{ "count says 1, 2 entries", 1, 0,
	  { { 0, LM_PAGE_ZERO, 0, 0 }, { 0, LM_PAGE_ZERO, 0, 1 } }, 2, 0, 0, 1, -EBADMSG },
	{ "a byte after the last entry", 0, 0,
	  { { 0, LM_PAGE_LZ4, 10, 0 } }, 1, 0, 1, 1, -EBADMSG },
};

static void pages_case_desc(const struct pages_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pages, pages_cases, pages_case_desc);

static size_t put_raw_page(u8 *p, const struct raw_page *rp, u32 round)
{
	p[0] = rp->region;
	p[1] = rp->enc;
	put_unaligned_be16(rp->len, p + 2);
	put_unaligned_be32(rp->index, p + 4);
	put_unaligned_be32(round, p + 8);
	memset(p + LM_PAGE_ENTRY_HDR, 0x5a, rp->len);
	return LM_PAGE_ENTRY_HDR + rp->len;
}

static void lm_pages_decode_test(struct kunit *test)
{
	static const struct raw_page zero = { 0, LM_PAGE_ZERO, 0, 7 };
	const struct pages_case *c = test->param_value;
	u8 *buf = kunit_kzalloc(test, 4 * 4096 + 257 * LM_PAGE_ENTRY_HDR, GFP_KERNEL);
	struct lm_pages_reader r;
	struct lm_page_entry e;
	size_t len = LM_PAGES_HDR_LEN;
	unsigned int i;
	int got = 0, err;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < c->n_ents; i++)
		len += put_raw_page(buf + len, &c->ents[i], i);
	for (i = 0; i < c->n_zero; i++)
		len += put_raw_page(buf + len, &zero, i);
	put_unaligned_be16(c->count ?: c->n_ents + c->n_zero, buf);
	put_unaligned_be16(c->reserved, buf + 2);
	len += c->trailing;

	err = lm_pages_start(&r, buf, len);
	while (!err) {
		memset(&e, 0xee, sizeof(e));
		err = lm_pages_next(&r, &pages_desc, &e);
		if (err != 1)
			break;
		/* Every entry returned is one that was written. */
		i = got++;
		if (i < c->n_ents) {
			KUNIT_EXPECT_EQ(test, e.region, c->ents[i].region);
			KUNIT_EXPECT_EQ(test, e.enc, c->ents[i].enc);
			KUNIT_EXPECT_EQ(test, e.len, c->ents[i].len);
			KUNIT_EXPECT_EQ(test, e.index, c->ents[i].index);
			KUNIT_EXPECT_EQ(test, e.round, i);
		} else {
			KUNIT_EXPECT_EQ(test, e.index, zero.index);
		}
		if (e.len)
			KUNIT_EXPECT_EQ(test, e.data[e.len - 1], 0x5a);
		else
			KUNIT_EXPECT_NULL(test, e.data);
		err = 0;
	}

	KUNIT_EXPECT_EQ(test, err, c->err);
	KUNIT_EXPECT_EQ(test, got, c->entries);
	/* An error is sticky: asking again does not skip the bad entry. */
	if (err && got)
		KUNIT_EXPECT_EQ(test, lm_pages_next(&r, &pages_desc, &e), err);
}

static void lm_pages_writer_test(struct kunit *test)
{
	u8 *page = kunit_kzalloc(test, LM_WIRE_PAGE_SIZE, GFP_KERNEL);
	size_t size = 2 * (LM_PAGE_ENTRY_HDR + LM_WIRE_PAGE_SIZE) + LM_PAGES_HDR_LEN;
	u8 *buf = kunit_kzalloc(test, size, GFP_KERNEL);
	struct lm_page_entry in[3] = {
		{ .region = 0, .enc = LM_PAGE_RAW, .len = LM_WIRE_PAGE_SIZE,
		  .index = 15, .round = 9 },
		{ .region = 1, .enc = LM_PAGE_ZERO, .index = 0, .round = 3 },
		{ .region = 0, .enc = LM_PAGE_LZ4, .len = 3, .index = 15, .round = 4 },
	}, out;
	struct lm_pages_writer w;
	struct lm_pages_reader r;
	size_t len;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < LM_WIRE_PAGE_SIZE; i++)
		page[i] = i * 7;
	in[0].data = page;
	in[2].data = pages_golden + sizeof(pages_golden) - 3;

	/* The golden batch, byte for byte. */
	lm_pages_begin(&w, buf, size);
	KUNIT_EXPECT_EQ(test, lm_pages_finish(&w), 0);
	KUNIT_ASSERT_EQ(test, lm_pages_add(&w, &in[1]), 0);
	KUNIT_ASSERT_EQ(test, lm_pages_add(&w, &in[2]), 0);
	len = lm_pages_finish(&w);
	KUNIT_EXPECT_EQ(test, len, sizeof(pages_golden));
	KUNIT_EXPECT_EQ(test, memcmp(buf, pages_golden, sizeof(pages_golden)), 0);

	/* Two raw pages fill this buffer exactly; the zero marker is refused. */
	lm_pages_begin(&w, buf, size);
	KUNIT_ASSERT_EQ(test, lm_pages_add(&w, &in[0]), 0);
	KUNIT_ASSERT_EQ(test, lm_pages_add(&w, &in[0]), 0);
	KUNIT_EXPECT_EQ(test, lm_pages_add(&w, &in[1]), -ENOSPC);
	len = lm_pages_finish(&w);
	KUNIT_ASSERT_EQ(test, len, size);

	KUNIT_ASSERT_EQ(test, lm_pages_start(&r, buf, len), 0);
	for (i = 0; i < 2; i++) {
		KUNIT_ASSERT_EQ(test, lm_pages_next(&r, &pages_desc, &out), 1);
		KUNIT_EXPECT_EQ(test, out.index, 15);
		KUNIT_EXPECT_EQ(test, out.round, 9);
		KUNIT_EXPECT_EQ(test, memcmp(out.data, page, LM_WIRE_PAGE_SIZE), 0);
	}
	KUNIT_EXPECT_EQ(test, lm_pages_next(&r, &pages_desc, &out), 0);

	/* Inconsistent entries are refused and leave the batch as it was. */
	lm_pages_begin(&w, buf, size);
	out = in[0];
	out.len = 4095;
	KUNIT_EXPECT_EQ(test, lm_pages_add(&w, &out), -EINVAL);
	out = in[1];
	out.len = 1;
	KUNIT_EXPECT_EQ(test, lm_pages_add(&w, &out), -EINVAL);
	out = in[2];
	out.len = LM_WIRE_PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, lm_pages_add(&w, &out), -EINVAL);
	out.len = 0;
	KUNIT_EXPECT_EQ(test, lm_pages_add(&w, &out), -EINVAL);
	out = in[0];
	out.enc = 3;
	KUNIT_EXPECT_EQ(test, lm_pages_add(&w, &out), -EINVAL);
	out = in[0];
	out.data = NULL;
	KUNIT_EXPECT_EQ(test, lm_pages_add(&w, &out), -EINVAL);
	KUNIT_EXPECT_EQ(test, lm_pages_finish(&w), 0);

	/* A buffer smaller than the batch header holds nothing. */
	lm_pages_begin(&w, buf, 2);
	KUNIT_EXPECT_EQ(test, lm_pages_add(&w, &in[1]), -ENOSPC);
	KUNIT_EXPECT_EQ(test, lm_pages_finish(&w), 0);
}

static void lm_pages_limits_test(struct kunit *test)
{
	size_t big = lm_msg_max_len(LM_MSG_PAGES) + 2 * LM_WIRE_PAGE_SIZE;
	u8 *page = kunit_kzalloc(test, LM_WIRE_PAGE_SIZE, GFP_KERNEL);
	u8 *buf = kunit_kzalloc(test, big, GFP_KERNEL);
	struct lm_page_entry e = { .enc = LM_PAGE_ZERO, .index = 1 };
	struct lm_pages_writer w;
	struct lm_pages_reader r;
	size_t len;
	int i, err;

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	/* At most LM_PAGES_MAX_COUNT entries, however small. */
	lm_pages_begin(&w, buf, big);
	for (i = 0; i < LM_PAGES_MAX_COUNT; i++)
		KUNIT_ASSERT_EQ(test, lm_pages_add(&w, &e), 0);
	KUNIT_EXPECT_EQ(test, lm_pages_add(&w, &e), -ENOSPC);
	len = lm_pages_finish(&w);
	KUNIT_EXPECT_EQ(test, len, LM_PAGES_HDR_LEN + LM_PAGES_MAX_COUNT * LM_PAGE_ENTRY_HDR);
	KUNIT_ASSERT_EQ(test, lm_pages_start(&r, buf, len), 0);
	for (i = 0; i < LM_PAGES_MAX_COUNT; i++)
		KUNIT_ASSERT_EQ(test, lm_pages_next(&r, &pages_desc, &e), 1);
	KUNIT_EXPECT_EQ(test, lm_pages_next(&r, &pages_desc, &e), 0);

	/*
	 * Raw pages stop at the PAGES bound, not at the caller's buffer: a
	 * batch the receiver's header check would refuse is never built.
	 */
	e = (struct lm_page_entry){ .enc = LM_PAGE_RAW, .len = LM_WIRE_PAGE_SIZE,
				    .data = page };
	lm_pages_begin(&w, buf, big);
	for (i = 0; (err = lm_pages_add(&w, &e)) == 0; i++)
		;
	KUNIT_EXPECT_EQ(test, err, -ENOSPC);
	KUNIT_EXPECT_EQ(test, i, (lm_msg_max_len(LM_MSG_PAGES) - LM_PAGES_HDR_LEN) /
				 (LM_PAGE_ENTRY_HDR + LM_WIRE_PAGE_SIZE));
	len = lm_pages_finish(&w);
	KUNIT_EXPECT_LE(test, len, lm_msg_max_len(LM_MSG_PAGES));
	KUNIT_EXPECT_EQ(test, dec_pages(buf, len), 0);
	/* The reader refuses a payload past the bound as the header does. */
	KUNIT_EXPECT_EQ(test, lm_pages_start(&r, buf, lm_msg_max_len(LM_MSG_PAGES) + 1),
			-EBADMSG);
}

/* The digest of the empty input: xxh64 with seed 0 of nothing. */
#define XXH64_EMPTY	0xef46db3751d8e999ull

/*
 * An independent implementation (the xxHash reference algorithm) gives
 * this for a data page (region 1, index 2, round 3, bytes 7 * i + 3)
 * followed by a zero marker (region 0, index 0x12345678, round
 * 0x9abcdef0); Documentation/wire-protocol.rst quotes it too.
 */
#define DIGEST_KAT	0xc6b55a98b935c5fdull

static void kat_page(u8 *page)
{
	int i;

	for (i = 0; i < LM_WIRE_PAGE_SIZE; i++)
		page[i] = 7 * i + 3;
}

static void lm_digest_kat_test(struct kunit *test)
{
	u8 *page = kunit_kzalloc(test, LM_WIRE_PAGE_SIZE, GFP_KERNEL);
	u8 *flat = kunit_kzalloc(test, 10 + LM_WIRE_PAGE_SIZE + 10, GFP_KERNEL);
	struct lm_digest d;

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_NOT_NULL(test, flat);
	kat_page(page);

	lm_digest_init(&d);
	KUNIT_EXPECT_EQ(test, lm_digest_final(&d), XXH64_EMPTY);
	lm_digest_page(&d, 1, 2, 3, page);
	lm_digest_page(&d, 0, 0x12345678, 0x9abcdef0, NULL);
	KUNIT_EXPECT_EQ(test, lm_digest_final(&d), DIGEST_KAT);

	/* The same bytes laid out by hand, as the document defines them. */
	flat[0] = 1;
	flat[1] = 1;
	put_unaligned_be32(2, flat + 2);
	put_unaligned_be32(3, flat + 6);
	memcpy(flat + 10, page, LM_WIRE_PAGE_SIZE);
	flat[10 + LM_WIRE_PAGE_SIZE] = 0;
	flat[11 + LM_WIRE_PAGE_SIZE] = 0;
	put_unaligned_be32(0x12345678, flat + 12 + LM_WIRE_PAGE_SIZE);
	put_unaligned_be32(0x9abcdef0, flat + 16 + LM_WIRE_PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, xxh64(flat, 20 + LM_WIRE_PAGE_SIZE, 0), DIGEST_KAT);
}

enum digest_change {
	DC_REGION, DC_INDEX, DC_ROUND, DC_BYTE, DC_ZERO_MARKER, DC_ORDER, DC_MISSING,
};

struct digest_case {
	const char *desc;
	enum digest_change change;
};

static const struct digest_case digest_cases[] = {
	{ "other region", DC_REGION },
	{ "other index", DC_INDEX },
	{ "other round", DC_ROUND },
	{ "one byte differs", DC_BYTE },
	{ "zero marker for a page of zeros", DC_ZERO_MARKER },
	{ "same pages, other order", DC_ORDER },
	{ "a page missing", DC_MISSING },
};

static void digest_case_desc(const struct digest_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(digest, digest_cases, digest_case_desc);

/* Whatever an engine could get wrong, the digest must tell. */
static void lm_digest_detects_test(struct kunit *test)
{
	const struct digest_case *c = test->param_value;
	u8 *page = kunit_kzalloc(test, LM_WIRE_PAGE_SIZE, GFP_KERNEL);
	u8 *zeros = kunit_kzalloc(test, LM_WIRE_PAGE_SIZE, GFP_KERNEL);
	struct lm_digest sent, got;
	u8 region = 1;
	u32 index = 2, round = 3;

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_NOT_NULL(test, zeros);
	kat_page(page);

	lm_digest_init(&sent);
	lm_digest_page(&sent, 1, 2, 3, page);
	lm_digest_page(&sent, 0, 5, 3, zeros);

	switch (c->change) {
	case DC_REGION:
		region = 0;
		break;
	case DC_INDEX:
		index = 3;
		break;
	case DC_ROUND:
		round = 2;
		break;
	case DC_BYTE:
		page[4095] ^= 1;
		break;
	default:
		break;
	}
	lm_digest_init(&got);
	if (c->change == DC_ORDER)
		lm_digest_page(&got, 0, 5, 3, zeros);
	lm_digest_page(&got, region, index, round, page);
	if (c->change == DC_ZERO_MARKER)
		lm_digest_page(&got, 0, 5, 3, NULL);
	else if (c->change != DC_ORDER && c->change != DC_MISSING)
		lm_digest_page(&got, 0, 5, 3, zeros);

	KUNIT_EXPECT_NE(test, lm_digest_final(&got), lm_digest_final(&sent));
}

enum state_damage {
	SC_OK, SC_ONE_EMPTY_RECORD, SC_EMPTY, SC_HDR_TRUNCATED,
	SC_PAYLOAD_TRUNCATED, SC_PADDING_MISSING, SC_PADDING_NONZERO,
	SC_TYPE_END, SC_TYPE_PAST, SC_RESERVED, SC_REC_TOO_LONG,
};

struct state_case {
	const char *desc;
	enum state_damage damage;
	int err;
};

static const struct state_case state_cases[] = {
	{ "three records", SC_OK, 0 },
	{ "one empty record", SC_ONE_EMPTY_RECORD, 0 },
	{ "no record", SC_EMPTY, -EINVAL },
	{ "half a header after the last record", SC_HDR_TRUNCATED, -EINVAL },
	{ "payload cut short", SC_PAYLOAD_TRUNCATED, -EINVAL },
	{ "last record without its padding", SC_PADDING_MISSING, -EINVAL },
	{ "padding not zero", SC_PADDING_NONZERO, -EINVAL },
	{ "type 0", SC_TYPE_END, -EINVAL },
	{ "type past the last", SC_TYPE_PAST, -EINVAL },
	{ "reserved not zero", SC_RESERVED, -EINVAL },
	{ "record length 2^32 - 1", SC_REC_TOO_LONG, -EINVAL },
};

static void state_case_desc(const struct state_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(state, state_cases, state_case_desc);

/* Append a record with @len bytes of 0xa5 and its zero padding. */
static size_t put_rec(u8 *buf, size_t pos, u32 type, u32 vcpu, u32 len)
{
	struct livemig_state_rec rec = { .type = type, .vcpu = vcpu, .len = len };

	memcpy(buf + pos, &rec, sizeof(rec));
	memset(buf + pos + sizeof(rec), 0xa5, len);
	memset(buf + pos + sizeof(rec) + len, 0, ALIGN(len, 8) - len);
	return pos + sizeof(rec) + ALIGN(len, 8);
}

static void lm_state_check_test(struct kunit *test)
{
	const struct state_case *c = test->param_value;
	u8 *mem = kunit_kzalloc(test, 256, GFP_KERNEL);
	const char *why = NULL;
	size_t len, last;
	u8 *buf;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, mem);
	/* At an odd address: the blob need not be aligned. */
	buf = mem + 1;
	len = put_rec(buf, 0, LIVEMIG_STATE_REGS, 1, 13);
	len = put_rec(buf, len, LIVEMIG_STATE_TSC, 1, 8);
	last = len;
	len = put_rec(buf, len, __LIVEMIG_STATE_MAX - 1, 0, 1);

	switch (c->damage) {
	case SC_OK:
		break;
	case SC_ONE_EMPTY_RECORD:
		len = put_rec(buf, 0, LIVEMIG_STATE_DEVICE, 0, 0);
		break;
	case SC_EMPTY:
		len = 0;
		break;
	case SC_HDR_TRUNCATED:
		len += 8;
		break;
	case SC_PAYLOAD_TRUNCATED:
		len = last - 4;
		break;
	case SC_PADDING_MISSING:
		len -= 7;
		break;
	case SC_PADDING_NONZERO:
		buf[16 + 13] = 1;
		break;
	case SC_TYPE_END:
		put_rec(buf, last, LIVEMIG_STATE_END, 0, 1);
		break;
	case SC_TYPE_PAST:
		put_rec(buf, last, __LIVEMIG_STATE_MAX, 0, 1);
		break;
	case SC_RESERVED:
		buf[last + 12] = 1;
		break;
	case SC_REC_TOO_LONG:
		memset(buf + last + 8, 0xff, 4);
		break;
	}

	err = lm_state_check(buf, len, &why);

	KUNIT_EXPECT_EQ(test, err, c->err);
	if (err)
		KUNIT_EXPECT_EQ(test, strncmp(why, "state: ", 7), 0);
	else
		KUNIT_EXPECT_NULL(test, why);
}

static void lm_state_check_size_test(struct kunit *test)
{
	size_t size = LIVEMIG_STATE_MAX + 8;
	const char *why = NULL;
	u8 *buf = vzalloc(size);
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* Exactly the bound: one big record and an empty one. */
	len = put_rec(buf, 0, LIVEMIG_STATE_DEVICE, 0, LIVEMIG_STATE_MAX - 32);
	len = put_rec(buf, len, LIVEMIG_STATE_DEVICE, 0, 0);
	KUNIT_EXPECT_EQ(test, len, LIVEMIG_STATE_MAX);
	KUNIT_EXPECT_EQ(test, lm_state_check(buf, len, &why), 0);

	/* Eight bytes more, every record still well-formed. */
	len = put_rec(buf, len - 16, LIVEMIG_STATE_DEVICE, 0, 8);
	KUNIT_EXPECT_EQ(test, len, size);
	KUNIT_EXPECT_EQ(test, lm_state_check(buf, len, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "state: it is larger than 16 MiB");
	vfree(buf);
}

/* Every type's largest encoding fits the bound its header enforces. */
static void lm_msg_limits_test(struct kunit *test)
{
	KUNIT_EXPECT_GE(test, lm_msg_max_len(LM_MSG_AUTH), LM_AUTH_MAC_LEN);
	KUNIT_EXPECT_GE(test, lm_msg_max_len(LM_MSG_ACCEPT), 1 + LM_ACCEPT_ADDRS_MAX * 19);
	KUNIT_EXPECT_GE(test, lm_msg_max_len(LM_MSG_BUSY), 5 + 255);
	KUNIT_EXPECT_GE(test, lm_msg_max_len(LM_MSG_JOIN), LIVEMIG_UUID_LEN + 4);
	KUNIT_EXPECT_GE(test, lm_msg_max_len(LM_MSG_ROUND_END), 4);
	KUNIT_EXPECT_GE(test, lm_msg_max_len(LM_MSG_STREAM_END), 16);
	KUNIT_EXPECT_GE(test, lm_msg_max_len(LM_MSG_COMMIT), LIVEMIG_UUID_LEN);
	KUNIT_EXPECT_GE(test, lm_msg_max_len(LM_MSG_COMMITTED), LIVEMIG_UUID_LEN);
	KUNIT_EXPECT_GE(test, lm_msg_max_len(LM_MSG_OUTCOME), LIVEMIG_UUID_LEN + 1);
	/* Full batches of compressed pages are cut by the writer instead. */
	KUNIT_EXPECT_GE(test, lm_msg_max_len(LM_MSG_PAGES),
			LM_PAGES_HDR_LEN + LM_PAGES_MAX_COUNT * LM_PAGE_ENTRY_HDR);
	KUNIT_EXPECT_EQ(test, lm_msg_max_len(LM_MSG_ACCEPT), 256);
	KUNIT_EXPECT_EQ(test, lm_msg_max_len(LM_MSG_JOIN), 64);
	KUNIT_EXPECT_STREQ(test, lm_msg_name(LM_MSG_ACCEPT), "ACCEPT");
	KUNIT_EXPECT_STREQ(test, lm_msg_name(LM_MSG_JOIN), "JOIN");
	KUNIT_EXPECT_EQ(test, LM_MSG_ACCEPT, 14);
	KUNIT_EXPECT_EQ(test, LM_MSG_JOIN, 15);
}

static struct kunit_case lm_proto_cases[] = {
	KUNIT_CASE_PARAM(lm_hdr_decode_test, hdr_gen_params),
	KUNIT_CASE(lm_hdr_roundtrip_test),
	KUNIT_CASE(lm_hdr_encode_refuses_test),
	KUNIT_CASE_PARAM(lm_proto_negotiate_test, nego_gen_params),
	KUNIT_CASE(lm_hello_roundtrip_test),
	KUNIT_CASE_PARAM(lm_hello_decode_refuses_test, hello_gen_params),
	KUNIT_CASE(lm_hello_encode_refuses_test),
	KUNIT_CASE(lm_abort_test),
	KUNIT_CASE(lm_setup_roundtrip_test),
	KUNIT_CASE_PARAM(lm_setup_decode_refuses_test, setup_gen_params),
	KUNIT_CASE_PARAM(lm_valid_msg_test, valid_gen_params),
	KUNIT_CASE_PARAM(lm_bad_msg_test, bad_gen_params),
	KUNIT_CASE(lm_auth_msg_test),
	KUNIT_CASE(lm_accept_test),
	KUNIT_CASE(lm_busy_test),
	KUNIT_CASE(lm_join_test),
	KUNIT_CASE(lm_small_msgs_test),
	KUNIT_CASE(lm_state_chunk_test),
	KUNIT_CASE_PARAM(lm_pages_decode_test, pages_gen_params),
	KUNIT_CASE(lm_pages_writer_test),
	KUNIT_CASE(lm_pages_limits_test),
	KUNIT_CASE(lm_digest_kat_test),
	KUNIT_CASE_PARAM(lm_digest_detects_test, digest_gen_params),
	KUNIT_CASE_PARAM(lm_state_check_test, state_gen_params),
	KUNIT_CASE(lm_state_check_size_test),
	KUNIT_CASE(lm_msg_limits_test),
	{}
};

static struct kunit_suite lm_proto_suite = {
	.name = "livemig-proto",
	.test_cases = lm_proto_cases,
};

kunit_test_suite(lm_proto_suite);

MODULE_LICENSE("GPL");
