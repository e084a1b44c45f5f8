// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of lmctl's migration code that needs no kernel module:
 * HOST[:PORT], move's command line, VM names and ids, durations and rates,
 * the progress line, summaries and event lines, the JSON object, status
 * and list.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mig.h"
#include "unit.h"

/* Split @words at blanks into @argv (at most @max - 1 words). */
int split(char *words, char **argv, int max)
{
	char *save = NULL, *w;
	int argc = 0;

	for (w = strtok_r(words, " ", &save); w && argc < max - 1;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	return argc;
}

/* --- HOST[:PORT] ---------------------------------------------------- */

static const struct {
	const char *in;
	int err;
	const char *host;
	int port;
	const char *addr;	/* lm_format_addr_port(), NULL: a name */
} hostport_cases[] = {
	{ "10.0.0.2", 0, "10.0.0.2", 0, "10.0.0.2" },
	{ "10.0.0.2:6601", 0, "10.0.0.2", 6601, "10.0.0.2:6601" },
	{ "fd00::2", 0, "fd00::2", 0, "fd00::2" },
	{ "::1", 0, "::1", 0, "::1" },
	{ "[fd00::2]", 0, "fd00::2", 0, "fd00::2" },
	{ "[fd00::2]:6601", 0, "fd00::2", 6601, "[fd00::2]:6601" },
	{ "[::ffff:10.0.0.1]:7", 0, "::ffff:10.0.0.1", 7, "[::ffff:10.0.0.1]:7" },
	/* Bare IPv6 takes no port: this is the address fd00::2:6601. */
	{ "fd00::2:6601", 0, "fd00::2:6601", 0, "fd00::2:6601" },
	{ "hostb", 0, "hostb", 0, NULL },
	{ "hostb.lab:6601", 0, "hostb.lab", 6601, NULL },
	{ "hostb:65535", 0, "hostb", 65535, NULL },
	{ "10.0.0.256", 0, "10.0.0.256", 0, NULL },	/* a name, for the resolver */
	{ "hostb:0", -ERANGE, NULL, 0, NULL },
	{ "hostb:65536", -ERANGE, NULL, 0, NULL },
	{ "hostb:66x", -EINVAL, NULL, 0, NULL },
	{ "hostb:", -EINVAL, NULL, 0, NULL },
	{ ":6601", -EINVAL, NULL, 0, NULL },
	{ "", -EINVAL, NULL, 0, NULL },
	{ "[hostb]:6601", -EINVAL, NULL, 0, NULL },
	{ "[10.0.0.2]:6601", -EINVAL, NULL, 0, NULL },
	{ "[fd00::2", -EINVAL, NULL, 0, NULL },
	{ "[fd00::2]x", -EINVAL, NULL, 0, NULL },
	{ "[fd00::2]:", -EINVAL, NULL, 0, NULL },
	{ "[]:1", -EINVAL, NULL, 0, NULL },
	{ "a:b:c", -EINVAL, NULL, 0, NULL },
	{ "hostb:-1", -EINVAL, NULL, 0, NULL },
};

static void test_hostport(void)
{
	struct ktap t;
	size_t i;

	suite_begin(&t, "hostport", ARRAY_SIZE(hostport_cases));
	for (i = 0; i < ARRAY_SIZE(hostport_cases); i++) {
		char out[LM_ADDR_PORT_STR_MAX] = "";
		struct lm_hostport hp;
		int err = lm_parse_hostport(hostport_cases[i].in, &hp);
		int ok = err == hostport_cases[i].err;

		if (ok && !err) {
			ok = !strcmp(hp.host, hostport_cases[i].host) &&
			     hp.port == hostport_cases[i].port &&
			     hp.literal == (hostport_cases[i].addr != NULL);
			if (ok && hp.literal) {
				lm_format_addr_port(out, sizeof(out), &hp.addr, hp.port);
				ok = !strcmp(out, hostport_cases[i].addr);
			}
		}
		point(&t, ok, "'%s' -> %s %s", hostport_cases[i].in,
		      err == -ERANGE ? "bad port" : err ? "refused" :
		      hp.literal ? "address" : "name", out);
	}
	suite_end(&t);
}

/* --- move's command line ------------------------------------------- */

static const struct {
	const char *words;
	int ok;
	const char *name;	/* or a word of the error */
	int detach;
	int port;
} move_cases[] = {
	{ "web1 10.0.0.2", 1, "web1", 0, 0 },
	{ "web1 hostb:6601 --detach", 1, "web1", 1, 6601 },
	{ "--detach web1 [fd00::2]:7", 1, "web1", 1, 7 },
	{ "-- -web1 hostb", 1, "-web1", 0, 0 },
	{ "", 0, "missing NAME and HOST", 0, 0 },
	{ "web1", 0, "missing HOST", 0, 0 },
	{ "web1 hostb extra", 0, "unexpected argument 'extra'", 0, 0 },
	{ "web1 hostb --force", 0, "unknown option '--force'", 0, 0 },
	{ "web1 hostb:99999", 0, "1 to 65535", 0, 0 },
	{ "web1 a:b:c", 0, "not HOST[:PORT]", 0, 0 },
	{ "web1 [hostb]", 0, "brackets", 0, 0 },
};

static void test_move_args(void)
{
	struct lm_move_args a;
	char words[128], *argv[8], err[LM_ERR_MAX];
	struct ktap t;
	size_t i;

	suite_begin(&t, "move-args", ARRAY_SIZE(move_cases));
	for (i = 0; i < ARRAY_SIZE(move_cases); i++) {
		int argc, rc, ok;

		snprintf(words, sizeof(words), "%s", move_cases[i].words);
		argc = split(words, argv, 8);
		err[0] = '\0';
		rc = lm_move_parse(argc, argv, &a, err, sizeof(err));
		if (move_cases[i].ok)
			ok = !rc && !strcmp(a.name, move_cases[i].name) &&
			     a.detach == move_cases[i].detach &&
			     a.dest.port == move_cases[i].port;
		else
			ok = rc == -EINVAL && strstr(err, move_cases[i].name);
		point(&t, ok, "move %s -> %s%s", move_cases[i].words,
		      move_cases[i].ok ? "accepted" : "refused: ", err);
	}
	suite_end(&t);
}

/* --- VM names and ids ----------------------------------------------- */

static const struct {
	const char *in;
	int ok;
} name_cases[] = {
	{ "web1", 1 }, { "a", 1 }, { "a.b-c_D9", 1 }, { "..", 1 },
	{ "0123456789012345678901234567890123456789012345678901234567890123", 1 },
	{ "01234567890123456789012345678901234567890123456789012345678901234", 0 },
	{ "", 0 }, { "web 1", 0 }, { "web/1", 0 }, { "../x", 0 },
	{ "w\xc3\xa9" "b", 0 }, { "x\n", 0 }, { "$(id)", 0 }, { "a;b", 0 },
};

static const struct {
	const char *in;
	int err;
	uint32_t id;
} id_cases[] = {
	{ "3", 0, 3 }, { "4294967295", 0, 4294967295U },
	{ "0", 0, 0 },		/* the kernel's call */
	{ "4294967296", -ERANGE, 0 }, { "-1", -EINVAL, 0 }, { "3x", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
};

static void test_names(void)
{
	struct ktap t;
	size_t i;

	suite_begin(&t, "vm-name-and-id", ARRAY_SIZE(name_cases) + ARRAY_SIZE(id_cases));
	for (i = 0; i < ARRAY_SIZE(name_cases); i++) {
		char shown[24];

		/* A test point stays on one line, whatever the name holds. */
		lm_sanitize(shown, sizeof(shown), name_cases[i].in);
		point(&t, lm_vm_name_valid(name_cases[i].in) == name_cases[i].ok,
		      "VM name '%s' (%zu bytes) %s", shown,
		      strlen(name_cases[i].in), name_cases[i].ok ? "valid" : "refused");
	}
	for (i = 0; i < ARRAY_SIZE(id_cases); i++) {
		uint32_t id = 0;
		int err = lm_parse_mig_id(id_cases[i].in, &id);

		point(&t, err == id_cases[i].err && (err || id == id_cases[i].id),
		      "id '%s' -> %s", id_cases[i].in, err ? "refused" : "parsed");
	}
	suite_end(&t);
}

/* --- durations, MiB, MiB/s ------------------------------------------ */

static const struct {
	uint64_t us;
	const char *out;
} duration_cases[] = {
	{ 0, "0 us" }, { 999, "999 us" }, { 1000, "1 ms" }, { 85000, "85 ms" },
	{ 85499, "85 ms" }, { 85500, "86 ms" }, { 999499, "999 ms" },
	{ 999500, "1.0 s" }, { 12345678, "12.3 s" }, { 59949999, "59.9 s" },
	{ 59950000, "1 min 0 s" }, { 125000000, "2 min 5 s" },
	{ 3599499999ULL, "59 min 59 s" }, { 3599500000ULL, "1 h 0 min" },
	{ 11220000000ULL, "3 h 7 min" },
	{ UINT64_MAX, "5124095576 h 2 min" },
};

static const struct {
	uint64_t in;
	int rate;
	const char *out;
} mib_cases[] = {
	{ 0, 0, "0.0 MiB" }, { 1048576, 0, "1.0 MiB" },
	{ 118ULL << 20, 0, "118.0 MiB" },
	{ 52428, 0, "0.0 MiB" }, { 52429, 0, "0.1 MiB" },
	{ UINT64_MAX, 0, "17592186044416.0 MiB" },
	{ 47395635, 1, "45.2 MiB/s" }, { 0, 1, "0.0 MiB/s" },
	{ 1ULL << 30, 1, "1024.0 MiB/s" },
};

static void test_units(void)
{
	char out[LM_NUM_STR_MAX];
	struct ktap t;
	size_t i;

	suite_begin(&t, "duration-and-rate", ARRAY_SIZE(duration_cases) + ARRAY_SIZE(mib_cases));
	for (i = 0; i < ARRAY_SIZE(duration_cases); i++) {
		lm_format_duration(out, sizeof(out), duration_cases[i].us);
		point(&t, !strcmp(out, duration_cases[i].out), "%llu us -> \"%s\" (got \"%s\")",
		      (unsigned long long)duration_cases[i].us, duration_cases[i].out, out);
	}
	for (i = 0; i < ARRAY_SIZE(mib_cases); i++) {
		if (mib_cases[i].rate)
			lm_format_mibps(out, sizeof(out), mib_cases[i].in);
		else
			lm_format_mib(out, sizeof(out), mib_cases[i].in);
		point(&t, !strcmp(out, mib_cases[i].out), "%llu -> \"%s\" (got \"%s\")",
		      (unsigned long long)mib_cases[i].in, mib_cases[i].out, out);
	}
	suite_end(&t);
}

/* --- migrations to show --------------------------------------------- */

static void set_stat(struct lm_mig *m, int type, uint64_t v)
{
	m->st.v[type] = v;
	m->st.have |= 1u << type;
}

/* web1 leaving for hostb.lab, round 1 of pre-copy: every field set. */
static void sample_out(struct lm_mig *m)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->id = 3;
	m->have_uuid = true;
	for (i = 0; i < LIVEMIG_UUID_LEN; i++)
		m->uuid[i] = i;
	m->direction = LIVEMIG_DIR_OUT;
	m->state = LIVEMIG_MIG_PRECOPY;
	snprintf(m->vm, sizeof(m->vm), "web1");
	m->peer.family = AF_INET;
	inet_pton(AF_INET, "10.0.0.2", m->peer.addr);
	m->peer_port = 6600;
	snprintf(m->peer_name, sizeof(m->peer_name), "hostb.lab");
	m->data.family = AF_INET;
	inet_pton(AF_INET, "10.1.0.2", m->data.addr);
	m->vm_memory = 256ULL << 20;
	set_stat(m, LIVEMIG_STAT_A_ROUND, 1);
	set_stat(m, LIVEMIG_STAT_A_PAGES_TOTAL, 65536);
	set_stat(m, LIVEMIG_STAT_A_PAGES_REMAINING, 49152);
	set_stat(m, LIVEMIG_STAT_A_PAGES_SENT, 70000);
	set_stat(m, LIVEMIG_STAT_A_PAGES_ZERO, 4000);
	set_stat(m, LIVEMIG_STAT_A_BYTES, 286720000);
	set_stat(m, LIVEMIG_STAT_A_WIRE_BYTES, 100000000);
	set_stat(m, LIVEMIG_STAT_A_DIRTY_RATE, 1200);
	set_stat(m, LIVEMIG_STAT_A_THROUGHPUT, 47395635);
	set_stat(m, LIVEMIG_STAT_A_DOWNTIME_EXPECTED_US, 80000);
	set_stat(m, LIVEMIG_STAT_A_SETUP_US, 345678);
	set_stat(m, LIVEMIG_STAT_A_TOTAL_US, 3100000);
}

/* The same migration, completed. */
static void sample_done(struct lm_mig *m)
{
	sample_out(m);
	m->state = LIVEMIG_MIG_COMPLETED;
	set_stat(m, LIVEMIG_STAT_A_ROUND, 3);
	set_stat(m, LIVEMIG_STAT_A_PAGES_REMAINING, 0);
	set_stat(m, LIVEMIG_STAT_A_WIRE_BYTES, 568747622);
	set_stat(m, LIVEMIG_STAT_A_SETUP_US, 345678);
	set_stat(m, LIVEMIG_STAT_A_TOTAL_US, 12345678);
	set_stat(m, LIVEMIG_STAT_A_DOWNTIME_US, 85000);
}

/* db arriving from hosta, failed. */
static void sample_in(struct lm_mig *m)
{
	memset(m, 0, sizeof(*m));
	m->id = 4;
	m->direction = LIVEMIG_DIR_IN;
	m->state = LIVEMIG_MIG_FAILED;
	snprintf(m->vm, sizeof(m->vm), "db");
	m->peer.family = AF_INET6;
	inet_pton(AF_INET6, "fd00::1", m->peer.addr);
	snprintf(m->peer_name, sizeof(m->peer_name), "hosta");
	snprintf(m->error, sizeof(m->error), "hosta: setup: the VMM refused: no KVM");
	set_stat(m, LIVEMIG_STAT_A_TOTAL_US, 1200000);
}

/* --- the progress line ---------------------------------------------- */

/*
 * A line compared with what it must be; on a mismatch the line goes in a
 * KTAP diagnostic, not in the description (a bar is made of '#').
 */
static void check_line(struct ktap *t, const char *got, const char *want,
		       const char *desc)
{
	int ok = !strcmp(got, want);

	point(t, ok, "%s", desc);
	if (!ok)
		printf("    # got \"%s\"\n", got);
}

static void test_progress(void)
{
	static const struct {
		int state;
		uint32_t round;
		uint64_t rem;
		unsigned int pct;
		const char *why;
	} steps[] = {
		{ LIVEMIG_MIG_CONNECTING, 0, 0, 0, "before pre-copy: 0%" },
		{ LIVEMIG_MIG_PRECOPY, 0, 49152, 25, "round 0 is the whole guest" },
		{ LIVEMIG_MIG_PRECOPY, 0, 16384, 75, "round 0 goes on" },
		{ LIVEMIG_MIG_PRECOPY, 1, 2000, 0, "round 1 starts at 0%" },
		{ LIVEMIG_MIG_PRECOPY, 1, 2500, 0, "remaining grows: still 0%, never below" },
		{ LIVEMIG_MIG_PRECOPY, 1, 500, 80, "round 1 is as large as the most seen" },
		{ LIVEMIG_MIG_STOPCOPY, 1, 300, 0, "stop-and-copy starts a new count" },
		{ LIVEMIG_MIG_STOPCOPY, 1, 0, 100, "nothing left: 100%" },
		{ LIVEMIG_MIG_LOADING, 1, 0, 100, "after stop-and-copy: 100%" },
	};
	struct lm_progress p = {};
	char line[LM_LINE_MAX];
	static struct lm_mig m;
	struct ktap t;
	size_t i;
	int n;

	suite_begin(&t, "progress", ARRAY_SIZE(steps) + 5);
	sample_out(&m);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		unsigned int pct;

		m.state = steps[i].state;
		set_stat(&m, LIVEMIG_STAT_A_ROUND, steps[i].round);
		set_stat(&m, LIVEMIG_STAT_A_PAGES_REMAINING, steps[i].rem);
		pct = lm_progress_percent(&p, &m);
		point(&t, pct == steps[i].pct, "%s (%u%%, got %u%%)", steps[i].why,
		      steps[i].pct, pct);
	}

	memset(&p, 0, sizeof(p));
	sample_out(&m);
	set_stat(&m, LIVEMIG_STAT_A_ROUND, 0);
	lm_progress_line(line, sizeof(line), &p, &m, 100);
	check_line(&t, line,
		   "precopy        [#####               ]  25%  round 0  45.2 MiB/s  192.0 MiB left  3.1 s",
		   "a wide terminal: state, bar, percent, round, rate, left, time");
	n = lm_progress_line(line, sizeof(line), &p, &m, 60);
	point(&t, n == 59 && strlen(line) == 59 &&
	      !strncmp(line, "precopy         25%  round 0  45.2 MiB/s  192.0 MiB left", 56),
	      "a narrow terminal: no bar, cut to the width - 1: \"%s\"", line);

	memset(&m, 0, sizeof(m));
	m.state = LIVEMIG_MIG_CONNECTING;
	set_stat(&m, LIVEMIG_STAT_A_TOTAL_US, 200000);
	lm_progress_line(line, sizeof(line), &p, &m, 100);
	check_line(&t, line, "connecting     [                    ]   0%  200 ms",
		   "before pre-copy: the state and the time");

	m.state = LIVEMIG_MIG_COMMITTING;
	lm_progress_line(line, sizeof(line), &p, &m, 100);
	check_line(&t, line, "committing     [####################] 100%  200 ms",
		   "committing: a full bar");

	sample_out(&m);
	lm_mig_change_line(line, sizeof(line), &m);
	point(&t, !strcmp(line, "migration 3: precopy after 3.1 s"),
	      "not a terminal: one line per state: \"%s\"", line);
	suite_end(&t);
}

