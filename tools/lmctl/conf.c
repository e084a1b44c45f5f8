// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl: the settings grammar shared by "lmctl set" and the config file.
 *
 * A phrase is a setting's name and its value, e.g. "streams 4" or
 * "auth psk key-file /etc/livemig/psk". "lmctl set" takes one or more
 * phrases on its command line; a config file has one phrase per line, plus
 * "enabled" and "network" lines, and '#' comments. lmctl.8 documents both.
 * Pure code: tests/lmctl_unit.c checks it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "parse.h"

#define LM_LINE_WORDS_MAX	8

/**
 * lm_conf_defaults() - the settings of a freshly loaded module
 * @c: filled in; no LM_HAVE() bit set yet
 */
void lm_conf_defaults(struct lm_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->enabled = false;
	c->max_migrations = 2;
	c->network_mode = LIVEMIG_NETWORK_ANY;
	c->auth = LIVEMIG_AUTH_PSK;
	c->performance = LIVEMIG_PERF_COMPRESSION;
	c->compression = LIVEMIG_COMPRESS_LZ4;
	c->compression_level = 0;
	c->streams = 1;
	c->port = LIVEMIG_PORT_DEFAULT;
	c->bandwidth = 0;
	c->downtime_ms = 300;
}

static int lm_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int lm_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int lm_number(const char *key, const char *s, uint64_t max,
		     uint64_t *v, char *err, size_t errlen)
{
	int e = lm_parse_u64(s, max, v);

	if (e == -ERANGE)
		return lm_err(err, errlen, "%s: '%s' is too large (at most %llu)",
			      key, s, (unsigned long long)max);
	if (e)
		return lm_err(err, errlen, "%s: '%s' is not a number", key, s);
	return 0;
}

static int lm_names_err(const char *key, const char *s,
			const char *const *names, int n, char *err,
			size_t errlen)
{
	char list[128] = "";
	int i;

	for (i = 0; i < n; i++) {
		strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, names[i], sizeof(list) - strlen(list) - 1);
	}
	return lm_err(err, errlen, "%s: unknown value '%s' (one of %s)",
		      key, s, list);
}

/* "auth none" | "auth psk [key-file PATH]"; returns words used. */
static int lm_phrase_auth(struct lm_conf *c, enum lm_phrase_ctx ctx, int argc,
			  char **argv, char *err, size_t errlen)
{
	int a;

	if (argc < 2)
		return lm_err(err, errlen, "auth: missing value (psk key-file PATH, or none)");
	a = lm_parse_name(argv[1], lm_auth_names, __LIVEMIG_AUTH_MAX);
	if (a < 0)
		return lm_names_err("auth", argv[1], lm_auth_names,
				    __LIVEMIG_AUTH_MAX, err, errlen);
	c->auth = a;
	c->have |= LM_HAVE(LM_F_AUTH);
	if (a != LIVEMIG_AUTH_PSK)
		return 2;

	if (argc < 3 || strcmp(argv[2], "key-file")) {
		if (ctx == LM_CTX_SET)
			return lm_err(err, errlen, "auth psk: missing key-file PATH (a key made by lmctl genkey)");
		return 2;	/* config: keep the installed key */
	}
	if (argc < 4 || !argv[3][0])
		return lm_err(err, errlen, "auth psk key-file: missing PATH");
	if (ctx == LM_CTX_CONF && argv[3][0] != '/')
		return lm_err(err, errlen, "auth psk key-file: '%s' is not an absolute path",
			      argv[3]);
	if (strlen(argv[3]) >= sizeof(c->psk_file))
		return lm_err(err, errlen, "auth psk key-file: path too long (at most %d bytes)",
			      LIVEMIG_PATH_MAX - 1);
	strcpy(c->psk_file, argv[3]);
	c->have |= LM_HAVE(LM_F_PSK_FILE);
	return 4;
}

/* "network any|specific" | "network PREFIX [priority N]" */
static int lm_phrase_network(struct lm_conf *c, int argc, char **argv,
			     char *err, size_t errlen)
{
	struct lm_prefix p;
	uint64_t prio = 0;
	int m;

	if (argc < 2)
		return lm_err(err, errlen, "network: missing value (any, specific or PREFIX [priority N])");
	m = lm_parse_name(argv[1], lm_mode_names, __LIVEMIG_NETWORK_MAX);
	if (m >= 0) {
		if (c->have & LM_HAVE(LM_F_NETWORK_MODE))
			return lm_err(err, errlen, "network mode given twice");
		c->network_mode = m;
		c->have |= LM_HAVE(LM_F_NETWORK_MODE);
		return 2;
	}
	if (lm_parse_prefix(argv[1], &p))
		return lm_err(err, errlen, "network: '%s' is not a prefix (ADDR/LEN, IPv4 or IPv6)",
			      argv[1]);
	if (argc >= 3 && !strcmp(argv[2], "priority")) {
		if (argc < 4)
			return lm_err(err, errlen, "network %s priority: missing number", argv[1]);
		if (lm_number("priority", argv[3], UINT32_MAX, &prio, err, errlen))
			return -EINVAL;
	}
	if (c->n_networks >= LIVEMIG_NETWORKS_MAX)
		return lm_err(err, errlen, "network: more than %d networks", LIVEMIG_NETWORKS_MAX);
	p.priority = prio;
	c->networks[c->n_networks++] = p;
	c->have |= LM_HAVE(LM_F_NETWORKS);
	return argc >= 3 && !strcmp(argv[2], "priority") ? 4 : 2;
}

