// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl move: start a migration (MIGRATE) and follow it to its end.
 *
 * The migration runs in the kernel; lmctl only watches. It asks MIG_GET
 * for the migration every 200 ms and, when it may join the events group,
 * also takes the MIG_NTF events, so state changes show at once. On a
 * terminal one progress line is redrawn in place; otherwise one line is
 * printed per state change, for logs.
 *
 * Ctrl-C sends MIG_CANCEL once and keeps following, so the user sees where
 * the VM ended up; a second Ctrl-C (or SIGTERM) leaves at once, saying
 * that the migration (or its cancellation) goes on in the kernel. Signals
 * are blocked except while waiting, so none arrives inside a request.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netlink/genl/genl.h>

#include "lmctl.h"
#include "mignl.h"

#define LM_POLL_NS	200000000LL

/**
 * struct lm_follow - state of lmctl move while it follows a migration
 * @nl: connection for requests (MIG_GET, MIG_CANCEL)
 * @ev: connection joined to the events group, when @have_ev
 * @have_ev: MIG_NTF events arrive on @ev
 * @id: the migration
 * @host: the destination as the user gave it, for messages
 * @tty: standard output is a terminal: draw the progress line
 * @drawn: a progress line is on the screen
 * @shown_state: the last state printed (not on a terminal), -1 for none
 * @line: the progress line on the screen
 * @prog: the round the progress line follows
 * @m: the migration as last seen
 * @fresh: an event updated @m since it was last shown
 * @cancelled: MIG_CANCEL was sent (after a Ctrl-C)
 * @cancel_ok: and the kernel accepted it
 */
struct lm_follow {
	struct lm_nl *nl;
	struct lm_nl ev;
	bool have_ev;
	uint32_t id;
	const char *host;
	bool tty;
	bool drawn;
	int shown_state;
	char line[LM_LINE_MAX];
	struct lm_progress prog;
	struct lm_mig m;
	bool fresh;
	bool cancelled;
	bool cancel_ok;
};

static volatile sig_atomic_t lm_interrupts;
static volatile sig_atomic_t lm_terminated;

static void lm_move_on_signal(int sig)
{
	if (sig == SIGINT)
		lm_interrupts++;
	else
		lm_terminated = 1;
}

static long long lm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static unsigned int lm_term_width(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || ws.ws_col < 20)
		return 80;
	return ws.ws_col;
}

/*
 * HOST to an address: a literal as it is, a name through getaddrinfo(),
 * whose first answer is taken. @n counts the answers.
 */
static int lm_move_resolve(const struct lm_hostport *hp, struct lm_addr *addr,
			   unsigned int *n)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	int err;

	*n = 1;
	if (hp->literal) {
		*addr = hp->addr;
		return 0;
	}
	err = getaddrinfo(hp->host, NULL, &hints, &res);
	if (err) {
		fprintf(stderr, "lmctl: move: cannot resolve '%s': %s\n", hp->host,
			err == EAI_SYSTEM ? strerror(errno) : gai_strerror(err));
		return -ENOENT;
	}
	*n = 0;
	memset(addr, 0, sizeof(*addr));
	for (ai = res; ai; ai = ai->ai_next) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ai->ai_addr;
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ai->ai_addr;

		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if ((*n)++)
			continue;
		addr->family = ai->ai_family;
		if (ai->ai_family == AF_INET)
			memcpy(addr->addr, &sin->sin_addr, 4);
		else
			memcpy(addr->addr, &sin6->sin6_addr, 16);
	}
	freeaddrinfo(res);
	if (!*n) {
		fprintf(stderr, "lmctl: move: '%s' has no IPv4 or IPv6 address\n", hp->host);
		return -ENOENT;
	}
	return 0;
}

/* Take the progress line off the screen before other output. */
static void lm_follow_clear(struct lm_follow *f)
{
	if (!f->drawn)
		return;
	printf("\r%*s\r", (int)lm_term_width() - 1, "");
	fflush(stdout);
	f->drawn = false;
	f->line[0] = '\0';
}

static void lm_follow_show(struct lm_follow *f)
{
	char line[LM_LINE_MAX];
	unsigned int width;

	if (!f->tty) {
		if (f->m.state == f->shown_state)
			return;
		lm_mig_change_line(line, sizeof(line), &f->m);
		printf("%s\n", line);
		fflush(stdout);
		f->shown_state = f->m.state;
		return;
	}
	width = lm_term_width();
	lm_progress_line(line, sizeof(line), &f->prog, &f->m, width);
	if (f->drawn && !strcmp(line, f->line))
		return;
	/* Padded to the width, so a shorter line hides a longer one. */
	printf("\r%-*s", (int)width - 1, line);
	fflush(stdout);
	snprintf(f->line, sizeof(f->line), "%s", line);
	f->drawn = true;
}

