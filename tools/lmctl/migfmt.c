// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl: migrations for people and programs. The progress line and the
 * summary of move, the table of list, the report of status, the event
 * lines of monitor, and the JSON object that list -j, status -j and
 * monitor -j share (its member names and order are a stable interface,
 * lmctl.8). Pure code: tests/lmctl_unit.c checks it.
 */
#include <stdarg.h>
#include <string.h>

#include "mig.h"

/* Width of the key column of status, colon included (as show's). */
#define LM_KEY_WIDTH	16
/* Cells of the progress bar, and the narrowest terminal that gets one. */
#define LM_BAR_CELLS	20
#define LM_BAR_MIN_WIDTH	72

/* Append to a line being built; the line stays terminated when full. */
static void lm_cat(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void lm_cat(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len + 1 >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + n < size ? *len + n : size - 1;
}

/* " in 4.2 s, downtime 31 ms": what a completed migration took, as known. */
static void lm_cat_times(char *buf, size_t size, size_t *len,
			 const struct lm_mig *m)
{
	char num[LM_NUM_STR_MAX];

	if (LM_HAS_STAT(m, TOTAL_US)) {
		lm_format_duration(num, sizeof(num), LM_STAT(m, TOTAL_US));
		lm_cat(buf, size, len, " in %s", num);
	}
	if (LM_KNOWN_STAT(m, DOWNTIME_US)) {
		lm_format_duration(num, sizeof(num), LM_STAT(m, DOWNTIME_US));
		lm_cat(buf, size, len, ", downtime %s", num);
	}
}

static const char *lm_state_name(const struct lm_mig *m)
{
	return LM_NAME(lm_state_names, m->state);
}

/* done / total in whole percent, rounded down, for any 64-bit values. */
static unsigned int lm_percent(uint64_t done, uint64_t total)
{
	if (!total || done >= total)
		return 100;
	return (unsigned int)((unsigned __int128)done * 100 / total);
}

/**
 * lm_progress_percent() - how much of the current round has been sent
 * @p: what earlier updates saw; updated
 * @m: the migration now
 *
 * Round 0 sends every page, so its size is the guest's. A later round
 * (and stop-and-copy) is as large as the most pages seen remaining in it:
 * the remaining count grows while dirty pages are found, and the percent
 * never goes below 0. Before pre-copy it is 0, after stop-and-copy 100.
 *
 * Return: 0 to 100.
 */
unsigned int lm_progress_percent(struct lm_progress *p, const struct lm_mig *m)
{
	uint64_t rem = LM_STAT(m, PAGES_REMAINING);
	uint32_t round = LM_STAT(m, ROUND);

	if (!lm_mig_state_copying(m->state))
		return m->state < LIVEMIG_MIG_PRECOPY ? 0 : 100;
	if (!LM_HAS_STAT(m, PAGES_REMAINING))
		return 0;
	if (!p->valid || p->state != m->state || p->round != round) {
		p->valid = true;
		p->state = m->state;
		p->round = round;
		p->round_pages = m->state == LIVEMIG_MIG_PRECOPY && !round &&
				 LM_HAS_STAT(m, PAGES_TOTAL) ?
				 LM_STAT(m, PAGES_TOTAL) : rem;
	}
	if (rem > p->round_pages)
		p->round_pages = rem;
	return lm_percent(p->round_pages - rem, p->round_pages);
}

/**
 * lm_progress_line() - the line move redraws on a terminal
 * @buf: output
 * @size: its size
 * @p: the round being followed (see lm_progress_percent())
 * @m: the migration now
 * @width: the terminal's columns; the line is cut to @width - 1 so that
 *	it never wraps, and narrow terminals get no bar
 *
 * "precopy        [########            ]  42%  round 1  45.2 MiB/s
 * 118.0 MiB left  3.1 s" (one line).
 *
 * Return: the length of the line.
 */
int lm_progress_line(char *buf, size_t size, struct lm_progress *p,
		     const struct lm_mig *m, unsigned int width)
{
	unsigned int pct = lm_progress_percent(p, m), i, fill;
	char num[LM_NUM_STR_MAX];
	size_t len = 0;

	buf[0] = '\0';
	lm_cat(buf, size, &len, "%-14s", lm_state_name(m));
	if (width >= LM_BAR_MIN_WIDTH) {
		fill = pct * LM_BAR_CELLS / 100;
		lm_cat(buf, size, &len, " [");
		for (i = 0; i < LM_BAR_CELLS; i++)
			lm_cat(buf, size, &len, "%c", i < fill ? '#' : ' ');
		lm_cat(buf, size, &len, "]");
	}
	lm_cat(buf, size, &len, " %3u%%", pct);
	if (lm_mig_state_copying(m->state)) {
		if (LM_HAS_STAT(m, ROUND))
			lm_cat(buf, size, &len, "  round %llu",
			       (unsigned long long)LM_STAT(m, ROUND));
		if (LM_HAS_STAT(m, THROUGHPUT)) {
			lm_format_mibps(num, sizeof(num), LM_STAT(m, THROUGHPUT));
			lm_cat(buf, size, &len, "  %s", num);
		}
		if (LM_HAS_STAT(m, PAGES_REMAINING)) {
			lm_format_mib(num, sizeof(num),
				      LM_STAT(m, PAGES_REMAINING) * LM_PAGE_SIZE);
			lm_cat(buf, size, &len, "  %s left", num);
		}
	}
	if (LM_HAS_STAT(m, TOTAL_US)) {
		lm_format_duration(num, sizeof(num), LM_STAT(m, TOTAL_US));
		lm_cat(buf, size, &len, "  %s", num);
	}
	if (width > 1 && len > width - 1) {
		len = width - 1;
		buf[len] = '\0';
	}
	return (int)len;
}

/**
 * lm_mig_change_line() - what move prints at each state change when its
 * output is not a terminal
 * @buf: output
 * @size: its size
 * @m: the migration
 *
 * "migration 3: precopy after 0.4 s"
 *
 * Return: what snprintf() returns.
 */
int lm_mig_change_line(char *buf, size_t size, const struct lm_mig *m)
{
	char t[LM_NUM_STR_MAX];

	if (!LM_HAS_STAT(m, TOTAL_US))
		return snprintf(buf, size, "migration %u: %s", m->id, lm_state_name(m));
	lm_format_duration(t, sizeof(t), LM_STAT(m, TOTAL_US));
	return snprintf(buf, size, "migration %u: %s after %s", m->id,
			lm_state_name(m), t);
}

/*
 * Guest memory moved per second (before compression: what the admin
 * thinks of), from the first page to the end (setup
 * excluded); the last second's throughput when that cannot be told.
 */
static bool lm_mig_avg_rate(const struct lm_mig *m, uint64_t *rate)
{
	uint64_t us;

	if (LM_HAS_STAT(m, BYTES) && LM_HAS_STAT(m, TOTAL_US)) {
		us = LM_STAT(m, TOTAL_US);
		if (LM_HAS_STAT(m, SETUP_US) && LM_STAT(m, SETUP_US) < us)
			us -= LM_STAT(m, SETUP_US);
		if (us) {
			*rate = (uint64_t)((unsigned __int128)LM_STAT(m, BYTES) *
					   1000000 / us);
			return true;
		}
	}
	*rate = LM_STAT(m, THROUGHPUT);
	return LM_HAS_STAT(m, THROUGHPUT);
}

/**
 * lm_move_summary() - the last line of a completed move
 * @buf: output
 * @size: its size
 * @m: the migration, completed
 * @host: the destination as the user gave it (no port)
 *
 * "moved web1 to hostb (hostb.lab) in 12.3 s, downtime 85 ms, 256 MiB at
 * 45.2 MiB/s, 4 rounds". The peer's own name is left out when unknown or
 * the same as @host; figures the kernel did not report are left out.
 *
 * Return: the length of the line.
 */
int lm_move_summary(char *buf, size_t size, const struct lm_mig *m,
		    const char *host)
{
	char num[LM_NUM_STR_MAX], mem[LM_BYTES_STR_MAX];
	size_t len = 0;
	uint64_t rate, rounds;

	buf[0] = '\0';
	lm_cat(buf, size, &len, "moved %s to %s", m->vm, host);
	if (m->peer_name[0] && strcmp(m->peer_name, host))
		lm_cat(buf, size, &len, " (%s)", m->peer_name);
	lm_cat_times(buf, size, &len, m);
	if (m->vm_memory) {
		lm_format_bytes(mem, sizeof(mem), m->vm_memory);
		lm_cat(buf, size, &len, ", %s", mem);
		if (lm_mig_avg_rate(m, &rate)) {
			lm_format_mibps(num, sizeof(num), rate);
			lm_cat(buf, size, &len, " at %s", num);
		}
	}
	if (LM_HAS_STAT(m, ROUND)) {
		rounds = LM_STAT(m, ROUND) + 1;
		lm_cat(buf, size, &len, ", %llu round%s", (unsigned long long)rounds,
		       rounds == 1 ? "" : "s");
	}
	return (int)len;
}

/**
 * lm_mig_peer() - the other host: "hostb (10.0.0.2)", or what is known
 * @buf: output
 * @size: its size
 * @m: the migration
 *
 * Return: what snprintf() returns.
 */
int lm_mig_peer(char *buf, size_t size, const struct lm_mig *m)
{
	char addr[LM_ADDR_STR_MAX];

	lm_format_addr(addr, sizeof(addr), &m->peer);
	if (m->peer_name[0] && m->peer.family)
		return snprintf(buf, size, "%s (%s)", m->peer_name, addr);
	if (m->peer_name[0])
		return snprintf(buf, size, "%s", m->peer_name);
	return snprintf(buf, size, "%s", addr);
}

/**
 * lm_mig_outcome() - the progress or the outcome, in a few words
 * @buf: output
 * @size: its size
 * @m: the migration
 *
 * "42% of round 0, 118.0 MiB left", "round 3, 2.1 MiB left",
 * "downtime 85 ms", the error sentence, or "-".
 *
 * Return: what snprintf() returns.
 */
int lm_mig_outcome(char *buf, size_t size, const struct lm_mig *m)
{
	char left[LM_NUM_STR_MAX], num[LM_NUM_STR_MAX];
	uint64_t total = LM_STAT(m, PAGES_TOTAL), rem = LM_STAT(m, PAGES_REMAINING);

	if (m->error[0])
		return snprintf(buf, size, "%s", m->error);
	if (m->state == LIVEMIG_MIG_COMPLETED) {
		if (!LM_KNOWN_STAT(m, DOWNTIME_US))
			return snprintf(buf, size, "done");
		lm_format_duration(num, sizeof(num), LM_STAT(m, DOWNTIME_US));
		return snprintf(buf, size, "downtime %s", num);
	}
	if (!lm_mig_state_copying(m->state) || !LM_HAS_STAT(m, PAGES_REMAINING))
		return snprintf(buf, size, "-");
	lm_format_mib(left, sizeof(left), rem * LM_PAGE_SIZE);
	/* Only round 0's size is known without following the migration. */
	if (m->state == LIVEMIG_MIG_PRECOPY && !LM_STAT(m, ROUND) &&
	    LM_HAS_STAT(m, PAGES_TOTAL))
		return snprintf(buf, size, "%u%% of round 0, %s left",
				lm_percent(total - (rem < total ? rem : total), total), left);
	if (m->state == LIVEMIG_MIG_STOPCOPY)
		return snprintf(buf, size, "%s left", left);
	return snprintf(buf, size, "round %llu, %s left",
			(unsigned long long)LM_STAT(m, ROUND), left);
}

/**
 * lm_mig_event_line() - one migration event of lmctl monitor
 * @buf: output
 * @size: its size
 * @m: the migration as the event reports it
 *
 * "migration 3, web1 to hostb (10.0.0.2): precopy round 1",
 * "migration 4, db from hosta (10.0.0.1): failed: REASON".
 *
 * Return: the length of the line.
 */
int lm_mig_event_line(char *buf, size_t size, const struct lm_mig *m)
{
	char peer[LM_HOST_NAME_BUF + LM_ADDR_STR_MAX + 4];
	size_t len = 0;

	buf[0] = '\0';
	lm_mig_peer(peer, sizeof(peer), m);
	lm_cat(buf, size, &len, "migration %u, %s %s %s: %s", m->id,
	       m->vm[0] ? m->vm : "?",
	       m->direction == LIVEMIG_DIR_IN ? "from" : "to", peer,
	       lm_state_name(m));
	if (lm_mig_state_copying(m->state) && LM_HAS_STAT(m, ROUND))
		lm_cat(buf, size, &len, " round %llu",
		       (unsigned long long)LM_STAT(m, ROUND));
	if (m->state == LIVEMIG_MIG_COMPLETED)
		lm_cat_times(buf, size, &len, m);
	if (m->error[0])
		lm_cat(buf, size, &len, ": %s", m->error);
	return (int)len;
}

/* An address member, null when unknown. */
static void lm_json_addr(struct lm_json *j, const char *key, const struct lm_addr *a)
{
	char s[LM_ADDR_STR_MAX];

	if (!a->family) {
		lm_json_null(j, key);
		return;
	}
	lm_format_addr(s, sizeof(s), a);
	lm_json_str(j, key, s);
}

/* A string member, null when empty. */
static void lm_json_str_or_null(struct lm_json *j, const char *key, const char *s)
{
	if (s[0])
		lm_json_str(j, key, s);
	else
		lm_json_null(j, key);
}

/**
 * lm_mig_json() - a migration as one JSON object, raw numbers only
 * @j: the document
 * @key: member name, or NULL inside an array or at the top level
 * @m: the migration
 *
 * Members, in this order: id, uuid, direction, vm, state, peer {address,
 * port, name}, data_address, vm_memory, error, stats {round, pages_total,
 * pages_remaining, pages_sent, pages_zero, bytes, wire_bytes, dirty_rate,
 * throughput, downtime_expected_us, downtime_us, setup_us, total_us}.
 * What the kernel did not report is null.
 */
void lm_mig_json(struct lm_json *j, const char *key, const struct lm_mig *m)
{
	char uuid[LM_UUID_STR_MAX];
	unsigned int i;

	lm_json_obj(j, key);
	lm_json_u64(j, "id", m->id);
	if (m->have_uuid) {
		lm_format_uuid(uuid, sizeof(uuid), m->uuid);
		lm_json_str(j, "uuid", uuid);
	} else {
		lm_json_null(j, "uuid");
	}
	lm_json_str(j, "direction", LM_NAME(lm_dir_names, m->direction));
	lm_json_str_or_null(j, "vm", m->vm);
	lm_json_str(j, "state", lm_state_name(m));
	lm_json_obj(j, "peer");
	lm_json_addr(j, "address", &m->peer);
	if (m->peer_port)
		lm_json_u64(j, "port", m->peer_port);
	else
		lm_json_null(j, "port");
	lm_json_str_or_null(j, "name", m->peer_name);
	lm_json_end_obj(j);
	lm_json_addr(j, "data_address", &m->data);
	lm_json_u64(j, "vm_memory", m->vm_memory);
	lm_json_str_or_null(j, "error", m->error);
	lm_json_obj(j, "stats");
	for (i = 1; i <= LIVEMIG_STAT_A_MAX; i++) {
		if (m->st.have & (1u << i))
			lm_json_u64(j, lm_stat_names[i], m->st.v[i]);
		else
			lm_json_null(j, lm_stat_names[i]);
	}
	lm_json_end_obj(j);
	lm_json_end_obj(j);
}

/**
 * lm_kv() - one "key: value" line of a status or show block, values aligned
 * @f: where
 * @key: the key, without its colon
 * @fmt: printf format of the value
 */
void lm_kv(FILE *f, const char *key, const char *fmt, ...)
{
	char k[LM_KEY_WIDTH + 1];
	va_list ap;

	snprintf(k, sizeof(k), "%s:", key);
	fprintf(f, "  %-*s ", LM_KEY_WIDTH, k);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

/* The statistics lines of status; those the kernel did not report are left out. */
static void lm_mig_stats_print(FILE *f, const struct lm_mig *m)
{
	char a[LM_NUM_STR_MAX], b[LM_NUM_STR_MAX];

	if (LM_HAS_STAT(m, PAGES_TOTAL) || LM_HAS_STAT(m, PAGES_SENT)) {
		lm_format_mib(a, sizeof(a), LM_STAT(m, PAGES_TOTAL) * LM_PAGE_SIZE);
		lm_kv(f, "pages", "%llu total (%s), %llu remaining, %llu sent, %llu of them zero",
		      (unsigned long long)LM_STAT(m, PAGES_TOTAL), a,
		      (unsigned long long)LM_STAT(m, PAGES_REMAINING),
		      (unsigned long long)LM_STAT(m, PAGES_SENT),
		      (unsigned long long)LM_STAT(m, PAGES_ZERO));
	}
	if (LM_HAS_STAT(m, BYTES) || LM_HAS_STAT(m, WIRE_BYTES)) {
		lm_format_mib(a, sizeof(a), LM_STAT(m, BYTES));
		lm_format_mib(b, sizeof(b), LM_STAT(m, WIRE_BYTES));
		if (LM_STAT(m, BYTES))
			lm_kv(f, "data", "%s of pages sent as %s on the wire (%u%%)", a, b,
			      lm_percent(LM_STAT(m, WIRE_BYTES), LM_STAT(m, BYTES)));
		else
			lm_kv(f, "data", "%s of pages sent as %s on the wire", a, b);
	}
	if (LM_HAS_STAT(m, DIRTY_RATE)) {
		lm_format_mibps(a, sizeof(a), LM_STAT(m, DIRTY_RATE) * LM_PAGE_SIZE);
		lm_kv(f, "dirty rate", "%llu pages/s (%s)",
		      (unsigned long long)LM_STAT(m, DIRTY_RATE), a);
	}
	if (LM_HAS_STAT(m, THROUGHPUT)) {
		lm_format_mibps(a, sizeof(a), LM_STAT(m, THROUGHPUT));
		lm_kv(f, "throughput", "%s", a);
	}
	/* 0 us is no downtime or setup time: not known yet. */
	if (LM_KNOWN_STAT(m, DOWNTIME_EXPECTED_US) || LM_KNOWN_STAT(m, DOWNTIME_US)) {
		lm_format_duration(a, sizeof(a), LM_STAT(m, DOWNTIME_EXPECTED_US));
		lm_format_duration(b, sizeof(b), LM_STAT(m, DOWNTIME_US));
		if (LM_KNOWN_STAT(m, DOWNTIME_EXPECTED_US) && LM_KNOWN_STAT(m, DOWNTIME_US))
			lm_kv(f, "downtime", "%s (expected %s)", b, a);
		else if (LM_KNOWN_STAT(m, DOWNTIME_US))
			lm_kv(f, "downtime", "%s", b);
		else
			lm_kv(f, "downtime", "expected %s", a);
	}
	if (LM_KNOWN_STAT(m, SETUP_US)) {
		lm_format_duration(a, sizeof(a), LM_STAT(m, SETUP_US));
		lm_kv(f, "setup time", "%s", a);
	}
	if (LM_HAS_STAT(m, TOTAL_US)) {
		lm_format_duration(a, sizeof(a), LM_STAT(m, TOTAL_US));
		lm_kv(f, "total time", "%s%s", a,
		      lm_mig_state_final(m->state) ? "" : " so far");
	}
}

/**
 * lm_mig_status_print() - the human form of status: every field and
 * statistic the kernel reported
 * @f: where
 * @m: the migration
 */
void lm_mig_status_print(FILE *f, const struct lm_mig *m)
{
	char a[LM_LINE_MAX], num[LM_NUM_STR_MAX], addr[LM_ADDR_PORT_STR_MAX];
	bool in = m->direction == LIVEMIG_DIR_IN;

	lm_mig_peer(a, sizeof(a), m);
	fprintf(f, "migration %u: %s %s %s, %s\n", m->id, m->vm[0] ? m->vm : "?",
		in ? "from" : "to", a, lm_state_name(m));
	if (m->have_uuid) {
		lm_format_uuid(a, sizeof(a), m->uuid);
		lm_kv(f, "uuid", "%s", a);
	}
	lm_kv(f, "direction", "%s", in ? "in (this host is the destination)" :
	      m->direction == LIVEMIG_DIR_OUT ? "out (this host is the source)" : "unknown");
	lm_format_bytes(num, sizeof(num), m->vm_memory);
	lm_kv(f, "vm", "%s, %s of RAM", m->vm[0] ? m->vm : "?", num);
	lm_format_addr(addr, sizeof(addr), &m->peer);
	if (m->peer_port)
		lm_kv(f, "peer", "%s, %s port %u", m->peer_name[0] ? m->peer_name :
		      "(name not known yet)", addr, m->peer_port);
	else
		lm_kv(f, "peer", "%s, %s", m->peer_name[0] ? m->peer_name :
		      "(name not known yet)", addr);
	if (m->data.family) {
		lm_format_addr(addr, sizeof(addr), &m->data);
		lm_kv(f, "data address", "%s", addr);
	} else {
		lm_kv(f, "data address", "not chosen yet");
	}
	if (lm_mig_state_copying(m->state) && LM_HAS_STAT(m, ROUND))
		lm_kv(f, "state", "%s, round %llu", lm_state_name(m),
		      (unsigned long long)LM_STAT(m, ROUND));
	else
		lm_kv(f, "state", "%s", lm_state_name(m));
	if (m->error[0])
		lm_kv(f, "error", "%s", m->error);
	if (lm_mig_state_copying(m->state)) {
		lm_mig_outcome(a, sizeof(a), m);
		lm_kv(f, "progress", "%s", a);
	}
	lm_mig_stats_print(f, m);
}

/**
 * lm_mig_list_print() - the table of list
 * @f: where
 * @ms: the migrations, in the kernel's order
 * @n: how many
 */
void lm_mig_list_print(FILE *f, const struct lm_mig *ms, unsigned int n)
{
	char peer[LM_HOST_NAME_BUF + LM_ADDR_STR_MAX + 4], t[LM_NUM_STR_MAX];
	char out[LM_LINE_MAX];
	int wv = (int)strlen("VM"), wp = (int)strlen("PEER");
	unsigned int i;

	if (!n) {
		fprintf(f, "no migration on this host (finished ones are kept for an hour)\n");
		return;
	}
	for (i = 0; i < n; i++) {
		if ((int)strlen(ms[i].vm) > wv)
			wv = (int)strlen(ms[i].vm);
		if (lm_mig_peer(peer, sizeof(peer), &ms[i]) > wp)
			wp = (int)strlen(peer);
	}
	fprintf(f, "%5s  %-3s  %-*s  %-*s  %-14s  %10s  %s\n", "ID", "DIR", wv, "VM",
		wp, "PEER", "STATE", "TIME", "PROGRESS/OUTCOME");
	for (i = 0; i < n; i++) {
		const struct lm_mig *m = &ms[i];

		lm_mig_peer(peer, sizeof(peer), m);
		if (LM_HAS_STAT(m, TOTAL_US))
			lm_format_duration(t, sizeof(t), LM_STAT(m, TOTAL_US));
		else
			snprintf(t, sizeof(t), "-");
		lm_mig_outcome(out, sizeof(out), m);
		fprintf(f, "%5u  %-3s  %-*s  %-*s  %-14s  %10s  %s\n", m->id,
			LM_NAME(lm_dir_names, m->direction), wv, m->vm, wp, peer,
			lm_state_name(m), t, out);
	}
}