/* --- summaries, outcomes, event lines ------------------------------- */

static void test_lines(void)
{
	static struct lm_mig m;
	char line[LM_LINE_MAX];
	struct ktap t;
	unsigned int i;
	int ok;

	suite_begin(&t, "mig-lines", 17);

	sample_done(&m);
	lm_move_summary(line, sizeof(line), &m, "hostb");
	point(&t, !strcmp(line, "moved web1 to hostb (hostb.lab) in 12.3 s, downtime 85 ms, 256 MiB at 22.8 MiB/s, 4 rounds"),
	      "summary; the rate is guest memory moved (before compression) over the time after setup: \"%s\"", line);
	lm_move_summary(line, sizeof(line), &m, "hostb.lab");
	point(&t, !strncmp(line, "moved web1 to hostb.lab in 12.3 s,", 34),
	      "summary: the peer's name is not repeated: \"%s\"", line);
	set_stat(&m, LIVEMIG_STAT_A_ROUND, 0);
	lm_move_summary(line, sizeof(line), &m, "hostb");
	point(&t, strstr(line, ", 1 round") && line[strlen(line) - 1] == 'd',
	      "summary: 1 round: \"%s\"", line);
	m.st.have = 0;
	lm_move_summary(line, sizeof(line), &m, "10.0.0.2");
	point(&t, !strcmp(line, "moved web1 to 10.0.0.2 (hostb.lab), 256 MiB"),
	      "summary without statistics: \"%s\"", line);

	sample_out(&m);
	set_stat(&m, LIVEMIG_STAT_A_ROUND, 0);
	lm_mig_outcome(line, sizeof(line), &m);
	point(&t, !strcmp(line, "25% of round 0, 192.0 MiB left"), "outcome in round 0: \"%s\"", line);
	set_stat(&m, LIVEMIG_STAT_A_ROUND, 2);
	set_stat(&m, LIVEMIG_STAT_A_PAGES_REMAINING, 256);
	lm_mig_outcome(line, sizeof(line), &m);
	point(&t, !strcmp(line, "round 2, 1.0 MiB left"), "outcome in a later round: \"%s\"", line);
	m.state = LIVEMIG_MIG_STOPCOPY;
	lm_mig_outcome(line, sizeof(line), &m);
	point(&t, !strcmp(line, "1.0 MiB left"), "outcome in stop-and-copy: \"%s\"", line);
	sample_done(&m);
	lm_mig_outcome(line, sizeof(line), &m);
	point(&t, !strcmp(line, "downtime 85 ms"), "outcome of a completed one: \"%s\"", line);
	set_stat(&m, LIVEMIG_STAT_A_DOWNTIME_US, 0);
	lm_mig_outcome(line, sizeof(line), &m);
	point(&t, !strcmp(line, "done"), "outcome of a completed one, downtime not known: \"%s\"", line);
	sample_in(&m);
	lm_mig_outcome(line, sizeof(line), &m);
	point(&t, !strcmp(line, m.error), "outcome of a failed one: its error: \"%s\"", line);
	m.state = LIVEMIG_MIG_CONNECTING;
	m.error[0] = '\0';
	lm_mig_outcome(line, sizeof(line), &m);
	point(&t, !strcmp(line, "-"), "outcome while connecting: \"%s\"", line);

	sample_out(&m);
	lm_mig_event_line(line, sizeof(line), &m);
	point(&t, !strcmp(line, "migration 3, web1 to hostb.lab (10.0.0.2): precopy round 1"),
	      "event: out, pre-copy: \"%s\"", line);
	sample_in(&m);
	lm_mig_event_line(line, sizeof(line), &m);
	point(&t, !strcmp(line, "migration 4, db from hosta (fd00::1): failed: hosta: setup: the VMM refused: no KVM"),
	      "event: in, failed: \"%s\"", line);
	sample_done(&m);
	lm_mig_event_line(line, sizeof(line), &m);
	point(&t, !strcmp(line, "migration 3, web1 to hostb.lab (10.0.0.2): completed in 12.3 s, downtime 85 ms"),
	      "event: completed: \"%s\"", line);
	m.peer_name[0] = '\0';
	lm_mig_peer(line, sizeof(line), &m);
	point(&t, !strcmp(line, "10.0.0.2"), "peer before its name is known: \"%s\"", line);

	/* A uapi addition must come with its words here. */
	for (ok = 1, i = 0; i < __LIVEMIG_MIG_MAX; i++)
		ok &= lm_state_names[i] != NULL;
	point(&t, ok, "every migration state has a name");
	for (ok = 1, i = 1; i <= LIVEMIG_STAT_A_MAX; i++)
		ok &= lm_stat_names[i] != NULL;
	point(&t, ok, "every statistic has a JSON name");
	suite_end(&t);
}

