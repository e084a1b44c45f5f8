// SPDX-License-Identifier: GPL-2.0
/*
 * livemig: host settings, migration networks and their rules.
 *
 * The netlink layer turns a request into a candidate copy of the settings,
 * changes it with the helpers below and commits it only if every step and
 * lm_settings_check() agree: that is what makes a request all or nothing.
 */
#include <linux/errno.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <crypto/sha2.h>

#include "settings.h"
#include "vmdesc.h"

/**
 * lm_settings_init() - the defaults of a new host
 * @s: settings to fill
 *
 * Migrations off, two at a time per direction, any network, psk without a
 * key (so nothing moves until an admin installs one), compression with
 * lz4, one stream, port 6600, no bandwidth limit, 300 ms of downtime.
 */
void lm_settings_init(struct lm_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->network_mode = LIVEMIG_NETWORK_ANY;
	s->auth = LIVEMIG_AUTH_PSK;
	s->performance = LIVEMIG_PERF_COMPRESSION;
	s->compression = LIVEMIG_COMPRESS_LZ4;
	s->max_migrations = 2;
	s->streams = 1;
	s->downtime_ms = 300;
	s->port = LIVEMIG_PORT_DEFAULT;
}

/**
 * lm_host_name_valid() - whether a host name may be used
 * @name: NUL-terminated candidate
 *
 * Return: true for 1..%LIVEMIG_HOST_NAME_MAX - 1 letters, digits, '-',
 * '_' and '.'.
 */
bool lm_host_name_valid(const char *name)
{
	return lm_name_valid(name, LIVEMIG_HOST_NAME_MAX);
}

/**
 * lm_settings_check() - rules that tie several settings together
 * @s: candidate settings
 * @why: set to a sentence for the admin when the answer is no
 *
 * Single values are range-checked by the netlink policy; only what one
 * attribute cannot know alone is checked here.
 *
 * Return: 0 or -EINVAL.
 */
int lm_settings_check(const struct lm_settings *s, const char **why)
{
	if (s->compression_level && s->compression != LIVEMIG_COMPRESS_ZSTD) {
		*why = "compression-level: a level applies to zstd only";
		return -EINVAL;
	}
	if (s->compression_level > LIVEMIG_ZSTD_LEVEL_MAX) {
		*why = "compression-level: zstd levels are 1 to 22";
		return -EINVAL;
	}
	if (s->psk_file[0] && !s->psk_present) {
		*why = "psk-file: a key file name needs the key itself";
		return -EINVAL;
	}
	return 0;
}

/**
 * lm_settings_set_psk() - install a key and its fingerprint
 * @s: settings
 * @key: %LIVEMIG_PSK_LEN bytes
 *
 * The fingerprint hashes a label with the key, so it cannot be mistaken
 * for (or used as) a hash of the key anywhere else.
 */
void lm_settings_set_psk(struct lm_settings *s, const u8 *key)
{
	static const char label[] = "livemig psk fingerprint";
	u8 buf[sizeof(label) - 1 + LIVEMIG_PSK_LEN];
	u8 digest[SHA256_DIGEST_SIZE];

	memcpy(buf, label, sizeof(label) - 1);
	memcpy(buf + sizeof(label) - 1, key, LIVEMIG_PSK_LEN);
	sha256(buf, sizeof(buf), digest);

	memcpy(s->psk, key, LIVEMIG_PSK_LEN);
	memcpy(s->psk_fpr, digest, LIVEMIG_PSK_FPR_LEN);
	s->psk_present = true;

	memzero_explicit(buf, sizeof(buf));
	memzero_explicit(digest, sizeof(digest));
}

/* Do the first @len bits of @a and @b agree? */
static bool lm_bits_equal(const u8 *a, const u8 *b, unsigned int len)
{
	unsigned int full = len / 8, rest = len % 8;
	u8 mask;

	if (memcmp(a, b, full))
		return false;
	if (!rest)
		return true;
	mask = 0xff << (8 - rest);
	return !((a[full] ^ b[full]) & mask);
}

/* Are the bits after the first @len of @addr (@bytes long) all zero? */
static bool lm_host_bits_zero(const u8 *addr, unsigned int bytes,
			      unsigned int len)
{
	unsigned int i = len / 8;

	if (len % 8 && (addr[i++] & (0xff >> (len % 8))))
		return false;
	for (; i < bytes; i++)
		if (addr[i])
			return false;
	return true;
}

