/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig: host settings, migration networks and their rules.
 *
 * Pure code (no sockets, no netlink, no KVM): KUnit tests it under UML.
 */
#ifndef _LIVEMIG_SETTINGS_H
#define _LIVEMIG_SETTINGS_H

#include <linux/in6.h>
#include <linux/types.h>

#include <linux/livemig.h>

/**
 * struct lm_prefix - a migration network
 * @family: AF_INET or AF_INET6
 * @len: prefix length, 0..32 or 0..128
 * @priority: lower is preferred
 * @addr: the prefix, network byte order, host bits zero; IPv4 uses the
 *	first four bytes
 */
struct lm_prefix {
	u8 family;
	u8 len;
	u32 priority;
	union {
		u8 bytes[16];
		__be32 v4;
		struct in6_addr v6;
	} addr;
};

/**
 * struct lm_settings - one host's migration settings
 * @enabled: migrations in and out are allowed; the host listens
 * @network_mode: &enum livemig_network_mode
 * @auth: &enum livemig_auth
 * @performance: &enum livemig_performance
 * @compression: &enum livemig_compression
 * @compression_level: zstd level, 0 = the algorithm's default
 * @max_migrations: simultaneous migrations per direction
 * @streams: data connections per migration
 * @downtime_ms: longest acceptable pause at switch-over
 * @port: the migration port
 * @bandwidth: bytes per second, 0 = no limit
 * @host_name: the host's name; "" means the node name
 * @n_networks: entries used in @networks
 * @networks: migration networks, sorted by priority (stable)
 * @psk_present: @psk holds a key
 * @psk: the pre-shared key; never leaves the kernel, wiped on change
 * @psk_fpr: its fingerprint, shown to admins
 * @psk_file: the file the key came from, as told by lmctl
 */
struct lm_settings {
	bool enabled;
	u8 network_mode;
	u8 auth;
	u8 performance;
	u8 compression;
	u8 compression_level;
	u32 max_migrations;
	u32 streams;
	u32 downtime_ms;
	u16 port;
	u64 bandwidth;
	char host_name[LIVEMIG_HOST_NAME_MAX];
	unsigned int n_networks;
	struct lm_prefix networks[LIVEMIG_NETWORKS_MAX];
	bool psk_present;
	u8 psk[LIVEMIG_PSK_LEN];
	u8 psk_fpr[LIVEMIG_PSK_FPR_LEN];
	char psk_file[LIVEMIG_PATH_MAX];
};

void lm_settings_init(struct lm_settings *s);
int lm_settings_check(const struct lm_settings *s, const char **why);
bool lm_host_name_valid(const char *name);
void lm_settings_set_psk(struct lm_settings *s, const u8 *key);

int lm_prefix_init(struct lm_prefix *p, const u8 *addr, size_t addr_len,
		   u8 len, const char **why);
bool lm_prefix_same(const struct lm_prefix *a, const struct lm_prefix *b);
bool lm_prefix_contains(const struct lm_prefix *p, u8 family, const void *addr);
int lm_settings_add_network(struct lm_settings *s, const struct lm_prefix *p,
			    const char **why);
int lm_settings_del_network(struct lm_settings *s, const struct lm_prefix *p);
bool lm_settings_addr_allowed(const struct lm_settings *s, u8 family,
			      const void *addr);

#endif /* _LIVEMIG_SETTINGS_H */
