/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lmctl: pure parsers and formatters (numbers, rates, prefixes, compression,
 * base64) and the settings phrase/config-file grammar. Nothing here talks to
 * the kernel, so tests/lmctl_unit.c exercises all of it.
 */
#ifndef LMCTL_PARSE_H
#define LMCTL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/livemig.h>

/* Room for a one-line error message from the parsers. */
#define LM_ERR_MAX		256
/* Longest host name the CLI carries; the kernel judges the real limit. */
#define LM_HOST_NAME_BUF	256
/* Listening addresses kept from one SETTINGS_GET reply. */
#define LM_LISTENERS_MAX	256
/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" and a NUL. */
#define LM_PREFIX_STR_MAX	52
/* "18446744073709551615" and a NUL. */
#define LM_RATE_STR_MAX		24
/* "1023.9 KiB" and more room than needed. */
#define LM_BYTES_STR_MAX	24

/**
 * struct lm_prefix - a migration network as the CLI carries it
 * @family: AF_INET or AF_INET6
 * @len: prefix length
 * @priority: lower is preferred
 * @addr: the address as typed, network byte order (4 or 16 bytes used)
 */
struct lm_prefix {
	uint8_t family;
	uint8_t len;
	uint32_t priority;
	uint8_t addr[16];
};

/**
 * struct lm_listener - one address the host listens on
 * @family: AF_INET or AF_INET6
 * @port: the port
 * @addr: the address (all zeroes for the wildcard)
 */
struct lm_listener {
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];
};

/* Settings a struct lm_conf holds; LM_HAVE(field) bits in @have. */
enum lm_conf_field {
	LM_F_ENABLED,
	LM_F_MAX_MIGRATIONS,
	LM_F_NETWORK_MODE,
	LM_F_NETWORKS,
	LM_F_AUTH,
	LM_F_PSK_FILE,
	LM_F_PERFORMANCE,
	LM_F_COMPRESSION,
	LM_F_STREAMS,
	LM_F_PORT,
	LM_F_HOST_NAME,
	LM_F_BANDWIDTH,
	LM_F_DOWNTIME,
	LM_F_NR
};

#define LM_HAVE(f)	(1u << (f))
#define LM_HAVE_ALL	(LM_HAVE(LM_F_NR) - 1)

/**
 * struct lm_conf - a host's settings, or the part of them a command changes
 * @have: LM_HAVE() bits of the fields that are set
 * @enabled: migrations allowed
 * @max_migrations: per direction
 * @network_mode: &enum livemig_network_mode
 * @n_networks: entries used in @networks
 * @networks: migration networks in the order given (or reported)
 * @auth: &enum livemig_auth
 * @psk_file: key file (LM_F_PSK_FILE): to read (from the user) or where the
 *	installed key came from (from the kernel)
 * @performance: &enum livemig_performance
 * @compression: &enum livemig_compression
 * @compression_level: zstd level, 0 = default
 * @streams: data connections per migration
 * @port: migration port
 * @host_name: the host's name ("" = the default)
 * @bandwidth: bytes per second, 0 = no limit
 * @downtime_ms: downtime limit
 * @cancel_active: (request only, with @enabled false) also cancel the
 *	migrations in progress: lmctl disable --now
 * @host_name_default: (kernel) @host_name is the node name
 * @psk_present: (kernel) a key is installed
 * @psk_fpr_present: (kernel) @psk_fpr is valid
 * @psk_fpr: (kernel) the installed key's fingerprint
 * @n_listeners: (kernel) entries used in @listeners
 * @listeners_dropped: (kernel) listeners that did not fit in @listeners
 * @listeners: (kernel) where the host listens
 */
struct lm_conf {
	unsigned int have;
	bool enabled;
	uint32_t max_migrations;
	uint8_t network_mode;
	unsigned int n_networks;
	struct lm_prefix networks[LIVEMIG_NETWORKS_MAX];
	uint8_t auth;
	char psk_file[LIVEMIG_PATH_MAX];
	uint8_t performance;
	uint8_t compression;
	uint8_t compression_level;
	uint32_t streams;
	uint16_t port;
	char host_name[LM_HOST_NAME_BUF];
	uint64_t bandwidth;
	uint32_t downtime_ms;
	bool cancel_active;

	bool host_name_default;
	bool psk_present;
	bool psk_fpr_present;
	uint8_t psk_fpr[LIVEMIG_PSK_FPR_LEN];
	unsigned int n_listeners;
	unsigned int listeners_dropped;
	struct lm_listener listeners[LM_LISTENERS_MAX];
};

/* Where a settings phrase comes from: the grammar differs a little. */
enum lm_phrase_ctx {
	LM_CTX_SET,	/* lmctl set ...: no network lines; psk needs key-file */
	LM_CTX_CONF,	/* a config file line: everything */
};

extern const char *const lm_auth_names[__LIVEMIG_AUTH_MAX];
extern const char *const lm_perf_names[__LIVEMIG_PERF_MAX];
extern const char *const lm_comp_names[__LIVEMIG_COMPRESS_MAX];
extern const char *const lm_mode_names[__LIVEMIG_NETWORK_MAX];

/* The name of @v in one of the tables above. */
#define LM_NAME(names, v) \
	lm_enum_name(names, sizeof(names) / sizeof((names)[0]), v)

const char *lm_enum_name(const char *const *names, int n, unsigned int v);
int lm_parse_name(const char *s, const char *const *names, int n);
int lm_parse_u64(const char *s, uint64_t max, uint64_t *out);
int lm_parse_bool(const char *s, bool *out);
int lm_parse_rate(const char *s, uint64_t *out);
int lm_format_rate(char *buf, size_t size, uint64_t rate);
int lm_format_bytes(char *buf, size_t size, uint64_t bytes);
int lm_parse_prefix(const char *s, struct lm_prefix *p);
int lm_format_prefix(char *buf, size_t size, const struct lm_prefix *p);
int lm_parse_compression(const char *s, uint8_t *alg, uint8_t *level);

size_t lm_base64_len(size_t n);
void lm_base64_encode(char *out, const uint8_t *in, size_t n);
int lm_base64_decode(const char *s, size_t len, uint8_t *out, size_t size,
		     size_t *out_len);

void lm_conf_defaults(struct lm_conf *c);
int lm_conf_phrase(struct lm_conf *c, enum lm_phrase_ctx ctx, int argc,
		   char **argv, char *err, size_t errlen);
int lm_conf_line(struct lm_conf *c, char *line, char *err, size_t errlen);
void lm_conf_complete(struct lm_conf *c);
void lm_conf_write(FILE *f, const struct lm_conf *c);

#endif /* LMCTL_PARSE_H */