/**
 * lm_conf_phrase() - parse one setting from a list of words
 * @c: where the value goes (its LM_HAVE() bit is set)
 * @ctx: %LM_CTX_SET or %LM_CTX_CONF
 * @argc: words left
 * @argv: the words, the setting's name first
 * @err: the reason on failure
 * @errlen: room in @err
 *
 * A setting given twice is an error: a config file or a command line
 * means one value each.
 *
 * Return: the number of words used (at least 2), or -EINVAL.
 */
int lm_conf_phrase(struct lm_conf *c, enum lm_phrase_ctx ctx, int argc,
		   char **argv, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		enum lm_conf_field field;
		uint64_t max;		/* for numbers */
	} keys[] = {
		{ "enabled", LM_F_ENABLED, 0 },
		{ "max-migrations", LM_F_MAX_MIGRATIONS, UINT32_MAX },
		{ "auth", LM_F_AUTH, 0 },
		{ "performance", LM_F_PERFORMANCE, 0 },
		{ "compression", LM_F_COMPRESSION, 0 },
		{ "streams", LM_F_STREAMS, UINT32_MAX },
		{ "port", LM_F_PORT, UINT16_MAX },
		{ "host-name", LM_F_HOST_NAME, 0 },
		{ "bandwidth", LM_F_BANDWIDTH, 0 },
		{ "downtime", LM_F_DOWNTIME, UINT32_MAX },
	};
	const char *key = argv[0], *val;
	uint64_t v;
	size_t i;
	int n;

	if (!strcmp(key, "network")) {
		if (ctx != LM_CTX_CONF)
			return lm_err(err, errlen, "networks are changed with lmctl network");
		return lm_phrase_network(c, argc, argv, err, errlen);
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i].name))
			break;
	if (i == sizeof(keys) / sizeof(keys[0]))
		return lm_err(err, errlen, "unknown setting '%s'", key);
	if (c->have & LM_HAVE(keys[i].field))
		return lm_err(err, errlen, "%s given twice", key);
	if (keys[i].field == LM_F_AUTH)
		return lm_phrase_auth(c, ctx, argc, argv, err, errlen);
	if (argc < 2)
		return lm_err(err, errlen, "%s: missing value", key);
	val = argv[1];

	switch (keys[i].field) {
	case LM_F_ENABLED:
		if (lm_parse_bool(val, &c->enabled))
			return lm_err(err, errlen, "enabled: '%s' is not yes or no", val);
		break;
	case LM_F_MAX_MIGRATIONS:
	case LM_F_STREAMS:
	case LM_F_PORT:
	case LM_F_DOWNTIME:
		if (lm_number(key, val, keys[i].max, &v, err, errlen))
			return -EINVAL;
		if (keys[i].field == LM_F_MAX_MIGRATIONS)
			c->max_migrations = v;
		else if (keys[i].field == LM_F_STREAMS)
			c->streams = v;
		else if (keys[i].field == LM_F_PORT)
			c->port = v;
		else
			c->downtime_ms = v;
		break;
	case LM_F_PERFORMANCE:
		n = lm_parse_name(val, lm_perf_names, __LIVEMIG_PERF_MAX);
		if (n < 0)
			return lm_names_err(key, val, lm_perf_names,
					    __LIVEMIG_PERF_MAX, err, errlen);
		c->performance = n;
		break;
	case LM_F_COMPRESSION:
		n = lm_parse_compression(val, &c->compression, &c->compression_level);
		if (n == -ERANGE)
			return lm_err(err, errlen, "compression: level in '%s' is too large (at most 255)",
				      val);
		if (n)
			return lm_err(err, errlen, "compression: '%s' is not lz4, zstd or zstd:LEVEL",
				      val);
		break;
	case LM_F_HOST_NAME:
		if (strlen(val) >= sizeof(c->host_name))
			return lm_err(err, errlen, "host-name: too long");
		strcpy(c->host_name, val);
		break;
	case LM_F_BANDWIDTH:
		n = lm_parse_rate(val, &c->bandwidth);
		if (n == -ERANGE)
			return lm_err(err, errlen, "bandwidth: '%s' is too large", val);
		if (n)
			return lm_err(err, errlen, "bandwidth: '%s' is not a rate (bytes/s, with an optional K, M or G suffix)",
				      val);
		break;
	default:
		return lm_err(err, errlen, "unknown setting '%s'", key);
	}
	c->have |= LM_HAVE(keys[i].field);
	return 2;
}

