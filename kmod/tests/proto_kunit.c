// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the wire framing and version negotiation (proto.c).
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "../proto.h"

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

static struct kunit_case lm_proto_cases[] = {
	KUNIT_CASE_PARAM(lm_hdr_decode_test, hdr_gen_params),
	KUNIT_CASE(lm_hdr_roundtrip_test),
	KUNIT_CASE(lm_hdr_encode_refuses_test),
	KUNIT_CASE_PARAM(lm_proto_negotiate_test, nego_gen_params),
	{}
};

static struct kunit_suite lm_proto_suite = {
	.name = "livemig-proto",
	.test_cases = lm_proto_cases,
};

kunit_test_suite(lm_proto_suite);

MODULE_LICENSE("GPL");
