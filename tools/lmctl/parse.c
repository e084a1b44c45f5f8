// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl: parsers and formatters of the values users type: numbers, rates,
 * prefixes, compression, base64. They check syntax and what fits the wire
 * type; ranges are the kernel's to judge (one source of truth), so a value
 * that parses here may still be refused with the kernel's sentence.
 *
 * All return 0 or a negative errno: -EINVAL for bad syntax, -ERANGE for a
 * number too large for its type.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "parse.h"

const char *const lm_auth_names[__LIVEMIG_AUTH_MAX] = {
	[LIVEMIG_AUTH_PSK] = "psk",
	[LIVEMIG_AUTH_NONE] = "none",
};

const char *const lm_perf_names[__LIVEMIG_PERF_MAX] = {
	[LIVEMIG_PERF_TCP] = "tcp",
	[LIVEMIG_PERF_COMPRESSION] = "compression",
	[LIVEMIG_PERF_RDMA] = "rdma",
};

const char *const lm_comp_names[__LIVEMIG_COMPRESS_MAX] = {
	[LIVEMIG_COMPRESS_LZ4] = "lz4",
	[LIVEMIG_COMPRESS_ZSTD] = "zstd",
};

const char *const lm_mode_names[__LIVEMIG_NETWORK_MAX] = {
	[LIVEMIG_NETWORK_ANY] = "any",
	[LIVEMIG_NETWORK_SPECIFIC] = "specific",
};

/**
 * lm_parse_name() - look a word up in a table of names
 * @s: the word
 * @names: the table, indexed by value
 * @n: its size
 *
 * Return: the index, or -EINVAL.
 */
int lm_parse_name(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return i;
	return -EINVAL;
}

/**
 * lm_enum_name() - the name of an enum value, safe for values a newer
 * kernel may report
 * @names: the table, indexed by value
 * @n: its size
 * @v: the value
 *
 * Return: the name, or "unknown".
 */
const char *lm_enum_name(const char *const *names, int n, unsigned int v)
{
	return v < (unsigned int)n && names[v] ? names[v] : "unknown";
}

/* Decimal digits only: no sign, no blanks, no base prefix. */
static int lm_parse_digits(const char **sp, uint64_t max, uint64_t *out)
{
	const char *s = *sp;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned int d = *s - '0';

		if (v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*sp = s;
	*out = v;
	return 0;
}

/**
 * lm_parse_u64() - parse a decimal number that must fit in @max
 * @s: the text
 * @max: the largest value the wire type holds (UINT32_MAX for a u32...)
 * @out: the number
 *
 * Return: 0, -EINVAL (not a number) or -ERANGE (does not fit).
 */
int lm_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v;
	int err;

	err = lm_parse_digits(&s, max, &v);
	if (err)
		return err;
	if (*s)
		return -EINVAL;
	*out = v;
	return 0;
}

/**
 * lm_parse_bool() - yes/no, on/off, true/false, 1/0
 * @s: the text
 * @out: the value
 *
 * Return: 0 or -EINVAL.
 */
int lm_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int lm_rate_shift(char c)
{
	switch (c) {
	case 'K': case 'k': return 10;
	case 'M': case 'm': return 20;
	case 'G': case 'g': return 30;
	}
	return -1;
}

/**
 * lm_parse_rate() - bytes per second with an optional K, M or G suffix
 * @s: e.g. "0", "1500", "100M" (powers of 1024)
 * @out: bytes per second
 *
 * Return: 0, -EINVAL or -ERANGE (more than 2^64 - 1).
 */
int lm_parse_rate(const char *s, uint64_t *out)
{
	uint64_t v;
	int shift = 0;
	int err;

	err = lm_parse_digits(&s, UINT64_MAX, &v);
	if (err)
		return err;
	if (*s) {
		shift = lm_rate_shift(*s);
		if (shift < 0 || s[1])
			return -EINVAL;
		if (v > UINT64_MAX >> shift)
			return -ERANGE;
	}
	*out = v << shift;
	return 0;
}