/*
 * Keep the newest view: an event read after a MIG_GET reply may be older
 * than it, and the time spent tells them apart.
 */
static void lm_follow_update(struct lm_follow *f, const struct lm_mig *m)
{
	if (LM_HAS_STAT(m, TOTAL_US) && LM_HAS_STAT(&f->m, TOTAL_US) &&
	    LM_STAT(m, TOTAL_US) < LM_STAT(&f->m, TOTAL_US))
		return;
	f->m = *m;
}

static int lm_follow_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[LIVEMIG_A_MAX + 1];
	struct lm_follow *f = arg;
	static struct lm_mig m;

	if (gh->cmd != LIVEMIG_CMD_MIG_NTF ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, LIVEMIG_A_MAX, NULL) ||
	    lm_mig_parse(tb, &m) || m.id != f->id)
		return NL_SKIP;
	lm_follow_update(f, &m);
	f->fresh = true;
	return NL_OK;
}

/* Events make state changes show at once; without them, polling does. */
static void lm_follow_join(struct lm_follow *f)
{
	if (lm_nl_open(&f->ev))
		return;
	if (lm_nl_join_events(&f->ev)) {
		lm_nl_close(&f->ev);
		return;
	}
	nl_socket_disable_seq_check(f->ev.sk);
	nl_socket_set_nonblocking(f->ev.sk);
	nl_socket_modify_cb(f->ev.sk, NL_CB_VALID, NL_CB_CUSTOM, lm_follow_event, f);
	f->have_ev = true;
}

static void lm_follow_cancel(struct lm_follow *f)
{
	int err;

	lm_follow_clear(f);
	f->cancelled = true;
	err = lm_mig_cancel(f->nl, f->id);
	f->cancel_ok = !err;
	if (!err) {
		fprintf(stderr, "lmctl: move: cancelling migration %u: %s stays on this host (Ctrl-C again to stop waiting)\n",
			f->id, f->m.vm[0] ? f->m.vm : "the VM");
		return;
	}
	if (err == -ENOENT && !f->nl->extack[0])
		fprintf(stderr, "lmctl: move: cancel: migration %u is no longer active\n", f->id);
	else
		lm_nl_perror(f->nl, "move: cancel", err);
	fprintf(stderr, "lmctl: move: following migration %u to its end (Ctrl-C again to stop waiting)\n",
		f->id);
}

/* The end: the summary, or why the VM did not move. */
static int lm_follow_end(struct lm_follow *f)
{
	const struct lm_mig *m = &f->m;
	char line[LM_LINE_MAX];
	const char *vm = m->vm[0] ? m->vm : "the VM";

	/* Logs get the last state too; a terminal gets the summary instead. */
	if (!f->tty)
		lm_follow_show(f);
	lm_follow_clear(f);
	switch (m->state) {
	case LIVEMIG_MIG_COMPLETED:
		lm_move_summary(line, sizeof(line), m, f->host);
		printf("%s\n", line);
		return LMCTL_EXIT_OK;
	case LIVEMIG_MIG_IN_DOUBT:
		if (m->error[0])
			fprintf(stderr, "lmctl: move: %s\n", m->error);
		else
			fprintf(stderr, "lmctl: move: migration %u is in doubt: %s was told to commit and did not confirm\n",
				f->id, f->host);
		/* The kernel's sentence may carry the hint already (or be cut short). */
		if (!strstr(m->error, "--resume-source"))
			fprintf(stderr,
				"lmctl: move: %s stays paused on this host. Check whether %s runs it; if it does not, resume it here with:\n"
				"    lmctl resolve %u --resume-source\n", vm, f->host, f->id);
		return LMCTL_EXIT_ERROR;
	default:
		if (m->error[0])
			fprintf(stderr, "lmctl: move: %s\n", m->error);
		else
			fprintf(stderr, "lmctl: move: migration %u %s; %s runs on this host\n",
				f->id, m->state == LIVEMIG_MIG_CANCELLED ? "was cancelled" : "failed",
				vm);
		return LMCTL_EXIT_ERROR;
	}
}

/* One MIG_GET; a negative exit code when following must stop. */
static int lm_follow_poll(struct lm_follow *f)
{
	static struct lm_mig m;
	int err = lm_mig_get(f->nl, f->id, &m);

	if (!err) {
		lm_follow_update(f, &m);
		return 0;
	}
	lm_follow_clear(f);
	if (err == -ENOENT)
		fprintf(stderr, "lmctl: move: migration %u is gone: the kernel no longer knows it (lmctl list)\n",
			f->id);
	else
		lm_nl_perror(f->nl, "move: get the migration", err);
	return -1;
}

