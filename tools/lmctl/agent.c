// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl agent --exec CMD [ARG...]: this host's agent for incoming
 * migrations.
 *
 * AGENT_SET makes one netlink socket the host's agent: for every incoming
 * migration it accepts, the kernel unicasts an INCOMING announcement to
 * that socket, and the agent starts CMD (spawn.c says how, safely), which
 * must attach its empty VM with VM_ADD + the migration id within the VMM
 * timeout. When CMD cannot be started, the agent refuses the migration
 * (MIG_REFUSE) with the reason, which the source shows. The registration
 * lasts as long as the socket: when the agent exits, the kernel sees it
 * go and accepts no migration that needs a VMM started.
 *
 * Two sockets: the agent's own, which receives the announcements (its
 * sequence check off, as they are no answers), and one for MIG_REFUSE
 * requests, so an announcement never lands among a request's replies.
 * Children are reaped on SIGCHLD; SIGINT and SIGTERM end the agent, not
 * the VMMs it started (they run in their own sessions).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/genl/genl.h>

#include "lmctl.h"
#include "mig.h"
#include "nl.h"
#include "spawn.h"

extern char **environ;

/**
 * struct lm_child - a VMM the agent started and has not reaped
 * @pid: its pid
 * @mig_id: the migration it was started for
 * @vm: the VM's name
 */
struct lm_child {
	pid_t pid;
	uint32_t mig_id;
	char vm[LIVEMIG_VM_NAME_MAX];
};

/**
 * struct lm_agent - state of lmctl agent
 * @sk: the agent's socket: AGENT_SET, then INCOMING announcements
 * @req: socket for MIG_REFUSE
 * @argv: CMD and its ARGs
 * @kids: the VMMs running
 * @n_kids: entries in @kids
 * @cap: room in @kids
 */
struct lm_agent {
	struct lm_nl sk;
	struct lm_nl req;
	char **argv;
	struct lm_child *kids;
	unsigned int n_kids;
	unsigned int cap;
};

static volatile sig_atomic_t lm_stop;
static volatile sig_atomic_t lm_sigchld;

static void lm_agent_on_signal(int sig)
{
	if (sig == SIGCHLD)
		lm_sigchld = 1;
	else
		lm_stop = 1;
}

static void lm_agent_refuse(struct lm_agent *ag, uint32_t id, const char *vm,
			    const char *peer, const char *reason)
{
	struct nl_msg *msg = lm_nl_msg(&ag->req, LIVEMIG_CMD_MIG_REFUSE, 0);
	char what[64];
	int err;

	printf("incoming migration %u of %s from %s: refused: %s\n", id, vm, peer, reason);
	if (!msg) {
		err = -ENOMEM;
	} else if (nla_put_u32(msg, LIVEMIG_A_MIG_ID, id) ||
		   nla_put_string(msg, LIVEMIG_A_REASON, reason)) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
	} else {
		err = lm_nl_request(&ag->req, msg, NULL, NULL);
	}
	if (err) {
		snprintf(what, sizeof(what), "agent: refuse migration %u", id);
		lm_nl_perror(&ag->req, what, err);
	}
}

static int lm_agent_keep(struct lm_agent *ag, pid_t pid, const struct lm_incoming *in)
{
	struct lm_child *c;

	c = lm_grow((void **)&ag->kids, ag->n_kids, &ag->cap, sizeof(*c));
	if (!c)
		return -ENOMEM;
	ag->n_kids++;
	c->pid = pid;
	c->mig_id = in->mig_id;
	snprintf(c->vm, sizeof(c->vm), "%s", in->vm);
	return 0;
}