/**
 * lm_format_rate() - write a rate the way lm_parse_rate() reads it
 * @buf: output
 * @size: its size, at least %LM_RATE_STR_MAX
 * @rate: bytes per second
 *
 * Exact multiples get the largest suffix that keeps them exact: 104857600
 * is "100M", 1500 stays "1500".
 *
 * Return: what snprintf() returns.
 */
int lm_format_rate(char *buf, size_t size, uint64_t rate)
{
	static const char suffix[] = "GMK";
	int i;

	for (i = 0; rate && i < 3; i++) {
		int shift = 30 - 10 * i;

		if (!(rate & ((1ULL << shift) - 1)))
			return snprintf(buf, size, "%llu%c",
					(unsigned long long)(rate >> shift),
					suffix[i]);
	}
	return snprintf(buf, size, "%llu", (unsigned long long)rate);
}

/**
 * lm_format_bytes() - a size for people, in binary units
 * @buf: output
 * @size: its size, at least %LM_BYTES_STR_MAX
 * @bytes: the size
 *
 * The largest unit the size reaches, with one decimal unless it is an
 * exact multiple: 16777216 is "16 MiB", 1610612736 "1.5 GiB", 1000
 * "1000 B", 16 MiB and a byte "16.0 MiB".
 *
 * Return: what snprintf() returns.
 */
int lm_format_bytes(char *buf, size_t size, uint64_t bytes)
{
	static const char *const units[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	uint64_t unit, whole, tenths;
	unsigned int i = 0;

	while (i + 1 < sizeof(units) / sizeof(units[0]) &&
	       bytes >> (10 * (i + 1)))
		i++;
	unit = 1ULL << (10 * i);
	whole = bytes >> (10 * i);
	/* The remainder is below 2^60, so ten times it still fits. */
	tenths = ((bytes & (unit - 1)) * 10 + unit / 2) >> (10 * i);
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	if (whole == 1024 && i + 1 < sizeof(units) / sizeof(units[0])) {
		whole = 1;
		i++;
	}
	if (!(bytes & (unit - 1)))
		return snprintf(buf, size, "%llu %s", (unsigned long long)whole,
				units[i]);
	return snprintf(buf, size, "%llu.%llu %s", (unsigned long long)whole,
			(unsigned long long)tenths, units[i]);
}

/**
 * lm_parse_prefix() - an IPv4 or IPv6 prefix, ADDR/LEN or a bare ADDR
 * @s: e.g. "10.1.0.0/24", "fd00::/64", "192.0.2.7" (= /32)
 * @p: filled in (priority 0)
 *
 * Host bits are not judged here: the kernel refuses them with its own
 * sentence.
 *
 * Return: 0 or -EINVAL.
 */
int lm_parse_prefix(const char *s, struct lm_prefix *p)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint64_t len;
	int max;

	memset(p, 0, sizeof(*p));
	if (!alen || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';

	if (inet_pton(AF_INET, addr, p->addr) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, p->addr) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}

	if (!slash) {
		p->len = max;
		return 0;
	}
	if (lm_parse_u64(slash + 1, max, &len))
		return -EINVAL;
	p->len = len;
	return 0;
}

/**
 * lm_format_prefix() - write a prefix as ADDR/LEN
 * @buf: output
 * @size: its size, at least %LM_PREFIX_STR_MAX
 * @p: the prefix
 *
 * Return: what snprintf() returns, or -EINVAL for an unknown family.
 */
int lm_format_prefix(char *buf, size_t size, const struct lm_prefix *p)
{
	char addr[INET6_ADDRSTRLEN];

	if ((p->family != AF_INET && p->family != AF_INET6) ||
	    !inet_ntop(p->family, p->addr, addr, sizeof(addr)))
		return -EINVAL;
	return snprintf(buf, size, "%s/%u", addr, p->len);
}

