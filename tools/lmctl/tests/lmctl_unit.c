// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of lmctl's pure code (parse.c, conf.c, json.c here; mig.c
 * and migfmt.c in mig_unit.c; spawn.c in agent_unit.c): no kernel module,
 * no netlink. One KTAP suite per parser or formatter, one test point per
 * table row. The agent's suites start real processes (/bin/sh) to see
 * what a VMM inherits.
 *
 *   make -C tools/lmctl check [OUTPUT=dir] [RESULTS=dir]
 *
 * Exit 0 when every test passed, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "json.h"
#include "parse.h"
#include "unit.h"

static int suites_failed;
static int suites_run;

void suite_begin(struct ktap *t, const char *name, int plan)
{
	t->name = name;
	t->n = 0;
	t->failed = 0;
	printf("    KTAP version 1\n    # Subtest: %s\n    1..%d\n", name, plan);
}

void suite_end(struct ktap *t)
{
	suites_run++;
	if (t->failed)
		suites_failed++;
	printf("%sok %d %s\n", t->failed ? "not " : "", suites_run, t->name);
}

void point(struct ktap *t, int ok, const char *fmt, ...)
{
	va_list ap;

	t->n++;
	if (!ok)
		t->failed++;
	printf("    %sok %d ", ok ? "" : "not ", t->n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* --- prefixes ------------------------------------------------------- */

static const struct {
	const char *in;
	int err;
	int family;
	int len;
	const char *out;	/* lm_format_prefix() of the result */
} prefix_cases[] = {
	{ "10.1.0.0/24", 0, AF_INET, 24, "10.1.0.0/24" },
	{ "10.1.0.1/24", 0, AF_INET, 24, "10.1.0.1/24" },	/* host bits: the kernel's call */
	{ "192.0.2.7", 0, AF_INET, 32, "192.0.2.7/32" },
	{ "0.0.0.0/0", 0, AF_INET, 0, "0.0.0.0/0" },
	{ "10.0.0.0/32", 0, AF_INET, 32, "10.0.0.0/32" },
	{ "10.0.0.0/024", 0, AF_INET, 24, "10.0.0.0/24" },
	{ "fd00::/64", 0, AF_INET6, 64, "fd00::/64" },
	{ "fd00:0:0:1::/64", 0, AF_INET6, 64, "fd00:0:0:1::/64" },
	{ "2001:db8::1", 0, AF_INET6, 128, "2001:db8::1/128" },
	{ "::/0", 0, AF_INET6, 0, "::/0" },
	{ "::ffff:10.0.0.0/120", 0, AF_INET6, 120, "::ffff:10.0.0.0/120" },
	{ "fd00::/128", 0, AF_INET6, 128, "fd00::/128" },
	{ "10.1.0.0/33", -EINVAL, 0, 0, NULL },
	{ "fd00::/129", -EINVAL, 0, 0, NULL },
	{ "10.1.0/24", -EINVAL, 0, 0, NULL },
	{ "10.1.0.256/24", -EINVAL, 0, 0, NULL },
	{ "10.1.0.0/", -EINVAL, 0, 0, NULL },
	{ "/24", -EINVAL, 0, 0, NULL },
	{ "10.1.0.0/24x", -EINVAL, 0, 0, NULL },
	{ "10.1.0.0/-1", -EINVAL, 0, 0, NULL },
	{ "10.1.0.0/ 24", -EINVAL, 0, 0, NULL },
	{ "10.1.0.0/24/8", -EINVAL, 0, 0, NULL },
	{ "fd00:::/64", -EINVAL, 0, 0, NULL },
	{ "host.example/24", -EINVAL, 0, 0, NULL },
	{ "", -EINVAL, 0, 0, NULL },
	{ "10.1.0.0/99999999999999999999", -EINVAL, 0, 0, NULL },
};

static void test_prefix(void)
{
	struct ktap t;
	size_t i;

	suite_begin(&t, "prefix", ARRAY_SIZE(prefix_cases));
	for (i = 0; i < ARRAY_SIZE(prefix_cases); i++) {
		char out[LM_PREFIX_STR_MAX] = "";
		struct lm_prefix p;
		int err = lm_parse_prefix(prefix_cases[i].in, &p);
		int ok = err == prefix_cases[i].err;

		if (ok && !err) {
			lm_format_prefix(out, sizeof(out), &p);
			ok = p.family == prefix_cases[i].family &&
			     p.len == prefix_cases[i].len &&
			     !strcmp(out, prefix_cases[i].out);
		}
		point(&t, ok, "prefix '%s' -> %s%s", prefix_cases[i].in,
		      prefix_cases[i].err ? "refused" : prefix_cases[i].out,
		      ok ? "" : " (wrong)");
	}
	suite_end(&t);
}

/* --- numbers and rates ---------------------------------------------- */

static const struct {
	const char *in;
	uint64_t max;
	int err;
	uint64_t val;
} number_cases[] = {
	{ "0", UINT32_MAX, 0, 0 },
	{ "65", UINT32_MAX, 0, 65 },		/* range: the kernel's call */
	{ "4294967295", UINT32_MAX, 0, 4294967295ULL },
	{ "4294967296", UINT32_MAX, -ERANGE, 0 },
	{ "65535", UINT16_MAX, 0, 65535 },
	{ "65536", UINT16_MAX, -ERANGE, 0 },
	{ "18446744073709551615", UINT64_MAX, 0, UINT64_MAX },
	{ "18446744073709551616", UINT64_MAX, -ERANGE, 0 },
	{ "", UINT32_MAX, -EINVAL, 0 },
	{ "-1", UINT32_MAX, -EINVAL, 0 },
	{ "+1", UINT32_MAX, -EINVAL, 0 },
	{ " 1", UINT32_MAX, -EINVAL, 0 },
	{ "1 ", UINT32_MAX, -EINVAL, 0 },
	{ "0x10", UINT32_MAX, -EINVAL, 0 },
	{ "12abc", UINT32_MAX, -EINVAL, 0 },
};

static const struct {
	const char *in;
	int err;
	uint64_t val;
	const char *fmt;	/* lm_format_rate() of the value */
} rate_cases[] = {
	{ "0", 0, 0, "0" },
	{ "1500", 0, 1500, "1500" },
	{ "1K", 0, 1024, "1K" },
	{ "1k", 0, 1024, "1K" },
	{ "1536", 0, 1536, "1536" },
	{ "100M", 0, 104857600ULL, "100M" },
	{ "2048M", 0, 2147483648ULL, "2G" },
	{ "2G", 0, 2147483648ULL, "2G" },
	{ "3g", 0, 3221225472ULL, "3G" },
	{ "1048575K", 0, 1073740800ULL, "1048575K" },
	{ "17179869183G", 0, 17179869183ULL << 30, "17179869183G" },
	{ "18446744073709551615", 0, UINT64_MAX, "18446744073709551615" },
	{ "17179869184G", -ERANGE, 0, NULL },
	{ "18446744073709551616", -ERANGE, 0, NULL },
	{ "18014398509481984K", -ERANGE, 0, NULL },
	{ "1KB", -EINVAL, 0, NULL },
	{ "1KiB", -EINVAL, 0, NULL },
	{ "1T", -EINVAL, 0, NULL },
	{ "K", -EINVAL, 0, NULL },
	{ "-1M", -EINVAL, 0, NULL },
	{ "1.5M", -EINVAL, 0, NULL },
	{ "", -EINVAL, 0, NULL },
};

static void test_numbers(void)
{
	struct ktap t;
	size_t i;

	suite_begin(&t, "number", ARRAY_SIZE(number_cases));
	for (i = 0; i < ARRAY_SIZE(number_cases); i++) {
		uint64_t v = 0;
		int err = lm_parse_u64(number_cases[i].in, number_cases[i].max, &v);
		int ok = err == number_cases[i].err && (err || v == number_cases[i].val);

		point(&t, ok, "number '%s' (max %llu) -> %s", number_cases[i].in,
		      (unsigned long long)number_cases[i].max,
		      err == -ERANGE ? "too large" : err ? "not a number" : "parsed");
	}
	suite_end(&t);

	suite_begin(&t, "rate", ARRAY_SIZE(rate_cases));
	for (i = 0; i < ARRAY_SIZE(rate_cases); i++) {
		char out[LM_RATE_STR_MAX] = "";
		uint64_t v = 0;
		int err = lm_parse_rate(rate_cases[i].in, &v);
		int ok = err == rate_cases[i].err;

		if (ok && !err) {
			lm_format_rate(out, sizeof(out), v);
			ok = v == rate_cases[i].val && !strcmp(out, rate_cases[i].fmt);
		}
		point(&t, ok, "rate '%s' -> %s %s", rate_cases[i].in,
		      err == -ERANGE ? "too large" : err ? "refused" : "parsed, written as",
		      out);
	}
	suite_end(&t);
}

/* --- compression ---------------------------------------------------- */

static const struct {
	const char *in;
	int err;
	int alg;
	int level;
} comp_cases[] = {
	{ "lz4", 0, LIVEMIG_COMPRESS_LZ4, 0 },
	{ "zstd", 0, LIVEMIG_COMPRESS_ZSTD, 0 },
	{ "zstd:1", 0, LIVEMIG_COMPRESS_ZSTD, 1 },
	{ "zstd:22", 0, LIVEMIG_COMPRESS_ZSTD, 22 },
	{ "zstd:23", 0, LIVEMIG_COMPRESS_ZSTD, 23 },	/* the kernel's call */
	{ "zstd:255", 0, LIVEMIG_COMPRESS_ZSTD, 255 },
	{ "lz4:1", 0, LIVEMIG_COMPRESS_LZ4, 1 },	/* the kernel's call */
	{ "zstd:256", -ERANGE, 0, 0 },
	{ "zstd:", -EINVAL, 0, 0 },
	{ "zstd:x", -EINVAL, 0, 0 },
	{ "zstd:-1", -EINVAL, 0, 0 },
	{ "zstd:3:4", -EINVAL, 0, 0 },
	{ "gzip", -EINVAL, 0, 0 },
	{ "ZSTD", -EINVAL, 0, 0 },
	{ ":3", -EINVAL, 0, 0 },
	{ "", -EINVAL, 0, 0 },
	{ "averyveryverylongname:3", -EINVAL, 0, 0 },
};

static void test_compression(void)
{
	struct ktap t;
	size_t i;

	suite_begin(&t, "compression", ARRAY_SIZE(comp_cases));
	for (i = 0; i < ARRAY_SIZE(comp_cases); i++) {
		uint8_t alg = 99, level = 99;
		int err = lm_parse_compression(comp_cases[i].in, &alg, &level);
		int ok = err == comp_cases[i].err &&
			 (err || (alg == comp_cases[i].alg && level == comp_cases[i].level));

		point(&t, ok, "compression '%s' -> %s", comp_cases[i].in,
		      err ? "refused" : "parsed");
	}
	suite_end(&t);
}

/* --- base64 --------------------------------------------------------- */

/* RFC 4648, section 10. */
static const struct {
	const char *raw;
	const char *b64;
} b64_vectors[] = {
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
};

static const struct {
	const char *in;
	int err;
	size_t len;
} b64_cases[] = {
	/* a genkey key: 32 bytes */
	{ "IUPaxVEfvcPY+jtXmLs9DrnCN/pJ4gqerqtlQTv3GTY=", 0, 32 },
	{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 0, 32 },
	/* 31 bytes, 33 bytes: decode, the caller refuses the length */
	{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", 0, 31 },
	{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0, 33 },
	/* too many bytes for the room */
	{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", -ERANGE, 0 },
	{ "IUPaxVEfvcPY+jtXmLs9DrnCN/pJ4gqerqtlQTv3GTY", -EINVAL, 0 },	/* no padding */
	{ "IUPaxVEfvcPY+jtXmLs9DrnCN/pJ4gqerqtlQTv3GTZ=", -EINVAL, 0 },	/* padding bits set */
	{ "IUPaxVEfvcPY+jtXmLs9DrnCN/pJ4gqerqtlQTv3G=Y=", -EINVAL, 0 },	/* '=' inside */
	{ "IUPaxVEfvcPY-jtXmLs9DrnCN_pJ4gqerqtlQTv3GTY=", -EINVAL, 0 },	/* base64url */
	{ "IUPa xVEfvcPY+jtXmLs9DrnCN/pJ4gqerqtlQTv3GTY", -EINVAL, 0 },	/* blank */
	{ "Zg=a", -EINVAL, 0 },
	{ "Z===", -EINVAL, 0 },
	{ "====", -EINVAL, 0 },
};

static void test_base64(void)
{
	uint8_t raw[64], back[64];
	char text[128];
	struct ktap t;
	size_t i, n;

	suite_begin(&t, "base64", 2 * ARRAY_SIZE(b64_vectors) + ARRAY_SIZE(b64_cases) + 1);
	for (i = 0; i < ARRAY_SIZE(b64_vectors); i++) {
		const char *r = b64_vectors[i].raw;
		int err;

		lm_base64_encode(text, (const uint8_t *)r, strlen(r));
		point(&t, !strcmp(text, b64_vectors[i].b64) &&
		      strlen(text) == lm_base64_len(strlen(r)),
		      "encode '%s' -> '%s'", r, b64_vectors[i].b64);
		err = lm_base64_decode(b64_vectors[i].b64, strlen(b64_vectors[i].b64),
				       back, sizeof(back), &n);
		point(&t, !err && n == strlen(r) && !memcmp(back, r, n),
		      "decode '%s' -> '%s'", b64_vectors[i].b64, r);
	}
	for (i = 0; i < ARRAY_SIZE(b64_cases); i++) {
		int err = lm_base64_decode(b64_cases[i].in, strlen(b64_cases[i].in),
					   back, 48, &n);

		point(&t, err == b64_cases[i].err && (err || n == b64_cases[i].len),
		      "decode '%.20s...' -> %s", b64_cases[i].in,
		      b64_cases[i].err ? "refused" : "decoded");
	}
	/* Every 32-byte key survives encode and decode. */
	for (i = 0; i < 32; i++)
		raw[i] = (uint8_t)(i * 37 + 11);
	lm_base64_encode(text, raw, 32);
	point(&t, strlen(text) == 44 &&
	      !lm_base64_decode(text, strlen(text), back, sizeof(back), &n) &&
	      n == 32 && !memcmp(raw, back, 32), "a 32-byte key round-trips (44 characters)");
	suite_end(&t);
}

/* --- settings phrases and config lines ------------------------------ */

static const struct {
	const char *line;
	int ok;
	const char *why;	/* a word the error message must contain */
} line_cases[] = {
	{ "", 1, NULL },
	{ "   # a comment", 1, NULL },
	{ "enabled yes", 1, NULL },
	{ "enabled maybe", 0, "enabled" },
	{ "max-migrations 65 # the kernel says no", 1, NULL },
	{ "max-migrations", 0, "missing" },
	{ "max-migrations two", 0, "not a number" },
	{ "max-migrations 1 2", 0, "unexpected" },
	{ "max-migrations 99999999999", 0, "too large" },
	{ "port 70000", 0, "too large" },
	{ "performance rdma", 1, NULL },
	{ "performance fast", 0, "tcp, compression, rdma" },
	{ "compression zstd:5", 1, NULL },
	{ "compression brotli", 0, "compression" },
	{ "bandwidth 10M", 1, NULL },
	{ "bandwidth 10MB", 0, "rate" },
	{ "downtime 300", 1, NULL },
	{ "streams 4", 1, NULL },
	{ "host-name node-a.lab", 1, NULL },
	{ "auth none", 1, NULL },
	{ "auth psk", 1, NULL },
	{ "auth psk key-file /etc/livemig/psk", 1, NULL },
	{ "auth psk key-file psk", 0, "absolute" },
	{ "auth psk key-file", 0, "PATH" },
	{ "auth kerberos", 0, "psk, none" },
	{ "network any", 1, NULL },
	{ "network specific", 1, NULL },
	{ "network 10.1.0.0/24", 1, NULL },
	{ "network fd00::/64 priority 5", 1, NULL },
	{ "network 10.2.0.0/24 priority", 0, "missing" },
	{ "network 10.2.0.0/24 priority x", 0, "not a number" },
	{ "network 10.2.0.0/24 weight 3", 0, "unexpected" },
	{ "network 10.2.0.0/33", 0, "not a prefix" },
	{ "network", 0, "missing" },
	{ "colour blue", 0, "unknown setting" },
	{ "a b c d e f g h i j", 0, "too many" },
};

static void test_lines(void)
{
	static struct lm_conf c;
	char err[LM_ERR_MAX], buf[256];
	struct ktap t;
	size_t i;

	suite_begin(&t, "config-line", ARRAY_SIZE(line_cases));
	for (i = 0; i < ARRAY_SIZE(line_cases); i++) {
		int rc, ok;

		/* Each line on its own: "given twice" is tested below. */
		lm_conf_defaults(&c);
		snprintf(buf, sizeof(buf), "%s", line_cases[i].line);
		err[0] = '\0';
		rc = lm_conf_line(&c, buf, err, sizeof(err));
		ok = line_cases[i].ok ? rc == 0 :
		     rc == -EINVAL && strstr(err, line_cases[i].why);
		point(&t, ok, "line '%s' -> %s%s%s", line_cases[i].line,
		      line_cases[i].ok ? "accepted" : "refused: ", err,
		      ok ? "" : " (wrong)");
	}
	suite_end(&t);
}

static int phrase(struct lm_conf *c, enum lm_phrase_ctx ctx, const char *words,
		  char *err)
{
	char buf[256], *argv[16], *save = NULL, *w;
	int argc = 0, i, n;

	snprintf(buf, sizeof(buf), "%s", words);
	for (w = strtok_r(buf, " ", &save); w && argc < 15; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	for (i = 0; i < argc; i += n) {
		n = lm_conf_phrase(c, ctx, argc - i, argv + i, err, LM_ERR_MAX);
		if (n < 0)
			return n;
	}
	return 0;
}

static void test_phrases(void)
{
	static struct lm_conf c;
	char err[LM_ERR_MAX] = "";
	struct ktap t;
	int rc;

	suite_begin(&t, "set-phrase", 9);

	memset(&c, 0, sizeof(c));
	rc = phrase(&c, LM_CTX_SET, "streams 4 port 6601 bandwidth 1G compression zstd:7", err);
	point(&t, !rc && c.streams == 4 && c.port == 6601 && c.bandwidth == 1ULL << 30 &&
	      c.compression == LIVEMIG_COMPRESS_ZSTD && c.compression_level == 7 &&
	      c.have == (LM_HAVE(LM_F_STREAMS) | LM_HAVE(LM_F_PORT) |
			 LM_HAVE(LM_F_BANDWIDTH) | LM_HAVE(LM_F_COMPRESSION)),
	      "several settings in one set, and only those");

	memset(&c, 0, sizeof(c));
	rc = phrase(&c, LM_CTX_SET, "auth psk key-file rel/psk", err);
	point(&t, !rc && c.auth == LIVEMIG_AUTH_PSK && !strcmp(c.psk_file, "rel/psk") &&
	      (c.have & LM_HAVE(LM_F_PSK_FILE)), "set auth psk key-file takes a relative path");

	memset(&c, 0, sizeof(c));
	rc = phrase(&c, LM_CTX_SET, "auth psk", err);
	point(&t, rc == -EINVAL && strstr(err, "key-file"), "set auth psk without key-file is refused");

	memset(&c, 0, sizeof(c));
	rc = phrase(&c, LM_CTX_SET, "auth none streams 2", err);
	point(&t, !rc && c.auth == LIVEMIG_AUTH_NONE && c.streams == 2 &&
	      !(c.have & LM_HAVE(LM_F_PSK_FILE)), "auth none takes no key");

	memset(&c, 0, sizeof(c));
	rc = phrase(&c, LM_CTX_SET, "network 10.0.0.0/8", err);
	point(&t, rc == -EINVAL && strstr(err, "lmctl network"), "set does not take networks");

	memset(&c, 0, sizeof(c));
	rc = phrase(&c, LM_CTX_SET, "streams 2 streams 3", err);
	point(&t, rc == -EINVAL && strstr(err, "twice"), "a setting given twice is refused");

	memset(&c, 0, sizeof(c));
	rc = phrase(&c, LM_CTX_SET, "host-name", err);
	point(&t, rc == -EINVAL && strstr(err, "missing"), "host-name needs a value");

	memset(&c, 0, sizeof(c));
	rc = phrase(&c, LM_CTX_SET, "downtime 0 max-migrations 65", err);
	point(&t, !rc && c.downtime_ms == 0 && c.max_migrations == 65,
	      "ranges are left to the kernel (downtime 0, max-migrations 65)");

	memset(&c, 0, sizeof(c));
	rc = phrase(&c, LM_CTX_CONF, "network any network specific", err);
	point(&t, rc == -EINVAL && strstr(err, "twice"), "network mode given twice is refused");
	suite_end(&t);
}

static int conf_from_text(struct lm_conf *c, const char *text, char *err)
{
	char *copy = strdup(text), *line, *save = NULL;
	int rc = 0;

	lm_conf_defaults(c);
	for (line = strtok_r(copy, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save))
		rc = lm_conf_line(c, line, err, LM_ERR_MAX);
	free(copy);
	lm_conf_complete(c);
	return rc;
}

static int conf_equal(const struct lm_conf *a, const struct lm_conf *b)
{
	unsigned int i;

	if (a->enabled != b->enabled || a->max_migrations != b->max_migrations ||
	    a->network_mode != b->network_mode || a->n_networks != b->n_networks ||
	    a->auth != b->auth || strcmp(a->psk_file, b->psk_file) ||
	    a->performance != b->performance || a->compression != b->compression ||
	    a->compression_level != b->compression_level || a->streams != b->streams ||
	    a->port != b->port || strcmp(a->host_name, b->host_name) ||
	    a->bandwidth != b->bandwidth || a->downtime_ms != b->downtime_ms ||
	    a->have != b->have)
		return 0;
	for (i = 0; i < a->n_networks; i++)
		if (memcmp(&a->networks[i], &b->networks[i], sizeof(a->networks[i])))
			return 0;
	return 1;
}

static void test_conf_file(void)
{
	static struct lm_conf a, b, d;
	static const char full[] =
		"# a host\n"
		"enabled yes\n"
		"max-migrations 4\n"
		"network specific\n"
		"network 10.1.0.0/24 priority 5\n"
		"network fd00:1::/64\n"
		"auth psk key-file /etc/livemig/psk\n"
		"performance tcp\n"
		"compression zstd:9\n"
		"streams 8\n"
		"port 6700\n"
		"host-name node-a\n"
		"bandwidth 512M\n"
		"downtime 150\n";
	char err[LM_ERR_MAX] = "", *text = NULL;
	struct ktap t;
	size_t len;
	FILE *f;
	int rc;

	suite_begin(&t, "config-file", 6);

	rc = conf_from_text(&a, full, err);
	point(&t, !rc && a.enabled && a.max_migrations == 4 &&
	      a.network_mode == LIVEMIG_NETWORK_SPECIFIC && a.n_networks == 2 &&
	      a.networks[0].priority == 5 && a.networks[1].family == AF_INET6 &&
	      a.performance == LIVEMIG_PERF_TCP && a.compression_level == 9 &&
	      a.streams == 8 && a.port == 6700 && a.bandwidth == 512ULL << 20 &&
	      a.downtime_ms == 150 && !strcmp(a.host_name, "node-a") &&
	      !strcmp(a.psk_file, "/etc/livemig/psk"), "a full file parses");

	/* Written and read back: the same settings. */
	f = open_memstream(&text, &len);
	lm_conf_write(f, &a);
	fclose(f);
	rc = conf_from_text(&b, text, err);
	point(&t, !rc && conf_equal(&a, &b), "what lm_conf_write() writes reads back the same");
	free(text);

	/* An empty file is the defaults, every setting included. */
	rc = conf_from_text(&b, "", err);
	lm_conf_defaults(&d);
	lm_conf_complete(&d);
	point(&t, !rc && conf_equal(&b, &d) && b.max_migrations == 2 && b.streams == 1 &&
	      b.port == LIVEMIG_PORT_DEFAULT && b.downtime_ms == 300 &&
	      b.auth == LIVEMIG_AUTH_PSK && b.compression == LIVEMIG_COMPRESS_LZ4 &&
	      b.performance == LIVEMIG_PERF_COMPRESSION && !b.enabled &&
	      (b.have & LM_HAVE(LM_F_NETWORKS)) && !(b.have & LM_HAVE(LM_F_PSK_FILE)),
	      "an empty file means every default (and keeps the key)");

	/* Networks without a mode line: specific, as network add does. */
	rc = conf_from_text(&b, "network 10.9.0.0/16\n", err);
	point(&t, !rc && b.network_mode == LIVEMIG_NETWORK_SPECIFIC && b.n_networks == 1,
	      "networks without a mode line mean specific");

	rc = conf_from_text(&b, "network any\nnetwork 10.9.0.0/16\n", err);
	point(&t, !rc && b.network_mode == LIVEMIG_NETWORK_ANY && b.n_networks == 1,
	      "network any keeps its list");

	rc = conf_from_text(&b, "port 1\nport 2\n", err);
	point(&t, rc == -EINVAL && strstr(err, "twice"), "a setting given twice in a file is refused");
	suite_end(&t);
}

/* --- sizes for people ----------------------------------------------- */

static const struct {
	uint64_t in;
	const char *out;
} bytes_cases[] = {
	{ 0, "0 B" },
	{ 1000, "1000 B" },
	{ 1023, "1023 B" },
	{ 1024, "1 KiB" },
	{ 1536, "1.5 KiB" },
	{ 16ULL << 20, "16 MiB" },
	{ (16ULL << 20) + 1, "16.0 MiB" },
	{ 1610612736ULL, "1.5 GiB" },
	{ (1ULL << 20) - 1, "1.0 MiB" },	/* 1023.999 KiB rounds up */
	{ (1ULL << 30) - (1ULL << 20), "1023 MiB" },
	{ 3ULL << 40, "3 TiB" },
	{ 18446744073709551615ULL, "16.0 EiB" },
};

static void test_bytes(void)
{
	struct ktap t;
	size_t i;

	suite_begin(&t, "bytes", ARRAY_SIZE(bytes_cases));
	for (i = 0; i < ARRAY_SIZE(bytes_cases); i++) {
		char out[LM_BYTES_STR_MAX];

		lm_format_bytes(out, sizeof(out), bytes_cases[i].in);
		point(&t, !strcmp(out, bytes_cases[i].out), "%llu -> \"%s\" (got \"%s\")",
		      (unsigned long long)bytes_cases[i].in, bytes_cases[i].out, out);
	}
	suite_end(&t);
}

/* --- JSON ----------------------------------------------------------- */

static void test_json(void)
{
	char *text = NULL;
	struct lm_json j;
	struct ktap t;
	size_t len;
	FILE *f;

	suite_begin(&t, "json", 1);
	f = open_memstream(&text, &len);
	lm_json_init(&j, f);
	lm_json_obj(&j, NULL);
	lm_json_str(&j, "s", "a\"b\\c\n\x01");
	lm_json_u64(&j, "n", 18446744073709551615ULL);
	lm_json_arr(&j, "a");
	lm_json_bool(&j, NULL, true);
	lm_json_null(&j, NULL);
	lm_json_obj(&j, NULL);
	lm_json_end_obj(&j);
	lm_json_end_arr(&j);
	lm_json_end_obj(&j);
	fclose(f);
	point(&t, !strcmp(text, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":18446744073709551615,"
			  "\"a\":[true,null,{}]}\n"), "escapes, commas and nesting");
	free(text);
	suite_end(&t);
}

int main(void)
{
	printf("KTAP version 1\n1..%d\n", 10 + LM_MIG_SUITES + LM_AGENT_SUITES);
	test_prefix();
	test_numbers();
	test_compression();
	test_base64();
	test_lines();
	test_phrases();
	test_conf_file();
	test_json();
	test_bytes();
	test_migrations();
	test_agent();
	printf("# %d suites, %d failed\n", suites_run, suites_failed);
	return suites_failed ? 1 : 0;
}