/**
 * lm_prefix_init() - make a migration network from netlink bytes
 * @p: filled in on success (priority 0)
 * @addr: 4 (IPv4) or 16 (IPv6) bytes, network byte order
 * @addr_len: 4 or 16
 * @len: prefix length
 * @why: set to a sentence for the admin when the answer is no
 *
 * A prefix with host bits set is refused rather than silently masked:
 * "10.1.0.1/24" is more likely a typo for an address than a network.
 *
 * Return: 0 or -EINVAL.
 */
int lm_prefix_init(struct lm_prefix *p, const u8 *addr, size_t addr_len,
		   u8 len, const char **why)
{
	unsigned int bits = addr_len * 8;

	if (addr_len != 4 && addr_len != 16) {
		*why = "network: an address is 4 (IPv4) or 16 (IPv6) bytes";
		return -EINVAL;
	}
	if (len > bits) {
		*why = addr_len == 4 ? "network: an IPv4 prefix length is 0 to 32" :
				       "network: an IPv6 prefix length is 0 to 128";
		return -EINVAL;
	}
	if (!lm_host_bits_zero(addr, addr_len, len)) {
		*why = "network: the address has host bits set (use the network's first address)";
		return -EINVAL;
	}

	memset(p, 0, sizeof(*p));
	p->family = addr_len == 4 ? AF_INET : AF_INET6;
	p->len = len;
	memcpy(p->addr.bytes, addr, addr_len);
	return 0;
}

/**
 * lm_prefix_same() - whether two networks are the same prefix
 * @a: one
 * @b: the other
 *
 * Return: true when family, length and address agree (priority aside).
 */
bool lm_prefix_same(const struct lm_prefix *a, const struct lm_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(a->addr.bytes, b->addr.bytes, a->family == AF_INET ? 4 : 16);
}

/**
 * lm_prefix_contains() - whether an address is inside a network
 * @p: the network
 * @family: AF_INET or AF_INET6
 * @addr: the address, network byte order (4 or 16 bytes)
 *
 * Return: true if @addr is of @p's family and inside it. IPv4-mapped IPv6
 * addresses are not IPv4 addresses here: listeners bind real addresses.
 */
bool lm_prefix_contains(const struct lm_prefix *p, u8 family, const void *addr)
{
	return p->family == family && lm_bits_equal(p->addr.bytes, addr, p->len);
}

/**
 * lm_settings_add_network() - add a migration network, kept in priority order
 * @s: settings
 * @p: the network, with its priority
 * @why: set to a sentence for the admin when the answer is no
 *
 * Among equal priorities, earlier additions come first.
 *
 * Return: 0, -EEXIST if the prefix is listed already, -ENOSPC when full.
 */
int lm_settings_add_network(struct lm_settings *s, const struct lm_prefix *p,
			    const char **why)
{
	unsigned int i, at;

	for (i = 0; i < s->n_networks; i++) {
		if (lm_prefix_same(&s->networks[i], p)) {
			*why = "network: this migration network is already in the list";
			return -EEXIST;
		}
	}
	if (s->n_networks == LIVEMIG_NETWORKS_MAX) {
		*why = "network: the list of migration networks is full (64)";
		return -ENOSPC;
	}

	for (at = 0; at < s->n_networks; at++)
		if (s->networks[at].priority > p->priority)
			break;
	memmove(&s->networks[at + 1], &s->networks[at],
		(s->n_networks - at) * sizeof(s->networks[0]));
	s->networks[at] = *p;
	s->n_networks++;
	return 0;
}

/**
 * lm_settings_del_network() - remove a migration network
 * @s: settings
 * @p: the prefix (its priority does not matter)
 *
 * Return: 0 or -ENOENT.
 */
int lm_settings_del_network(struct lm_settings *s, const struct lm_prefix *p)
{
	unsigned int i;

	for (i = 0; i < s->n_networks; i++) {
		if (lm_prefix_same(&s->networks[i], p)) {
			memmove(&s->networks[i], &s->networks[i + 1],
				(s->n_networks - i - 1) * sizeof(s->networks[0]));
			s->n_networks--;
			return 0;
		}
	}
	return -ENOENT;
}

/**
 * lm_settings_addr_allowed() - whether the host accepts migrations on an address
 * @s: settings
 * @family: AF_INET or AF_INET6
 * @addr: one of the host's addresses
 *
 * Return: true in "any" mode, or if a migration network contains @addr.
 */
bool lm_settings_addr_allowed(const struct lm_settings *s, u8 family,
			      const void *addr)
{
	unsigned int i;

	if (s->network_mode == LIVEMIG_NETWORK_ANY)
		return true;
	for (i = 0; i < s->n_networks; i++)
		if (lm_prefix_contains(&s->networks[i], family, addr))
			return true;
	return false;
}