/**
 * lm_parse_compression() - ALG[:LEVEL]
 * @s: "lz4", "zstd" or "zstd:LEVEL"
 * @alg: &enum livemig_compression
 * @level: LEVEL, or 0 (the algorithm's default) without one
 *
 * Whether an algorithm takes a level, and which levels, is the kernel's
 * call.
 *
 * Return: 0, -EINVAL (unknown algorithm, bad syntax) or -ERANGE (LEVEL
 * does not fit in a byte).
 */
int lm_parse_compression(const char *s, uint8_t *alg, uint8_t *level)
{
	const char *colon = strchr(s, ':');
	char name[16];
	size_t nlen = colon ? (size_t)(colon - s) : strlen(s);
	uint64_t v = 0;
	int a, err;

	if (nlen >= sizeof(name))
		return -EINVAL;
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	a = lm_parse_name(name, lm_comp_names, __LIVEMIG_COMPRESS_MAX);
	if (a < 0)
		return -EINVAL;
	if (colon) {
		err = lm_parse_u64(colon + 1, UINT8_MAX, &v);
		if (err)
			return err;
	}
	*alg = a;
	*level = v;
	return 0;
}

static const char lm_b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * lm_base64_len() - length of the base64 text of @n bytes, without the NUL
 * @n: bytes
 *
 * Return: 4 * ceil(n / 3).
 */
size_t lm_base64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

/**
 * lm_base64_encode() - standard base64 with padding
 * @out: at least lm_base64_len(@n) + 1 bytes; NUL-terminated
 * @in: bytes
 * @n: how many
 */
void lm_base64_encode(char *out, const uint8_t *in, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3, out += 4) {
		uint32_t v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];

		out[0] = lm_b64[v >> 18];
		out[1] = lm_b64[(v >> 12) & 63];
		out[2] = lm_b64[(v >> 6) & 63];
		out[3] = lm_b64[v & 63];
	}
	if (i < n) {
		uint32_t v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0);

		out[0] = lm_b64[v >> 18];
		out[1] = lm_b64[(v >> 12) & 63];
		out[2] = i + 1 < n ? lm_b64[(v >> 6) & 63] : '=';
		out[3] = '=';
		out += 4;
	}
	*out = '\0';
}

static int lm_b64_value(char c)
{
	const char *p;

	if (!c)
		return -1;
	p = strchr(lm_b64, c);
	return p ? p - lm_b64 : -1;
}

/**
 * lm_base64_decode() - decode standard base64 (padding required)
 * @s: the text; no blanks inside (the caller strips a trailing newline)
 * @len: its length
 * @out: the bytes
 * @size: room in @out
 * @out_len: how many bytes were decoded
 *
 * Padding bits must be zero, so every key has exactly one spelling.
 * Intermediate values live in locals only; callers wipe @s and @out.
 *
 * Return: 0, -EINVAL (not base64) or -ERANGE (more than @size bytes).
 */
int lm_base64_decode(const char *s, size_t len, uint8_t *out, size_t size,
		     size_t *out_len)
{
	size_t i, n = 0;

	if (len % 4)
		return -EINVAL;
	for (i = 0; i < len; i += 4) {
		int a = lm_b64_value(s[i]), b = lm_b64_value(s[i + 1]);
		int c = lm_b64_value(s[i + 2]), d = lm_b64_value(s[i + 3]);
		bool last = i + 4 == len;
		size_t got = 3;
		uint32_t v;

		if (a < 0 || b < 0)
			return -EINVAL;
		if (last && s[i + 2] == '=' && s[i + 3] == '=') {
			if (b & 15)
				return -EINVAL;
			c = d = 0;
			got = 1;
		} else if (last && s[i + 3] == '=') {
			if (c < 0 || (c & 3))
				return -EINVAL;
			d = 0;
			got = 2;
		} else if (c < 0 || d < 0) {
			return -EINVAL;
		}
		if (n + got > size)
			return -ERANGE;
		v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
		out[n++] = v >> 16;
		if (got > 1)
			out[n++] = v >> 8;
		if (got > 2)
			out[n++] = v;
	}
	*out_len = n;
	return 0;
}
