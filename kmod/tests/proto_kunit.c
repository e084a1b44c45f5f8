// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the wire framing and version negotiation (proto.c).
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/string.h>

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
	return 8 + 1 + strlen(d->name) + 4 + st->config_len;
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
		buf[8 + 1 + strlen(d->name)] = 0x7f;
		break;
	default:
		break;
	}

	KUNIT_EXPECT_EQ(test, lm_setup_decode(buf, len, &got, d + 1), -EBADMSG);
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
	{}
};

static struct kunit_suite lm_proto_suite = {
	.name = "livemig-proto",
	.test_cases = lm_proto_cases,
};

kunit_test_suite(lm_proto_suite);

MODULE_LICENSE("GPL");
