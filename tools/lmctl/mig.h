/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lmctl: migrations as the CLI sees them (one MIG_GET message or MIG_NTF
 * event), and the pure parsers and formatters of move, list, status and
 * monitor. Nothing here talks to the kernel: tests/lmctl_unit.c checks it
 * all. mignl.h turns netlink messages into a struct lm_mig.
 */
#ifndef LMCTL_MIG_H
#define LMCTL_MIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/livemig.h>

#include "json.h"
#include "parse.h"

/* The page size of the statistics (LIVEMIG_STAT_A_PAGES_*). */
#define LM_PAGE_SIZE		4096ULL
/* Room for a migration's error sentence; longer ones are cut. */
#define LM_MIG_ERROR_MAX	512
/* Room for a host as the user typed it (a DNS name is at most 253). */
#define LM_HOST_MAX		256
/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" and a NUL. */
#define LM_ADDR_STR_MAX		46
/* "[" ADDR "]:65535" and a NUL. */
#define LM_ADDR_PORT_STR_MAX	(LM_ADDR_STR_MAX + 8)
/* A UUID's 36 characters and a NUL. */
#define LM_UUID_STR_MAX		37
/* Durations, rates, sizes: "59 min 59 s", "123456.7 MiB/s". */
#define LM_NUM_STR_MAX		32
/* One line of progress, a summary, a list row: with room for an error. */
#define LM_LINE_MAX		(LM_MIG_ERROR_MAX + 512)

/**
 * struct lm_addr - an IPv4 or IPv6 address
 * @family: AF_INET, AF_INET6, or 0 when unknown
 * @addr: network byte order, 4 or 16 bytes used
 */
struct lm_addr {
	uint8_t family;
	uint8_t addr[16];
};

/**
 * struct lm_mig_stats - the LIVEMIG_A_MIG_STATS nest
 * @have: bit (1 << LIVEMIG_STAT_A_X) for each statistic present
 * @v: the values by LIVEMIG_STAT_A_X (ROUND widened from u32)
 */
struct lm_mig_stats {
	unsigned int have;
	uint64_t v[LIVEMIG_STAT_A_MAX + 1];
};

/* A statistic's value, and whether the kernel reported it. */
#define LM_STAT(m, x)		((m)->st.v[LIVEMIG_STAT_A_##x])
#define LM_HAS_STAT(m, x)	(!!((m)->st.have & (1u << LIVEMIG_STAT_A_##x)))
/* Reported and not 0: a time that is 0 until it is known (downtime, setup). */
#define LM_KNOWN_STAT(m, x)	(LM_HAS_STAT(m, x) && LM_STAT(m, x))

/**
 * struct lm_mig - one migration, as MIG_GET and MIG_NTF report it
 * @id: its local id
 * @have_uuid: @uuid is valid
 * @uuid: its id on the wire
 * @direction: &enum livemig_direction
 * @state: &enum livemig_mig_state
 * @vm: the VM's name ("" if not reported)
 * @peer: the other host's migration address (family 0: not reported)
 * @peer_port: its port, 0 if not reported
 * @peer_name: its host name once known, "" before
 * @data: the address the pages travel to once known (family 0: not yet)
 * @vm_memory: bytes of guest RAM, 0 if not reported
 * @st: the statistics
 * @error: why it failed, "" if it did not (or not yet)
 */
struct lm_mig {
	uint32_t id;
	bool have_uuid;
	uint8_t uuid[LIVEMIG_UUID_LEN];
	uint8_t direction;
	uint8_t state;
	char vm[LIVEMIG_VM_NAME_MAX];
	struct lm_addr peer;
	uint16_t peer_port;
	char peer_name[LM_HOST_NAME_BUF];
	struct lm_addr data;
	uint64_t vm_memory;
	struct lm_mig_stats st;
	char error[LM_MIG_ERROR_MAX];
};

/**
 * struct lm_hostport - HOST[:PORT] as typed after lmctl move NAME
 * @host: the host without brackets: an address or a name to resolve
 * @port: the port, 0 when none was given (the kernel uses this host's)
 * @literal: @host is an address; @addr holds it
 * @addr: the address when @literal
 */
struct lm_hostport {
	char host[LM_HOST_MAX];
	uint16_t port;
	bool literal;
	struct lm_addr addr;
};

/**
 * struct lm_move_args - the command line of lmctl move
 * @name: the VM
 * @dest: where to
 * @dest_arg: the destination word as typed, for messages
 * @detach: print the id and leave the migration to the kernel
 */
struct lm_move_args {
	const char *name;
	struct lm_hostport dest;
	const char *dest_arg;
	bool detach;
};

/**
 * struct lm_progress - what the progress line remembers between updates
 * @valid: a round has been seen
 * @state: the state of that round (pre-copy or stop-and-copy)
 * @round: its number
 * @round_pages: the most pages known to remain in it (its size so far)
 */
struct lm_progress {
	bool valid;
	uint8_t state;
	uint32_t round;
	uint64_t round_pages;
};

extern const char *const lm_state_names[__LIVEMIG_MIG_MAX];
extern const char *const lm_dir_names[__LIVEMIG_DIR_MAX];
extern const char *const lm_stat_names[LIVEMIG_STAT_A_MAX + 1];

bool lm_mig_state_final(unsigned int state);
bool lm_mig_state_copying(unsigned int state);

int lm_parse_hostport(const char *s, struct lm_hostport *hp);
int lm_parse_mig_id(const char *s, uint32_t *id);
int lm_move_parse(int argc, char **argv, struct lm_move_args *a,
		  char *err, size_t errlen);
bool lm_vm_name_valid(const char *s);

int lm_format_addr(char *buf, size_t size, const struct lm_addr *a);
int lm_format_addr_port(char *buf, size_t size, const struct lm_addr *a,
			uint16_t port);
int lm_format_uuid(char *buf, size_t size, const uint8_t *uuid);
int lm_format_duration(char *buf, size_t size, uint64_t us);
int lm_format_mib(char *buf, size_t size, uint64_t bytes);
int lm_format_mibps(char *buf, size_t size, uint64_t bytes_per_s);
void lm_sanitize(char *buf, size_t size, const char *s);

unsigned int lm_progress_percent(struct lm_progress *p, const struct lm_mig *m);
int lm_progress_line(char *buf, size_t size, struct lm_progress *p,
		     const struct lm_mig *m, unsigned int width);
int lm_mig_change_line(char *buf, size_t size, const struct lm_mig *m);
int lm_move_summary(char *buf, size_t size, const struct lm_mig *m,
		    const char *host);
int lm_mig_outcome(char *buf, size_t size, const struct lm_mig *m);
int lm_mig_peer(char *buf, size_t size, const struct lm_mig *m);
int lm_mig_event_line(char *buf, size_t size, const struct lm_mig *m);

void lm_mig_json(struct lm_json *j, const char *key, const struct lm_mig *m);
void lm_kv(FILE *f, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void lm_mig_status_print(FILE *f, const struct lm_mig *m);
void lm_mig_list_print(FILE *f, const struct lm_mig *ms, unsigned int n);

#endif /* LMCTL_MIG_H */
