// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl: the words of migrations. Names of states and directions, the
 * parsers of what move, status, cancel and resolve are given (HOST[:PORT],
 * an id, move's command line), and the small formatters their output is
 * made of (addresses, durations, MiB and MiB/s). Pure code:
 * tests/lmctl_unit.c checks every function here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "mig.h"

const char *const lm_state_names[__LIVEMIG_MIG_MAX] = {
	[LIVEMIG_MIG_QUEUED] = "queued",
	[LIVEMIG_MIG_CONNECTING] = "connecting",
	[LIVEMIG_MIG_AUTHENTICATING] = "authenticating",
	[LIVEMIG_MIG_SETUP] = "setup",
	[LIVEMIG_MIG_PRECOPY] = "precopy",
	[LIVEMIG_MIG_STOPCOPY] = "stop-and-copy",
	[LIVEMIG_MIG_LOADING] = "loading",
	[LIVEMIG_MIG_COMMITTING] = "committing",
	[LIVEMIG_MIG_COMPLETED] = "completed",
	[LIVEMIG_MIG_CANCELLED] = "cancelled",
	[LIVEMIG_MIG_FAILED] = "failed",
	[LIVEMIG_MIG_IN_DOUBT] = "in-doubt",
};

const char *const lm_dir_names[__LIVEMIG_DIR_MAX] = {
	[LIVEMIG_DIR_OUT] = "out",
	[LIVEMIG_DIR_IN] = "in",
};

/* The JSON member names of the statistics (lmctl.8), by attribute. */
const char *const lm_stat_names[LIVEMIG_STAT_A_MAX + 1] = {
	[LIVEMIG_STAT_A_ROUND] = "round",
	[LIVEMIG_STAT_A_PAGES_TOTAL] = "pages_total",
	[LIVEMIG_STAT_A_PAGES_REMAINING] = "pages_remaining",
	[LIVEMIG_STAT_A_PAGES_SENT] = "pages_sent",
	[LIVEMIG_STAT_A_PAGES_ZERO] = "pages_zero",
	[LIVEMIG_STAT_A_BYTES] = "bytes",
	[LIVEMIG_STAT_A_WIRE_BYTES] = "wire_bytes",
	[LIVEMIG_STAT_A_DIRTY_RATE] = "dirty_rate",
	[LIVEMIG_STAT_A_THROUGHPUT] = "throughput",
	[LIVEMIG_STAT_A_DOWNTIME_EXPECTED_US] = "downtime_expected_us",
	[LIVEMIG_STAT_A_DOWNTIME_US] = "downtime_us",
	[LIVEMIG_STAT_A_SETUP_US] = "setup_us",
	[LIVEMIG_STAT_A_TOTAL_US] = "total_us",
};

/**
 * lm_mig_state_final() - whether a migration has ended for the one who
 * started it
 * @state: &enum livemig_mig_state
 *
 * In-doubt counts: it stays so until the outcome is learnt or an operator
 * resolves it, which lmctl move does not wait for.
 *
 * Return: true for completed, cancelled, failed and in-doubt.
 */
bool lm_mig_state_final(unsigned int state)
{
	return state == LIVEMIG_MIG_COMPLETED || state == LIVEMIG_MIG_CANCELLED ||
	       state == LIVEMIG_MIG_FAILED || state == LIVEMIG_MIG_IN_DOUBT;
}

/**
 * lm_mig_state_copying() - whether pages are being copied
 * @state: &enum livemig_mig_state
 *
 * Return: true in pre-copy and stop-and-copy.
 */
bool lm_mig_state_copying(unsigned int state)
{
	return state == LIVEMIG_MIG_PRECOPY || state == LIVEMIG_MIG_STOPCOPY;
}

/**
 * lm_parse_hostport() - HOST[:PORT], the destination of lmctl move
 * @s: "10.0.0.2", "10.0.0.2:6601", "fd00::2", "[fd00::2]",
 *	"[fd00::2]:6601", "hostb", "hostb:6601"
 * @hp: filled in
 *
 * A bare IPv6 address takes no port (its colons would be ambiguous): put
 * it in brackets. Brackets hold IPv6 addresses only. A name is resolved
 * later, by the caller.
 *
 * Return: 0, -EINVAL (bad syntax) or -ERANGE (a port outside 1..65535).
 */
int lm_parse_hostport(const char *s, struct lm_hostport *hp)
{
	const char *host = s, *port = NULL, *colon;
	bool v6_only = false;
	size_t hlen;
	uint64_t v;
	int err;

	memset(hp, 0, sizeof(*hp));
	colon = strchr(s, ':');
	if (s[0] == '[') {
		const char *end = strchr(++host, ']');

		if (!end || (end[1] && end[1] != ':'))
			return -EINVAL;
		hlen = end - host;
		port = end[1] ? end + 2 : NULL;
		v6_only = true;
	} else if (colon && strchr(colon + 1, ':')) {
		/* More than one colon: a bare IPv6 address, no port. */
		hlen = strlen(s);
		v6_only = true;
	} else {
		hlen = colon ? (size_t)(colon - s) : strlen(s);
		port = colon ? colon + 1 : NULL;
	}
	if (!hlen || hlen >= sizeof(hp->host))
		return -EINVAL;
	memcpy(hp->host, host, hlen);
	hp->host[hlen] = '\0';

	if (inet_pton(AF_INET6, hp->host, hp->addr.addr) == 1)
		hp->addr.family = AF_INET6;
	else if (v6_only)
		return -EINVAL;
	else if (inet_pton(AF_INET, hp->host, hp->addr.addr) == 1)
		hp->addr.family = AF_INET;
	hp->literal = hp->addr.family != 0;

	if (port) {
		err = lm_parse_u64(port, UINT16_MAX, &v);
		if (err)
			return err;
		if (!v)
			return -ERANGE;
		hp->port = v;
	}
	return 0;
}

/**
 * lm_parse_mig_id() - a migration id as list prints it
 * @s: decimal digits
 * @id: the id
 *
 * Which ids exist (and that 0 never does) is the kernel's to say.
 *
 * Return: 0, -EINVAL or -ERANGE (more than 32 bits).
 */
int lm_parse_mig_id(const char *s, uint32_t *id)
{
	uint64_t v;
	int err = lm_parse_u64(s, UINT32_MAX, &v);

	if (!err)
		*id = v;
	return err;
}

/**
 * lm_move_parse() - the words after lmctl move
 * @argc: how many
 * @argv: NAME HOST[:PORT] and --detach, in any order; "--" ends the options
 * @a: filled in
 * @err: why not, for the usage message
 * @errlen: its size
 *
 * Return: 0 or -EINVAL.
 */
int lm_move_parse(int argc, char **argv, struct lm_move_args *a,
		  char *err, size_t errlen)
{
	const char *pos[2] = { NULL, NULL };
	bool options = true;
	int i, n = 0, rc;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < argc; i++) {
		const char *w = argv[i];

		if (options && !strcmp(w, "--")) {
			options = false;
		} else if (options && !strcmp(w, "--detach")) {
			a->detach = true;
		} else if (options && w[0] == '-' && w[1]) {
			snprintf(err, errlen, "unknown option '%s'", w);
			return -EINVAL;
		} else if (n == 2) {
			snprintf(err, errlen, "unexpected argument '%s'", w);
			return -EINVAL;
		} else {
			pos[n++] = w;
		}
	}
	if (n < 2) {
		snprintf(err, errlen, n ? "missing HOST" : "missing NAME and HOST");
		return -EINVAL;
	}
	a->name = pos[0];
	a->dest_arg = pos[1];
	rc = lm_parse_hostport(pos[1], &a->dest);
	if (rc == -ERANGE) {
		snprintf(err, errlen, "'%s': the port must be 1 to 65535", pos[1]);
		return -EINVAL;
	}
	if (rc) {
		snprintf(err, errlen,
			 "'%s' is not HOST[:PORT] (an IPv6 address with a port goes in brackets: [ADDR]:PORT)",
			 pos[1]);
		return -EINVAL;
	}
	return 0;
}