/* --- JSON, status, list --------------------------------------------- */

static char *capture_json(const struct lm_mig *m)
{
	struct lm_json j;
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	lm_json_init(&j, f);
	lm_mig_json(&j, NULL, m);
	fclose(f);
	return text;
}

static void test_json(void)
{
	static struct lm_mig m;
	struct ktap t;
	char *text;

	suite_begin(&t, "mig-json", 3);
	sample_out(&m);
	text = capture_json(&m);
	point(&t, !strcmp(text,
			  "{\"id\":3,\"uuid\":\"00010203-0405-0607-0809-0a0b0c0d0e0f\",\"direction\":\"out\","
			  "\"vm\":\"web1\",\"state\":\"precopy\",\"peer\":{\"address\":\"10.0.0.2\",\"port\":6600,"
			  "\"name\":\"hostb.lab\"},\"data_address\":\"10.1.0.2\",\"vm_memory\":268435456,"
			  "\"error\":null,\"stats\":{\"round\":1,\"pages_total\":65536,\"pages_remaining\":49152,"
			  "\"pages_sent\":70000,\"pages_zero\":4000,\"bytes\":286720000,\"wire_bytes\":100000000,"
			  "\"dirty_rate\":1200,\"throughput\":47395635,\"downtime_expected_us\":80000,"
			  "\"downtime_us\":null,\"setup_us\":345678,\"total_us\":3100000}}\n"),
	      "every member, raw numbers, null for what was not reported");
	if (t.failed)
		printf("# %s", text);
	free(text);

	memset(&m, 0, sizeof(m));
	m.id = 1;
	text = capture_json(&m);
	point(&t, !strcmp(text,
			  "{\"id\":1,\"uuid\":null,\"direction\":\"out\",\"vm\":null,\"state\":\"queued\","
			  "\"peer\":{\"address\":null,\"port\":null,\"name\":null},\"data_address\":null,"
			  "\"vm_memory\":0,\"error\":null,\"stats\":{\"round\":null,\"pages_total\":null,"
			  "\"pages_remaining\":null,\"pages_sent\":null,\"pages_zero\":null,\"bytes\":null,"
			  "\"wire_bytes\":null,\"dirty_rate\":null,\"throughput\":null,"
			  "\"downtime_expected_us\":null,\"downtime_us\":null,\"setup_us\":null,"
			  "\"total_us\":null}}\n"),
	      "a migration that reported nothing yet: the same members, null");
	free(text);

	sample_in(&m);
	snprintf(m.error, sizeof(m.error), "say \"no\"\\");
	text = capture_json(&m);
	point(&t, strstr(text, "\"error\":\"say \\\"no\\\"\\\\\"") &&
	      strstr(text, "\"direction\":\"in\"") && strstr(text, "\"address\":\"fd00::1\""),
	      "the error escaped, an IPv6 peer, direction in");
	free(text);
	suite_end(&t);
}