/* Start CMD for one announcement, or refuse the migration saying why. */
static void lm_agent_start(struct lm_agent *ag, const struct lm_incoming *in,
			   const char *peer)
{
	char reason[LIVEMIG_REASON_MAX];
	char **env;
	pid_t pid;
	int fd;

	fd = lm_config_memfd(in->config, in->config_len);
	if (fd < 0) {
		snprintf(reason, sizeof(reason), "agent could not pass the configuration to %s: %s",
			 ag->argv[0], strerror(-fd));
		lm_agent_refuse(ag, in->mig_id, in->vm, peer, reason);
		return;
	}
	env = lm_agent_env(environ, in);
	pid = env ? lm_spawn(ag->argv, env, fd) : -ENOMEM;
	lm_agent_env_free(env);
	close(fd);
	if (pid < 0) {
		lm_agent_refusal(reason, sizeof(reason), ag->argv[0], (int)-pid);
		lm_agent_refuse(ag, in->mig_id, in->vm, peer, reason);
		return;
	}
	/* Without a record its exit line is lost, nothing else: reaping goes on. */
	if (lm_agent_keep(ag, pid, in))
		fprintf(stderr, "lmctl: agent: out of memory; pid %d will not be reported\n",
			(int)pid);
	printf("incoming migration %u of %s from %s: started pid %d\n", in->mig_id,
	       in->vm, peer, (int)pid);
}

/* An INCOMING announcement (anything else from the kernel is ignored). */
static int lm_agent_msg(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	char vm[LM_HOST_NAME_BUF], peer[LM_HOST_NAME_BUF], shown[LM_HOST_NAME_BUF];
	struct nlattr *tb[LIVEMIG_A_MAX + 1], *a;
	struct lm_agent *ag = arg;
	struct lm_incoming in = { .vm = vm, .peer = peer };

	if (gh->cmd != LIVEMIG_CMD_INCOMING)
		return NL_SKIP;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, LIVEMIG_A_MAX, NULL) ||
	    !tb[LIVEMIG_A_MIG_ID] || nla_len(tb[LIVEMIG_A_MIG_ID]) != 4) {
		fprintf(stderr, "lmctl: agent: an announcement without a migration id; ignored\n");
		return NL_SKIP;
	}
	in.mig_id = nla_get_u32(tb[LIVEMIG_A_MIG_ID]);

	/* A name with a NUL inside it or cut short is no valid name either. */
	vm[0] = '\0';
	a = tb[LIVEMIG_A_VM_NAME];
	if (a && nla_len(a) > 0 && nla_len(a) < (int)sizeof(vm) &&
	    strnlen(nla_data(a), nla_len(a)) == (size_t)nla_len(a) - 1)
		memcpy(vm, nla_data(a), nla_len(a));
	peer[0] = '\0';
	if (tb[LIVEMIG_A_PEER_NAME])
		nla_strlcpy(peer, tb[LIVEMIG_A_PEER_NAME], sizeof(peer));
	lm_sanitize(shown, sizeof(shown), peer[0] ? peer : "an unnamed host");
	if (tb[LIVEMIG_A_VCPUS] && nla_len(tb[LIVEMIG_A_VCPUS]) == 4) {
		in.have_vcpus = true;
		in.vcpus = nla_get_u32(tb[LIVEMIG_A_VCPUS]);
	}
	if (tb[LIVEMIG_A_VM_CONFIG]) {
		in.config = nla_data(tb[LIVEMIG_A_VM_CONFIG]);
		in.config_len = nla_len(tb[LIVEMIG_A_VM_CONFIG]);
	}

	if (!lm_vm_name_valid(vm)) {
		char bad[LM_HOST_NAME_BUF];

		lm_sanitize(bad, sizeof(bad), vm[0] ? vm : "an unnamed VM");
		lm_agent_refuse(ag, in.mig_id, bad, shown,
				"the agent refused the VM name: use 1 to 64 letters, digits, '-', '_' and '.'");
		return NL_OK;
	}
	lm_agent_start(ag, &in, shown);
	return NL_OK;
}

/* Every VMM that ended: one line each, no zombie left. */
static void lm_agent_reap(struct lm_agent *ag)
{
	char line[LM_LINE_MAX];
	unsigned int i;
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < ag->n_kids && ag->kids[i].pid != pid; i++)
			;
		if (i == ag->n_kids)
			continue;
		lm_agent_exit_line(line, sizeof(line), ag->kids[i].mig_id, ag->kids[i].vm,
				   pid, st);
		printf("%s\n", line);
		ag->kids[i] = ag->kids[--ag->n_kids];
	}
}

