// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for host settings and migration networks (settings.c).
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/socket.h>
#include <linux/string.h>

#include "../settings.h"

#define V4(a, b, c, d)	{ a, b, c, d }

struct prefix_case {
	const char *desc;
	u8 addr[16];
	size_t addr_len;
	u8 len;
	int err;
};

static const struct prefix_case prefix_cases[] = {
	{ "v4 /24", V4(10, 1, 0, 0), 4, 24, 0 },
	{ "v4 /32 host", V4(10, 1, 0, 7), 4, 32, 0 },
	{ "v4 /0 everything", V4(0, 0, 0, 0), 4, 0, 0 },
	{ "v4 /0 with bits set", V4(10, 0, 0, 0), 4, 0, -EINVAL },
	{ "v4 host bits set", V4(10, 1, 0, 1), 4, 24, -EINVAL },
	{ "v4 host bit in a partial byte", V4(10, 1, 0x81, 0), 4, 17, -EINVAL },
	{ "v4 partial byte clean", V4(10, 1, 0x80, 0), 4, 17, 0 },
	{ "v4 length 33", V4(10, 1, 0, 0), 4, 33, -EINVAL },
	{ "v6 /64", { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1 }, 16, 64, 0 },
	{ "v6 /128", { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, 16, 128, 0 },
	{ "v6 /0", {}, 16, 0, 0 },
	{ "v6 host bits set", { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, 16, 64, -EINVAL },
	{ "v6 length 129", {}, 16, 129, -EINVAL },
	{ "address of 5 bytes", {}, 5, 8, -EINVAL },
	{ "address of 0 bytes", {}, 0, 0, -EINVAL },
};

static void prefix_case_desc(const struct prefix_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(prefix, prefix_cases, prefix_case_desc);

static void lm_prefix_init_test(struct kunit *test)
{
	const struct prefix_case *c = test->param_value;
	struct lm_prefix p = { .len = 0xee };
	const char *why = NULL;

	KUNIT_ASSERT_EQ(test, lm_prefix_init(&p, c->addr, c->addr_len, c->len, &why),
			c->err);
	if (c->err) {
		/* A refusal explains itself and leaves the output alone. */
		KUNIT_EXPECT_NOT_NULL(test, why);
		KUNIT_EXPECT_EQ(test, p.len, 0xee);
		return;
	}
	KUNIT_EXPECT_EQ(test, p.family, c->addr_len == 4 ? AF_INET : AF_INET6);
	KUNIT_EXPECT_EQ(test, p.len, c->len);
	KUNIT_EXPECT_EQ(test, memcmp(p.addr.bytes, c->addr, c->addr_len), 0);
}

struct match_case {
	const char *desc;
	u8 net[16];
	size_t net_bytes;
	u8 len;
	u8 family;
	u8 addr[16];
	bool inside;
};

static const struct match_case match_cases[] = {
	{ "v4 inside /24", V4(10, 1, 0, 0), 4, 24, AF_INET, V4(10, 1, 0, 200), true },
	{ "v4 outside /24", V4(10, 1, 0, 0), 4, 24, AF_INET, V4(10, 1, 1, 1), false },
	{ "v4 /32 itself", V4(10, 1, 0, 7), 4, 32, AF_INET, V4(10, 1, 0, 7), true },
	{ "v4 /32 neighbour", V4(10, 1, 0, 7), 4, 32, AF_INET, V4(10, 1, 0, 6), false },
	{ "v4 /0 anything", V4(0, 0, 0, 0), 4, 0, AF_INET, V4(192, 0, 2, 1), true },
	{ "v4 /17 boundary in", V4(10, 1, 0x80, 0), 4, 17, AF_INET, V4(10, 1, 0xff, 1), true },
	{ "v4 /17 boundary out", V4(10, 1, 0x80, 0), 4, 17, AF_INET, V4(10, 1, 0x7f, 1), false },
	{ "v4 network, v6 address", V4(0, 0, 0, 0), 4, 0, AF_INET6, {}, false },
	{ "v6 inside /64", { 0x20, 0x01, 0x0d, 0xb8 }, 16, 64, AF_INET6,
	  { 0x20, 0x01, 0x0d, 0xb8, [8] = 0xaa, [15] = 1 }, true },
	{ "v6 outside /64", { 0x20, 0x01, 0x0d, 0xb8 }, 16, 64, AF_INET6,
	  { 0x20, 0x01, 0x0d, 0xb8, [7] = 1 }, false },
	{ "v6 /128 itself", { 0x20, 0x01, [15] = 9 }, 16, 128, AF_INET6,
	  { 0x20, 0x01, [15] = 9 }, true },
	{ "v6 /128 neighbour", { 0x20, 0x01, [15] = 9 }, 16, 128, AF_INET6,
	  { 0x20, 0x01, [15] = 8 }, false },
	{ "v6 /0 anything", {}, 16, 0, AF_INET6, { 0xfd, [15] = 1 }, true },
	{ "v6 network, v4 address", {}, 16, 0, AF_INET, V4(10, 0, 0, 1), false },
};

static void match_case_desc(const struct match_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(match, match_cases, match_case_desc);

static void lm_prefix_contains_test(struct kunit *test)
{
	const struct match_case *c = test->param_value;
	struct lm_prefix p;
	const char *why;

	KUNIT_ASSERT_EQ(test, lm_prefix_init(&p, c->net, c->net_bytes, c->len, &why), 0);
	KUNIT_EXPECT_EQ(test, lm_prefix_contains(&p, c->family, c->addr), c->inside);
}

static struct lm_prefix make_prefix(struct kunit *test, u8 a, u8 b, u8 len,
				    u32 priority)
{
	u8 addr[4] = { 10, a, b, 0 };
	struct lm_prefix p;
	const char *why;

	KUNIT_ASSERT_EQ(test, lm_prefix_init(&p, addr, 4, len, &why), 0);
	p.priority = priority;
	return p;
}

static void lm_networks_order_test(struct kunit *test)
{
	struct lm_settings *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct lm_prefix p1, p2, p3, p4;
	const char *why;

	KUNIT_ASSERT_NOT_NULL(test, s);
	lm_settings_init(s);
	p1 = make_prefix(test, 1, 0, 24, 5);
	p2 = make_prefix(test, 2, 0, 24, 1);
	p3 = make_prefix(test, 3, 0, 24, 5);
	p4 = make_prefix(test, 4, 0, 24, 0);

	KUNIT_ASSERT_EQ(test, lm_settings_add_network(s, &p1, &why), 0);
	KUNIT_ASSERT_EQ(test, lm_settings_add_network(s, &p2, &why), 0);
	KUNIT_ASSERT_EQ(test, lm_settings_add_network(s, &p3, &why), 0);
	KUNIT_ASSERT_EQ(test, lm_settings_add_network(s, &p4, &why), 0);

	/* Priority order; equal priorities keep the order they came in. */
	KUNIT_ASSERT_EQ(test, s->n_networks, 4);
	KUNIT_EXPECT_TRUE(test, lm_prefix_same(&s->networks[0], &p4));
	KUNIT_EXPECT_TRUE(test, lm_prefix_same(&s->networks[1], &p2));
	KUNIT_EXPECT_TRUE(test, lm_prefix_same(&s->networks[2], &p1));
	KUNIT_EXPECT_TRUE(test, lm_prefix_same(&s->networks[3], &p3));

	/* The same prefix with another priority is still a duplicate. */
	p1.priority = 9;
	KUNIT_EXPECT_EQ(test, lm_settings_add_network(s, &p1, &why), -EEXIST);
	KUNIT_EXPECT_EQ(test, s->n_networks, 4);

	KUNIT_EXPECT_EQ(test, lm_settings_del_network(s, &p2), 0);
	KUNIT_EXPECT_EQ(test, lm_settings_del_network(s, &p2), -ENOENT);
	KUNIT_ASSERT_EQ(test, s->n_networks, 3);
	KUNIT_EXPECT_TRUE(test, lm_prefix_same(&s->networks[1], &p1));
}

static void lm_networks_full_test(struct kunit *test)
{
	struct lm_settings *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct lm_prefix p;
	const char *why;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	lm_settings_init(s);
	for (i = 0; i < LIVEMIG_NETWORKS_MAX; i++) {
		p = make_prefix(test, i, 0, 16, i);
		KUNIT_ASSERT_EQ(test, lm_settings_add_network(s, &p, &why), 0);
	}
	p = make_prefix(test, 200, 0, 16, 0);
	KUNIT_EXPECT_EQ(test, lm_settings_add_network(s, &p, &why), -ENOSPC);
	KUNIT_EXPECT_EQ(test, s->n_networks, LIVEMIG_NETWORKS_MAX);
}

static void lm_addr_allowed_test(struct kunit *test)
{
	struct lm_settings *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	u8 inside[4] = { 10, 1, 0, 9 }, outside[4] = { 10, 9, 0, 9 };
	struct lm_prefix p;
	const char *why;

	KUNIT_ASSERT_NOT_NULL(test, s);
	lm_settings_init(s);
	KUNIT_EXPECT_EQ(test, s->network_mode, LIVEMIG_NETWORK_ANY);
	KUNIT_EXPECT_TRUE(test, lm_settings_addr_allowed(s, AF_INET, outside));

	/* Specific with an empty list: nowhere. */
	s->network_mode = LIVEMIG_NETWORK_SPECIFIC;
	KUNIT_EXPECT_FALSE(test, lm_settings_addr_allowed(s, AF_INET, inside));

	p = make_prefix(test, 1, 0, 24, 0);
	KUNIT_ASSERT_EQ(test, lm_settings_add_network(s, &p, &why), 0);
	KUNIT_EXPECT_TRUE(test, lm_settings_addr_allowed(s, AF_INET, inside));
	KUNIT_EXPECT_FALSE(test, lm_settings_addr_allowed(s, AF_INET, outside));
}

static void lm_settings_defaults_test(struct kunit *test)
{
	struct lm_settings *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	const char *why = NULL;

	KUNIT_ASSERT_NOT_NULL(test, s);
	memset(s, 0xa5, sizeof(*s));
	lm_settings_init(s);

	KUNIT_EXPECT_FALSE(test, s->enabled);
	KUNIT_EXPECT_EQ(test, s->max_migrations, 2);
	KUNIT_EXPECT_EQ(test, s->network_mode, LIVEMIG_NETWORK_ANY);
	KUNIT_EXPECT_EQ(test, s->auth, LIVEMIG_AUTH_PSK);
	KUNIT_EXPECT_FALSE(test, s->psk_present);
	KUNIT_EXPECT_EQ(test, s->performance, LIVEMIG_PERF_COMPRESSION);
	KUNIT_EXPECT_EQ(test, s->compression, LIVEMIG_COMPRESS_LZ4);
	KUNIT_EXPECT_EQ(test, s->streams, 1);
	KUNIT_EXPECT_EQ(test, s->port, 6600);
	KUNIT_EXPECT_EQ(test, s->bandwidth, 0);
	KUNIT_EXPECT_EQ(test, s->downtime_ms, 300);
	KUNIT_EXPECT_STREQ(test, s->host_name, "");
	KUNIT_EXPECT_EQ(test, s->n_networks, 0);
	KUNIT_EXPECT_EQ(test, lm_settings_check(s, &why), 0);
}

struct check_case {
	const char *desc;
	u8 compression;
	u8 level;
	bool psk_file;
	int err;
};

static const struct check_case check_cases[] = {
	{ "lz4 without level", LIVEMIG_COMPRESS_LZ4, 0, false, 0 },
	{ "lz4 with a level", LIVEMIG_COMPRESS_LZ4, 3, false, -EINVAL },
	{ "zstd default level", LIVEMIG_COMPRESS_ZSTD, 0, false, 0 },
	{ "zstd level 22", LIVEMIG_COMPRESS_ZSTD, 22, false, 0 },
	{ "zstd level 23", LIVEMIG_COMPRESS_ZSTD, 23, false, -EINVAL },
	{ "key file without a key", LIVEMIG_COMPRESS_LZ4, 0, true, -EINVAL },
};

static void check_case_desc(const struct check_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(check, check_cases, check_case_desc);

static void lm_settings_check_test(struct kunit *test)
{
	const struct check_case *c = test->param_value;
	struct lm_settings *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	const char *why = NULL;

	KUNIT_ASSERT_NOT_NULL(test, s);
	lm_settings_init(s);
	s->compression = c->compression;
	s->compression_level = c->level;
	if (c->psk_file)
		strscpy(s->psk_file, "/etc/livemig/psk", sizeof(s->psk_file));

	KUNIT_EXPECT_EQ(test, lm_settings_check(s, &why), c->err);
	if (c->err)
		KUNIT_EXPECT_NOT_NULL(test, why);
}

struct name_case {
	const char *name;
	bool valid;
};

static const struct name_case name_cases[] = {
	{ "hostA", true },
	{ "host-b.example_1", true },
	{ "", false },
	{ "has space", false },
	{ "semi;colon", false },
	{ "new\nline", false },
	{ "caf\xc3\xa9", false },
	{ "latin1\xe9", false },
	{ "\x7f", false },
	{ "0123456789012345678901234567890123456789012345678901234567890123", true },
	{ "01234567890123456789012345678901234567890123456789012345678901234", false },
};

static void name_case_desc(const struct name_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "'%.20s' (%zu chars)", c->name,
		 strlen(c->name));
}

KUNIT_ARRAY_PARAM(name, name_cases, name_case_desc);

static void lm_host_name_valid_test(struct kunit *test)
{
	const struct name_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, lm_host_name_valid(c->name), c->valid);
}

static void lm_psk_test(struct kunit *test)
{
	struct lm_settings *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	u8 key[LIVEMIG_PSK_LEN], fpr1[LIVEMIG_PSK_FPR_LEN];

	KUNIT_ASSERT_NOT_NULL(test, s);
	lm_settings_init(s);
	memset(key, 0x42, sizeof(key));

	lm_settings_set_psk(s, key);
	KUNIT_EXPECT_TRUE(test, s->psk_present);
	KUNIT_EXPECT_EQ(test, memcmp(s->psk, key, sizeof(key)), 0);
	memcpy(fpr1, s->psk_fpr, sizeof(fpr1));

	/* The fingerprint is stable for a key and differs for another. */
	lm_settings_set_psk(s, key);
	KUNIT_EXPECT_EQ(test, memcmp(s->psk_fpr, fpr1, sizeof(fpr1)), 0);
	key[31] ^= 1;
	lm_settings_set_psk(s, key);
	KUNIT_EXPECT_NE(test, memcmp(s->psk_fpr, fpr1, sizeof(fpr1)), 0);
	/* And it is not a prefix of the key. */
	KUNIT_EXPECT_NE(test, memcmp(s->psk_fpr, key, sizeof(fpr1)), 0);
}

static struct kunit_case lm_settings_cases[] = {
	KUNIT_CASE_PARAM(lm_prefix_init_test, prefix_gen_params),
	KUNIT_CASE_PARAM(lm_prefix_contains_test, match_gen_params),
	KUNIT_CASE(lm_networks_order_test),
	KUNIT_CASE(lm_networks_full_test),
	KUNIT_CASE(lm_addr_allowed_test),
	KUNIT_CASE(lm_settings_defaults_test),
	KUNIT_CASE_PARAM(lm_settings_check_test, check_gen_params),
	KUNIT_CASE_PARAM(lm_host_name_valid_test, name_gen_params),
	KUNIT_CASE(lm_psk_test),
	{}
};

static struct kunit_suite lm_settings_suite = {
	.name = "livemig-settings",
	.test_cases = lm_settings_cases,
};

kunit_test_suite(lm_settings_suite);