static char *capture_status(const struct lm_mig *m)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	lm_mig_status_print(f, m);
	fclose(f);
	return text;
}

static void test_status_list(void)
{
	static const char *const want[] = {
		"migration 3: web1 to hostb.lab (10.0.0.2), precopy\n",
		"  uuid:            00010203-0405-0607-0809-0a0b0c0d0e0f\n",
		"  direction:       out (this host is the source)\n",
		"  vm:              web1, 256 MiB of RAM\n",
		"  peer:            hostb.lab, 10.0.0.2 port 6600\n",
		"  data address:    10.1.0.2\n",
		"  state:           precopy, round 1\n",
		"  progress:        round 1, 192.0 MiB left\n",
		"  pages:           65536 total (256.0 MiB), 49152 remaining, 70000 sent, 4000 of them zero\n",
		"  data:            273.4 MiB of pages sent as 95.4 MiB on the wire (34%)\n",
		"  dirty rate:      1200 pages/s (4.7 MiB/s)\n",
		"  throughput:      45.2 MiB/s\n",
		"  downtime:        expected 80 ms\n",
		"  setup time:      346 ms\n",
		"  total time:      3.1 s so far\n",
	};
	static struct lm_mig ms[2];
	char *text = NULL, *status;
	struct ktap t;
	size_t i, len;
	FILE *f;

	suite_begin(&t, "mig-status-list", ARRAY_SIZE(want) + 6);
	sample_out(&ms[0]);
	status = capture_status(&ms[0]);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		point(&t, strstr(status, want[i]) != NULL, "status has \"%.*s\"",
		      (int)strlen(want[i]) - 1, want[i]);
	free(status);

	sample_done(&ms[0]);
	status = capture_status(&ms[0]);
	point(&t, strstr(status, "  downtime:        85 ms (expected 80 ms)\n") &&
	      strstr(status, "  total time:      12.3 s\n") && !strstr(status, "progress:"),
	      "status of a completed migration: measured downtime, total time, no progress");
	free(status);

	/* What this kernel reports as 0 before it knows. */
	sample_out(&ms[1]);
	set_stat(&ms[1], LIVEMIG_STAT_A_DOWNTIME_EXPECTED_US, 0);
	set_stat(&ms[1], LIVEMIG_STAT_A_DOWNTIME_US, 0);
	set_stat(&ms[1], LIVEMIG_STAT_A_SETUP_US, 0);
	status = capture_status(&ms[1]);
	point(&t, !strstr(status, "downtime:") && !strstr(status, "setup time:"),
	      "status: no downtime or setup time while they are 0 (not known yet)");
	free(status);

	sample_in(&ms[1]);
	status = capture_status(&ms[1]);
	point(&t, strstr(status, "migration 4: db from hosta (fd00::1), failed\n") &&
	      strstr(status, "  error:           hosta: setup: the VMM refused: no KVM\n") &&
	      strstr(status, "  data address:    not chosen yet\n") &&
	      strstr(status, "  peer:            hosta, fd00::1\n") && !strstr(status, "uuid:"),
	      "status of a failed incoming migration: its error, what is not known");
	free(status);

	f = open_memstream(&text, &len);
	lm_mig_list_print(f, ms, 2);
	fclose(f);
	point(&t, !strcmp(text,
			  "   ID  DIR  VM    PEER                  STATE                 TIME  PROGRESS/OUTCOME\n"
			  "    3  out  web1  hostb.lab (10.0.0.2)  completed           12.3 s  downtime 85 ms\n"
			  "    4  in   db    hosta (fd00::1)       failed               1.2 s  hosta: setup: the VMM refused: no KVM\n"),
	      "list: a table sized to its contents");
	if (t.failed)
		printf("# %s", text);
	free(text);

	f = open_memstream(&text, &len);
	lm_mig_list_print(f, ms, 0);
	fclose(f);
	point(&t, strstr(text, "no migration") != NULL, "list of nothing says so");
	free(text);

	f = open_memstream(&text, &len);
	ms[1].vm[0] = '\0';
	ms[1].peer_name[0] = '\0';
	ms[1].peer.family = 0;
	lm_mig_list_print(f, &ms[1], 1);
	fclose(f);
	point(&t, strstr(text, "    4  in       ?     ") != NULL,
	      "list of a migration that reported no VM or peer yet");
	free(text);
	suite_end(&t);
}

void test_migrations(void)
{
	test_hostport();
	test_move_args();
	test_names();
	test_units();
	test_progress();
	test_lines();
	test_json();
	test_status_list();
}
