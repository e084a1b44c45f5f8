// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl monitor: print the host's SETTINGS_NTF and MIG_NTF notifications
 * as they come, one line each (what changed or where a migration is, for
 * people; the whole settings or migration object as one JSON line with
 * -j). Multicast may drop messages: after an overrun the settings are
 * fetched again and the loss is said.
 *
 * Two sockets: one joined to the "events" group, one for requests, so a
 * notification never arrives in the middle of a request's replies.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/genl/genl.h>

#include "lmctl.h"
#include "mignl.h"
#include "settings.h"

/* One setting as a name and its value, to say what changed. */
#define LM_ITEMS_MAX	16
#define LM_ITEM_LEN	(LIVEMIG_PATH_MAX + 128)

struct lm_items {
	unsigned int n;
	const char *name[LM_ITEMS_MAX];
	char value[LM_ITEMS_MAX][LM_ITEM_LEN];
};

/**
 * struct lm_monitor - state of lmctl monitor
 * @req: socket for requests (the initial and resynchronising gets)
 * @json: print JSON lines
 * @count: stop after this many events, 0 = never
 * @seen: events printed so far
 * @err: error seen in a callback
 * @prev: the settings before the event, to tell what changed
 * @cur: the settings the event reports
 */
struct lm_monitor {
	struct lm_nl *req;
	bool json;
	unsigned long count;
	unsigned long seen;
	int err;
	struct lm_conf prev;
	struct lm_conf cur;
};

static volatile sig_atomic_t lm_stop;

static void lm_on_signal(int sig)
{
	(void)sig;
	lm_stop = 1;
}

static void lm_item(struct lm_items *it, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void lm_item(struct lm_items *it, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (it->n == LM_ITEMS_MAX)
		return;
	it->name[it->n] = name;
	va_start(ap, fmt);
	vsnprintf(it->value[it->n], LM_ITEM_LEN, fmt, ap);
	va_end(ap);
	it->n++;
}

/* The settings as items, in the words of the config file. */
static void lm_items_of(struct lm_items *it, const struct lm_conf *c)
{
	char buf[LM_ITEM_LEN], pfx[LM_PREFIX_STR_MAX];
	unsigned int i;
	size_t n = 0;

	it->n = 0;
	lm_item(it, "enabled", "%s", c->enabled ? "yes" : "no");
	lm_item(it, "max-migrations", "%u", c->max_migrations);
	lm_item(it, "network", "%s", LM_NAME(lm_mode_names, c->network_mode));
	buf[0] = '\0';
	for (i = 0; i < c->n_networks && n < sizeof(buf) - 80; i++) {
		lm_format_prefix(pfx, sizeof(pfx), &c->networks[i]);
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s priority %u",
			      i ? ", " : "", pfx, c->networks[i].priority);
	}
	lm_item(it, "networks", "%s", c->n_networks ? buf : "none");
	lm_auth_describe(buf, sizeof(buf), c);
	lm_item(it, "auth", "%s", buf);
	lm_item(it, "performance", "%s", LM_NAME(lm_perf_names, c->performance));
	if (c->compression_level)
		lm_item(it, "compression", "%s:%u", LM_NAME(lm_comp_names, c->compression),
			c->compression_level);
	else
		lm_item(it, "compression", "%s", LM_NAME(lm_comp_names, c->compression));
	lm_item(it, "streams", "%u", c->streams);
	lm_item(it, "port", "%u", c->port);
	lm_item(it, "host-name", "%s", c->host_name);
	lm_format_rate(buf, sizeof(buf), c->bandwidth);
	lm_item(it, "bandwidth", "%s", buf);
	lm_item(it, "downtime", "%u", c->downtime_ms);
	buf[0] = '\0';
	n = 0;
	for (i = 0; i < c->n_listeners && n < sizeof(buf) - 80; i++) {
		char addr[INET6_ADDRSTRLEN] = "?";

		inet_ntop(c->listeners[i].family, c->listeners[i].addr, addr, sizeof(addr));
		n += snprintf(buf + n, sizeof(buf) - n,
			      c->listeners[i].family == AF_INET6 ? "%s[%s]:%u" : "%s%s:%u",
			      i ? ", " : "", addr, c->listeners[i].port);
	}
	lm_item(it, "listening", "%s", c->n_listeners ? buf : "nowhere");
}

/* "settings: port 6601 (was 6600), streams 4 (was 1)" */
static void lm_print_changes(const struct lm_conf *prev, const struct lm_conf *cur)
{
	static struct lm_items a, b;
	unsigned int i, n = 0;

	lm_items_of(&a, prev);
	lm_items_of(&b, cur);
	printf("settings:");
	for (i = 0; i < b.n; i++) {
		if (i < a.n && !strcmp(a.value[i], b.value[i]))
			continue;
		printf("%s %s %s (was %s)", n++ ? "," : "", b.name[i], b.value[i],
		       i < a.n ? a.value[i] : "?");
	}
	if (!n)
		printf(" nothing changed");
	printf("\n");
}

/* A MIG_NTF: one line, or {"event":"migration","migration":{...}}. */
static int lm_monitor_migration(struct lm_monitor *m, struct nlattr **tb)
{
	static struct lm_mig mig;
	char line[LM_LINE_MAX];
	struct lm_json j;

	if (lm_mig_parse(tb, &mig)) {
		fprintf(stderr, "lmctl: monitor: a migration event did not parse; skipped\n");
		return NL_SKIP;
	}
	if (m->json) {
		lm_json_init(&j, stdout);
		lm_json_obj(&j, NULL);
		lm_json_str(&j, "event", "migration");
		lm_mig_json(&j, "migration", &mig);
		lm_json_end_obj(&j);
	} else {
		lm_mig_event_line(line, sizeof(line), &mig);
		printf("%s\n", line);
	}
	fflush(stdout);
	m->seen++;
	return m->count && m->seen >= m->count ? NL_STOP : NL_OK;
}