/* Descriptors 0 to 2 open, so that no socket or memfd lands on them. */
static void lm_agent_std_fds(void)
{
	int fd;

	do
		fd = open("/dev/null", O_RDWR);
	while (fd >= 0 && fd <= STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

static int lm_agent_loop(struct lm_agent *ag, const sigset_t *orig)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(ag->sk.sk), .events = POLLIN };
	int err;

	nl_socket_disable_seq_check(ag->sk.sk);
	nl_socket_set_nonblocking(ag->sk.sk);
	nl_socket_modify_cb(ag->sk.sk, NL_CB_VALID, NL_CB_CUSTOM, lm_agent_msg, ag);

	while (!lm_stop) {
		if (lm_sigchld) {
			lm_sigchld = 0;
			lm_agent_reap(ag);
		}
		/* Signals are delivered only while waiting here. */
		if (ppoll(&pfd, 1, NULL, orig) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "lmctl: agent: poll: %s\n", strerror(errno));
			return LMCTL_EXIT_ERROR;
		}
		err = nl_recvmsgs_default(ag->sk.sk);
		if (err == -NLE_NOMEM) {
			fprintf(stderr, "lmctl: agent: announcements were lost (socket buffer full); those migrations will fail\n");
		} else if (err < 0 && err != -NLE_AGAIN) {
			fprintf(stderr, "lmctl: agent: receive: %s\n", nl_geterror(err));
			return LMCTL_EXIT_ERROR;
		}
	}
	lm_agent_reap(ag);
	printf("agent: stopping%s\n", ag->n_kids ? "; the VMMs it started keep running" : "");
	return LMCTL_EXIT_OK;
}

int lmctl_cmd_agent(const struct lmctl_opts *opts, int argc, char **argv)
{
	const struct lmctl_cmd *cmd = lmctl_find("agent");
	static struct lm_agent ag;
	char err_msg[LM_ERR_MAX];
	sigset_t orig;
	struct nl_msg *msg;
	int i, ret, err;

	(void)opts;
	if (lm_agent_parse(argc, argv, &i, err_msg, sizeof(err_msg)))
		return lmctl_usage_error(cmd, "%s", err_msg);
	memset(&ag, 0, sizeof(ag));
	ag.argv = argv + i;
	err = lm_find_exec(ag.argv[0]);
	if (err)
		fprintf(stderr, "lmctl: agent: warning: %s: %s; incoming migrations will be refused until it can be run\n",
			ag.argv[0], strerror(-err));

	lm_agent_std_fds();
	setvbuf(stdout, NULL, _IOLBF, 0);
	lmctl_catch_signals(lm_agent_on_signal, SIGCHLD, &orig);

	ret = lm_nl_connect(&ag.req);
	if (ret)
		goto out_mask;
	ret = lm_nl_connect(&ag.sk);
	if (ret)
		goto out_req;
	/* Room for announcements with large configurations. */
	nl_socket_set_buffer_size(ag.sk.sk, 4 << 20, 0);
	/* An announcement may come before AGENT_SET's ack. */
	ag.sk.unsolicited = lm_agent_msg;
	ag.sk.unsolicited_arg = &ag;

	msg = lm_nl_msg(&ag.sk, LIVEMIG_CMD_AGENT_SET, 0);
	err = msg ? lm_nl_request(&ag.sk, msg, NULL, NULL) : -ENOMEM;
	if (err) {
		lm_nl_perror(&ag.sk, "agent", err);
		ret = LMCTL_EXIT_ERROR;
		goto out_sk;
	}
	printf("agent: waiting for incoming migrations; each starts %s\n", ag.argv[0]);
	ret = lm_agent_loop(&ag, &orig);
out_sk:
	lm_nl_close(&ag.sk);
out_req:
	lm_nl_close(&ag.req);
out_mask:
	free(ag.kids);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	return ret;
}