/**
 * lm_conf_line() - parse one line of a config file
 * @c: the settings read so far
 * @line: the line, modified (split into words); no newline
 * @err: the reason on failure
 * @errlen: room in @err
 *
 * A word starting with '#' starts a comment. Words are separated by blanks;
 * values cannot contain blanks.
 *
 * Return: 0 (a blank or comment line counts) or -EINVAL.
 */
int lm_conf_line(struct lm_conf *c, char *line, char *err, size_t errlen)
{
	char *words[LM_LINE_WORDS_MAX + 1];
	char *save = NULL, *w;
	int n = 0, used;

	for (w = strtok_r(line, " \t\r\n", &save); w;
	     w = strtok_r(NULL, " \t\r\n", &save)) {
		if (w[0] == '#')
			break;
		if (n == LM_LINE_WORDS_MAX)
			return lm_err(err, errlen, "too many words");
		words[n++] = w;
	}
	if (!n)
		return 0;
	words[n] = NULL;
	used = lm_conf_phrase(c, LM_CTX_CONF, n, words, err, errlen);
	if (used < 0)
		return used;
	if (used < n)
		return lm_err(err, errlen, "unexpected '%s' after %s", words[used],
			      words[0]);
	return 0;
}

/**
 * lm_conf_complete() - turn a parsed config file into the complete state
 * @c: started with lm_conf_defaults(), then lm_conf_line() for each line
 *
 * A setting the file leaves out takes its default value, so applying the
 * file sets every setting. Networks listed without a "network any" or
 * "network specific" line mean specific, as "lmctl network add" does.
 * The key stays as it is unless the file names a key-file.
 */
void lm_conf_complete(struct lm_conf *c)
{
	if (!(c->have & LM_HAVE(LM_F_NETWORK_MODE)) && c->n_networks)
		c->network_mode = LIVEMIG_NETWORK_SPECIFIC;
	c->have |= LM_HAVE_ALL & ~LM_HAVE(LM_F_PSK_FILE);
	if (c->auth != LIVEMIG_AUTH_PSK)
		c->have &= ~LM_HAVE(LM_F_PSK_FILE);
}

/**
 * lm_conf_write() - write settings in the config file format
 * @f: where
 * @c: complete settings (from the kernel, or lm_conf_complete())
 *
 * lm_conf_line() reads back every line this writes; a default host name
 * is left out so the file follows the node name.
 */
void lm_conf_write(FILE *f, const struct lm_conf *c)
{
	char buf[LM_PREFIX_STR_MAX];
	unsigned int i;

	fprintf(f, "# livemig host settings (lmctl showconf); apply with: lmctl setconf FILE\n");
	fprintf(f, "enabled %s\n", c->enabled ? "yes" : "no");
	fprintf(f, "max-migrations %u\n", c->max_migrations);
	fprintf(f, "network %s\n", LM_NAME(lm_mode_names, c->network_mode));
	for (i = 0; i < c->n_networks; i++) {
		if (lm_format_prefix(buf, sizeof(buf), &c->networks[i]) < 0)
			continue;
		if (c->networks[i].priority)
			fprintf(f, "network %s priority %u\n", buf,
				c->networks[i].priority);
		else
			fprintf(f, "network %s\n", buf);
	}
	if (c->auth == LIVEMIG_AUTH_PSK && (c->have & LM_HAVE(LM_F_PSK_FILE)) &&
	    c->psk_file[0])
		fprintf(f, "auth psk key-file %s\n", c->psk_file);
	else if (c->auth == LIVEMIG_AUTH_PSK && c->psk_present)
		fprintf(f, "# the installed key's file is unknown: setconf keeps the key\nauth psk\n");
	else if (c->auth == LIVEMIG_AUTH_PSK)
		fprintf(f, "# no key installed: migrations will be refused (add key-file PATH)\nauth psk\n");
	else
		fprintf(f, "auth %s\n", LM_NAME(lm_auth_names, c->auth));
	fprintf(f, "performance %s\n", LM_NAME(lm_perf_names, c->performance));
	if (c->compression_level)
		fprintf(f, "compression %s:%u\n", LM_NAME(lm_comp_names, c->compression),
			c->compression_level);
	else
		fprintf(f, "compression %s\n", LM_NAME(lm_comp_names, c->compression));
	fprintf(f, "streams %u\n", c->streams);
	fprintf(f, "port %u\n", c->port);
	if (!c->host_name_default && c->host_name[0])
		fprintf(f, "host-name %s\n", c->host_name);
	lm_format_rate(buf, sizeof(buf), c->bandwidth);
	fprintf(f, "bandwidth %s\n", buf);
	fprintf(f, "downtime %u\n", c->downtime_ms);
}