/**
 * lm_vm_name_valid() - the kernel's rule for VM names
 * @s: the name
 *
 * Return: true for 1 to %LIVEMIG_VM_NAME_MAX - 1 ASCII letters, digits,
 * '-', '_' and '.'.
 */
bool lm_vm_name_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (i == LIVEMIG_VM_NAME_MAX - 1)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return i > 0;
}

/**
 * lm_format_addr() - an address, or "?" when unknown
 * @buf: output
 * @size: at least %LM_ADDR_STR_MAX
 * @a: the address
 *
 * Return: what snprintf() returns.
 */
int lm_format_addr(char *buf, size_t size, const struct lm_addr *a)
{
	char s[INET6_ADDRSTRLEN];

	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    !inet_ntop(a->family, a->addr, s, sizeof(s)))
		return snprintf(buf, size, "?");
	return snprintf(buf, size, "%s", s);
}

/**
 * lm_format_addr_port() - "10.0.0.2:6600" or "[fd00::2]:6600"
 * @buf: output
 * @size: at least %LM_ADDR_PORT_STR_MAX
 * @a: the address
 * @port: the port; 0 leaves it out (and the brackets)
 *
 * Return: what snprintf() returns.
 */
int lm_format_addr_port(char *buf, size_t size, const struct lm_addr *a,
			uint16_t port)
{
	char s[LM_ADDR_STR_MAX];

	lm_format_addr(s, sizeof(s), a);
	if (!port)
		return snprintf(buf, size, "%s", s);
	return snprintf(buf, size, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u",
			s, port);
}