static int lm_follow(struct lm_follow *f, const sigset_t *orig)
{
	long long next = 0, now;
	struct pollfd pfd;
	struct timespec ts;
	int n;

	for (;;) {
		if (lm_terminated || lm_interrupts >= 2) {
			lm_follow_clear(f);
			fprintf(stderr, "lmctl: move: no longer following migration %u; %s in the kernel (lmctl status %u)\n",
				f->id, f->cancel_ok ? "its cancellation goes on" : "it goes on",
				f->id);
			return LMCTL_EXIT_ERROR;
		}
		if (lm_interrupts && !f->cancelled)
			lm_follow_cancel(f);

		now = lm_now_ns();
		if (now >= next) {
			if (lm_follow_poll(f))
				return LMCTL_EXIT_ERROR;
			f->fresh = true;
			next = now + LM_POLL_NS;
		}
		if (f->fresh) {
			f->fresh = false;
			if (lm_mig_state_final(f->m.state))
				return lm_follow_end(f);
			lm_follow_show(f);
		}

		now = lm_now_ns();
		ts.tv_sec = next > now ? (next - now) / 1000000000LL : 0;
		ts.tv_nsec = next > now ? (next - now) % 1000000000LL : 0;
		pfd.fd = f->have_ev ? nl_socket_get_fd(f->ev.sk) : -1;
		pfd.events = POLLIN;
		pfd.revents = 0;
		/* Signals are delivered only here, between requests. */
		n = ppoll(&pfd, f->have_ev, &ts, orig);
		if (n > 0 && (pfd.revents & POLLIN)) {
			n = nl_recvmsgs_default(f->ev.sk);
			/* Lost events (-NLE_NOMEM is ENOBUFS) are covered by polling. */
			if (n < 0 && n != -NLE_AGAIN && n != -NLE_NOMEM) {
				lm_nl_close(&f->ev);
				f->have_ev = false;
			}
		}
	}
}

int lmctl_cmd_move(const struct lmctl_opts *opts, int argc, char **argv)
{
	const struct lmctl_cmd *cmd = lmctl_find("move");
	char err_msg[LM_ERR_MAX], addr_str[LM_ADDR_PORT_STR_MAX];
	static struct lm_move_args a;
	static struct lm_follow f;
	sigset_t orig;
	struct lm_addr addr;
	struct lm_nl nl;
	unsigned int naddrs;
	uint32_t id;
	int ret, err;

	(void)opts;
	if (lm_move_parse(argc, argv, &a, err_msg, sizeof(err_msg)))
		return lmctl_usage_error(cmd, "%s", err_msg);
	if (lm_move_resolve(&a.dest, &addr, &naddrs))
		return LMCTL_EXIT_ERROR;
	lm_format_addr_port(addr_str, sizeof(addr_str), &addr, a.dest.port);

	ret = lm_nl_connect(&nl);
	if (ret)
		return ret;

	/*
	 * From here a Ctrl-C cancels the migration instead of orphaning it.
	 * With --detach a signal that came meanwhile is only counted.
	 */
	lmctl_catch_signals(lm_move_on_signal, 0, &orig);

	err = lm_mig_start(&nl, a.name, &addr, a.dest.port, &id);
	if (err) {
		lm_nl_perror(&nl, "move", err);
		ret = LMCTL_EXIT_ERROR;
		goto out;
	}
	if (!id) {
		fprintf(stderr, "lmctl: move: the kernel did not say which migration it started (lmctl list)\n");
		ret = LMCTL_EXIT_ERROR;
		goto out;
	}
	if (a.detach) {
		if (!a.dest.literal)
			fprintf(stderr, "lmctl: move: %s is %s%s\n", a.dest.host, addr_str,
				naddrs > 1 ? " (the first of its addresses)" : "");
		printf("%u\n", id);
		ret = LMCTL_EXIT_OK;
		goto out;
	}

	if (a.dest.literal)
		printf("moving %s to %s: migration %u\n", a.name, addr_str, id);
	else
		printf("moving %s to %s (%s%s): migration %u\n", a.name, a.dest.host,
		       addr_str, naddrs > 1 ? ", the first of its addresses" : "", id);
	fflush(stdout);

	memset(&f, 0, sizeof(f));
	f.nl = &nl;
	f.id = id;
	f.host = a.dest.host;
	f.tty = isatty(STDOUT_FILENO);
	f.shown_state = -1;
	lm_follow_join(&f);
	ret = lm_follow(&f, &orig);
	if (f.have_ev)
		lm_nl_close(&f.ev);
out:
	lm_nl_close(&nl);
	fflush(stdout);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	return ret;
}