static int lm_monitor_event(struct nl_msg *msg, void *arg)
{
	struct lm_monitor *m = arg;
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[LIVEMIG_A_MAX + 1];
	struct lm_json j;

	if (gh->cmd != LIVEMIG_CMD_SETTINGS_NTF && gh->cmd != LIVEMIG_CMD_MIG_NTF)
		return NL_SKIP;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, LIVEMIG_A_MAX, NULL)) {
		fprintf(stderr, "lmctl: monitor: a notification did not parse; skipped\n");
		return NL_SKIP;
	}
	if (gh->cmd == LIVEMIG_CMD_MIG_NTF)
		return lm_monitor_migration(m, tb);
	if (lm_settings_parse(tb, &m->cur)) {
		fprintf(stderr, "lmctl: monitor: a notification did not parse; skipped\n");
		return NL_SKIP;
	}
	if (m->json) {
		lm_json_init(&j, stdout);
		lm_json_obj(&j, NULL);
		lm_json_str(&j, "event", "settings");
		lm_settings_json(&j, "settings", &m->cur);
		lm_json_end_obj(&j);
	} else {
		lm_print_changes(&m->prev, &m->cur);
	}
	fflush(stdout);
	m->prev = m->cur;
	m->seen++;
	return m->count && m->seen >= m->count ? NL_STOP : NL_OK;
}

/* After lost events: say so and start again from the kernel's state. */
static int lm_monitor_resync(struct lm_monitor *m)
{
	int err;

	if (m->json)
		printf("{\"event\":\"overrun\"}\n");
	else
		printf("# events were lost; resynchronised with the current settings (lmctl list shows the migrations)\n");
	fflush(stdout);
	err = lm_settings_get(m->req, &m->prev);
	if (err)
		lm_nl_perror(m->req, "monitor: get settings", err);
	return err;
}

static int lm_monitor_loop(struct lm_nl *ev, struct lm_monitor *m)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(ev->sk), .events = POLLIN };
	sigset_t orig;
	int err = 0;

	lmctl_catch_signals(lm_on_signal, 0, &orig);

	nl_socket_disable_seq_check(ev->sk);
	nl_socket_set_nonblocking(ev->sk);
	nl_socket_modify_cb(ev->sk, NL_CB_VALID, NL_CB_CUSTOM, lm_monitor_event, m);

	while (!lm_stop && !(m->count && m->seen >= m->count)) {
		/* Signals are delivered only while waiting, so none is missed. */
		if (ppoll(&pfd, 1, NULL, &orig) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		err = nl_recvmsgs_default(ev->sk);
		if (err == -NLE_NOMEM) {
			err = lm_monitor_resync(m);
			if (err)
				break;
		} else if (err < 0 && err != -NLE_AGAIN) {
			fprintf(stderr, "lmctl: monitor: %s\n", nl_geterror(err));
			err = -EIO;
			break;
		}
		err = 0;
	}
	sigprocmask(SIG_SETMASK, &orig, NULL);
	return err;
}

int lmctl_cmd_monitor(const struct lmctl_opts *gopts, int argc, char **argv)
{
	const struct lmctl_cmd *cmd = lmctl_find("monitor");
	struct lmctl_opts opts = *gopts;
	static struct lm_monitor m;
	struct lm_nl ev, req;
	uint64_t count = 0;
	int i, ret, err;

	argc = lmctl_take_json(&opts, argc, argv);
	for (i = 0; i < argc; i++) {
		const char *val = NULL;

		if (!strcmp(argv[i], "--count") || !strcmp(argv[i], "-c")) {
			if (i + 1 == argc)
				return lmctl_usage_error(cmd, "%s: missing N", argv[i]);
			val = argv[++i];
		} else if (!strncmp(argv[i], "--count=", 8)) {
			val = argv[i] + 8;
		} else {
			return lmctl_arg_error(cmd, argv[i]);
		}
		if (lm_parse_u64(val, UINT32_MAX, &count) || !count)
			return lmctl_usage_error(cmd, "--count: '%s' is not a positive number", val);
	}

	memset(&m, 0, sizeof(m));
	m.json = opts.json;
	m.count = count;
	m.req = &req;

	ret = lm_nl_connect(&ev);
	if (ret)
		return ret;
	ret = lm_nl_connect(&req);
	if (ret)
		goto out_ev;
	/* Join first, then read the state: no change falls in between. */
	err = lm_nl_join_events(&ev);
	if (err) {
		if (err == -ENOENT)
			fprintf(stderr, "lmctl: monitor: the module has no '%s' group\n",
				LIVEMIG_MCGRP_EVENTS);
		else
			lm_nl_perror(NULL, "monitor: join the events group", err);
		ret = LMCTL_EXIT_ERROR;
		goto out;
	}
	err = lm_settings_get(&req, &m.prev);
	if (!err)
		err = lm_monitor_loop(&ev, &m);
	else
		lm_nl_perror(&req, "monitor: get settings", err);
	ret = err ? LMCTL_EXIT_ERROR : LMCTL_EXIT_OK;
out:
	lm_nl_close(&req);
out_ev:
	lm_nl_close(&ev);
	return ret;
}