/**
 * lm_format_uuid() - the usual 8-4-4-4-12 lower-case form
 * @buf: output
 * @size: at least %LM_UUID_STR_MAX
 * @uuid: %LIVEMIG_UUID_LEN bytes
 *
 * Return: what snprintf() returns.
 */
int lm_format_uuid(char *buf, size_t size, const uint8_t *uuid)
{
	const uint8_t *u = uuid;

	return snprintf(buf, size,
			"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8],
			u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* @n / @d rounded to the nearest, halves up, without overflow. */
static uint64_t lm_div_round(uint64_t n, uint64_t d)
{
	return n / d + (n % d >= d - d / 2);
}

/**
 * lm_format_duration() - a time for people
 * @buf: output
 * @size: at least %LM_NUM_STR_MAX
 * @us: microseconds
 *
 * Rounded to the nearest unit shown: "850 us", "85 ms", "12.3 s",
 * "2 min 5 s", "3 h 7 min". A value that rounds up to the next unit
 * moves to it (999.6 ms is "1.0 s").
 *
 * Return: what snprintf() returns.
 */
int lm_format_duration(char *buf, size_t size, uint64_t us)
{
	unsigned long long ms, tenths, s, min;

	if (us < 1000)
		return snprintf(buf, size, "%llu us", (unsigned long long)us);
	ms = lm_div_round(us, 1000);
	if (ms < 1000)
		return snprintf(buf, size, "%llu ms", ms);
	tenths = lm_div_round(us, 100000);
	if (tenths < 600)
		return snprintf(buf, size, "%llu.%llu s", tenths / 10, tenths % 10);
	s = lm_div_round(us, 1000000);
	if (s < 3600)
		return snprintf(buf, size, "%llu min %llu s", s / 60, s % 60);
	min = lm_div_round(us, 60000000);
	return snprintf(buf, size, "%llu h %llu min", min / 60, min % 60);
}

/* @n / 2^20 with one decimal, rounded to the nearest tenth. */
static int lm_format_tenths_mib(char *buf, size_t size, uint64_t n,
				const char *unit)
{
	unsigned __int128 t = ((unsigned __int128)n * 10 + (1u << 19)) >> 20;

	return snprintf(buf, size, "%llu.%llu %s", (unsigned long long)(t / 10),
			(unsigned long long)(t % 10), unit);
}

/**
 * lm_format_mib() - bytes in MiB with one decimal: "118.0 MiB"
 * @buf: output
 * @size: at least %LM_NUM_STR_MAX
 * @bytes: the size
 *
 * Return: what snprintf() returns.
 */
int lm_format_mib(char *buf, size_t size, uint64_t bytes)
{
	return lm_format_tenths_mib(buf, size, bytes, "MiB");
}

/**
 * lm_format_mibps() - a rate in MiB/s with one decimal: "45.2 MiB/s"
 * @buf: output
 * @size: at least %LM_NUM_STR_MAX
 * @bytes_per_s: the rate
 *
 * Return: what snprintf() returns.
 */
int lm_format_mibps(char *buf, size_t size, uint64_t bytes_per_s)
{
	return lm_format_tenths_mib(buf, size, bytes_per_s, "MiB/s");
}

/**
 * lm_sanitize() - text from elsewhere, safe to print on a terminal
 * @buf: output, always terminated
 * @size: its size (> 0)
 * @s: the text
 *
 * Control characters and bytes outside ASCII become '?'.
 */
void lm_sanitize(char *buf, size_t size, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ?
			 '?' : s[i];
	buf[i] = '\0';
}
