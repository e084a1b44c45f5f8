// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of lmctl agent's code that needs no kernel module: its
 * command line, the environment and sealed configuration of a VMM, the
 * lines it prints, and what a started VMM inherits: real processes,
 * /bin/sh scripts that check their own descriptors, environment,
 * arguments and session.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mig.h"
#include "spawn.h"
#include "unit.h"

/* --- command line, environment, lines ------------------------------ */

static const struct {
	const char *words;
	int ok;
	const char *why;
} agent_cases[] = {
	{ "--exec /usr/bin/vmm", 1, NULL },
	{ "--exec vmm -m 1G --help -j", 1, NULL },
	{ "", 0, "missing --exec CMD" },
	{ "--exec", 0, "--exec: missing CMD" },
	{ "--foo --exec vmm", 0, "unknown option '--foo'" },
	{ "vmm", 0, "unexpected argument 'vmm'" },
};

static void test_agent_args(void)
{
	char words[128], *argv[8], err[LM_ERR_MAX];
	struct ktap t;
	size_t i;
	int cmd;

	suite_begin(&t, "agent-args", ARRAY_SIZE(agent_cases) + 7);
	for (i = 0; i < ARRAY_SIZE(agent_cases); i++) {
		int argc, rc, ok;

		snprintf(words, sizeof(words), "%s", agent_cases[i].words);
		argc = split(words, argv, 8);
		err[0] = '\0';
		cmd = -1;
		rc = lm_agent_parse(argc, argv, &cmd, err, sizeof(err));
		ok = agent_cases[i].ok ? !rc && cmd == 1 :
		     rc == -EINVAL && strstr(err, agent_cases[i].why);
		point(&t, ok, "agent %s -> %s%s", agent_cases[i].words,
		      agent_cases[i].ok ? "accepted" : "refused: ", err);
	}
	argv[0] = "--exec";
	argv[1] = "";
	point(&t, lm_agent_parse(2, argv, &cmd, err, sizeof(err)) == -EINVAL,
	      "agent --exec '' is refused");
	point(&t, lm_find_exec("sh") == 0, "sh is found in $PATH");
	point(&t, lm_find_exec("/bin/sh") == 0, "/bin/sh is executable");
	point(&t, lm_find_exec("/nonexistent/vmm") == -ENOENT, "a missing path: ENOENT");
	point(&t, lm_find_exec("lmctl-no-such-vmm") == -ENOENT, "a name not in $PATH: ENOENT");
	point(&t, lm_find_exec("/") == -EACCES, "a directory: EACCES");
	point(&t, lm_find_exec("/dev/null") == -EACCES, "a file without x: EACCES");
	suite_end(&t);
}

static int env_equal(char **env, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++)
		if (!env[i] || strcmp(env[i], want[i]))
			return 0;
	return env[i] == NULL;
}

static void test_agent_env(void)
{
	static char *base[] = {
		"PATH=/bin", "LIVEMIG_VM_NAME=evil", "HOME=/root",
		"LIVEMIG_VM_NAMEX=1", "LIVEMIG_CONFIG_FD=9", NULL,
	};
	static const char *const want[] = {
		"PATH=/bin", "HOME=/root", "LIVEMIG_VM_NAMEX=1", "LIVEMIG_MIG_ID=7",
		"LIVEMIG_VM_NAME=web1", "LIVEMIG_VCPUS=4", "LIVEMIG_PEER_NAME=hosta",
		"LIVEMIG_CONFIG_FD=3", NULL,
	};
	static const char *const want_min[] = {
		"LIVEMIG_MIG_ID=8", "LIVEMIG_VM_NAME=db", "LIVEMIG_PEER_NAME=",
		"LIVEMIG_CONFIG_FD=3", NULL,
	};
	struct lm_incoming in = {
		.mig_id = 7, .vm = "web1", .have_vcpus = true, .vcpus = 4, .peer = "hosta",
	};
	char line[LM_LINE_MAX], cmd[300];
	struct ktap t;
	char **env;

	suite_begin(&t, "agent-env", 8);
	env = lm_agent_env(base, &in);
	point(&t, env && env_equal(env, want),
	      "inherited variables kept, ours replaced and added last");
	lm_agent_env_free(env);
	in = (struct lm_incoming){ .mig_id = 8, .vm = "db" };
	env = lm_agent_env(NULL, &in);
	point(&t, env && env_equal(env, want_min),
	      "no vCPU count, no peer name: LIVEMIG_VCPUS left out, LIVEMIG_PEER_NAME empty");
	lm_agent_env_free(env);

	lm_agent_refusal(line, LIVEMIG_REASON_MAX, "/usr/bin/vmm", ENOENT);
	point(&t, !strcmp(line, "agent could not start /usr/bin/vmm: No such file or directory"),
	      "refusal: \"%s\"", line);
	memset(cmd, 'x', sizeof(cmd) - 1);
	cmd[sizeof(cmd) - 1] = '\0';
	lm_agent_refusal(line, LIVEMIG_REASON_MAX, cmd, EACCES);
	point(&t, strlen(line) == LIVEMIG_REASON_MAX - 1,
	      "a refusal is cut to what the kernel takes (%d bytes)", LIVEMIG_REASON_MAX - 1);

	lm_agent_exit_line(line, sizeof(line), 3, "web1", 1234, 0);
	point(&t, !strcmp(line, "migration 3 (web1): VMM pid 1234 exited with status 0"),
	      "exit line: \"%s\"", line);
	lm_agent_exit_line(line, sizeof(line), 3, "web1", 1234, 2 << 8);
	point(&t, !strcmp(line, "migration 3 (web1): VMM pid 1234 exited with status 2"),
	      "exit line, status 2: \"%s\"", line);
	lm_agent_exit_line(line, sizeof(line), 3, "web1", 1234, SIGKILL);
	point(&t, !strcmp(line, "migration 3 (web1): VMM pid 1234 was killed by signal 9 (Killed)"),
	      "exit line, killed: \"%s\"", line);

	lm_sanitize(line, sizeof(line), "a\x1b[2Jb\xc3\xa9\x7f");
	point(&t, !strcmp(line, "a?[2Jb???"), "text from the peer is made printable: \"%s\"", line);
	suite_end(&t);
}

/* --- a real VMM start --------------------------------------------- */

/*
 * What the started VMM checks about itself: exit 0 when all is well,
 * another status saying which check failed. %d is a descriptor that the
 * parent holds open (without close-on-exec) and the VMM must not have.
 * The descriptors are probed with test -e, which opens none (a glob of
 * /proc/$$/fd would list the directory's own descriptor).
 */
static const char vmm_script[] =
	"n=4; while [ $n -lt 1024 ]; do [ -e /proc/$$/fd/$n ] && exit 10; n=$((n + 1)); done\n"
	"[ -e /proc/$$/fd/%d ] && exit 11\n"
	"[ \"$(cat <&3)\" = config-blob ] || exit 12\n"
	"{ echo x >&3; } 2>/dev/null && exit 13\n"
	"[ \"$LIVEMIG_MIG_ID\" = 7 ] && [ \"$LIVEMIG_VM_NAME\" = web1 ] &&\n"
	"  [ \"$LIVEMIG_VCPUS\" = 4 ] && [ \"$LIVEMIG_PEER_NAME\" = hosta ] &&\n"
	"  [ \"$LIVEMIG_CONFIG_FD\" = 3 ] || exit 14\n"
	"[ $# = 2 ] && [ \"$1\" = '$(id) ;x' ] && [ \"$2\" = '*' ] || exit 15\n"
	"[ \"$(readlink /proc/$$/fd/0)\" = /dev/null ] || exit 16\n"
	"read -r _ _ _ _ _ sid _ < /proc/$$/stat; [ \"$sid\" = $$ ] || exit 17\n"
	"exit 0\n";

static int wait_status(pid_t pid)
{
	int st;

	if (pid < 0)
		return (int)pid;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_agent_spawn(void)
{
	static char *base[] = { "PATH=/usr/bin:/bin", NULL };
	struct lm_incoming in = {
		.mig_id = 7, .vm = "web1", .have_vcpus = true, .vcpus = 4, .peer = "hosta",
	};
	char script[sizeof(vmm_script) + 16], buf[32], **env;
	char *argv[] = { "/bin/sh", "-c", script, "sh", "$(id) ;x", "*", NULL };
	char *missing[] = { "/nonexistent/vmm", NULL };
	char *noexec[] = { "/dev/null", NULL };
	int fd, leak[2], seals, rc;
	struct ktap t;
	ssize_t n;

	suite_begin(&t, "agent-spawn", 9);
	fd = lm_config_memfd("config-blob", 11);
	seals = fd >= 0 ? fcntl(fd, F_GET_SEALS) : -1;
	point(&t, seals == (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL),
	      "the configuration memfd is sealed against write, grow, shrink, more seals");
	point(&t, fd >= 0 && write(fd, "x", 1) < 0 && errno == EPERM &&
	      ftruncate(fd, 0) < 0 && errno == EPERM,
	      "nobody can change it");
	n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	point(&t, n == 11 && !memcmp(buf, "config-blob", 11) &&
	      (fcntl(fd, F_GETFD) & FD_CLOEXEC), "it holds the bytes from offset 0, close-on-exec");
	lseek(fd, 0, SEEK_SET);
	/* Away from fd 3, so that lm_spawn() has to move it there. */
	if (fd >= 0 && fd < 10) {
		int hi = fcntl(fd, F_DUPFD_CLOEXEC, 10);

		close(fd);
		fd = hi;
	}

	/* A descriptor a careless parent leaks: the VMM must not get it. */
	if (pipe(leak))
		leak[0] = leak[1] = -1;
	snprintf(script, sizeof(script), vmm_script, leak[1]);
	env = lm_agent_env(base, &in);
	rc = wait_status(lm_spawn(argv, env, fd));
	point(&t, rc == 0,
	      "the VMM has fd 0 /dev/null and fd 3 the sealed config, no other fd, its variables, its ARGs unchanged, its own session (status %d)",
	      rc);
	close(leak[0]);
	close(leak[1]);

	/*
	 * The configuration already on fd 3 stays there, without close-on-exec.
	 * (The first VMM read it to its end: the offset is shared, and the
	 * agent uses a new memfd for each VMM.)
	 */
	lseek(fd, 0, SEEK_SET);
	if (fd != 3 && dup3(fd, 3, O_CLOEXEC) == 3) {
		close(fd);
		fd = 3;
	}
	rc = wait_status(lm_spawn(argv, env, fd));
	point(&t, fd == 3 && rc == 0, "the same with the configuration on fd 3 already (status %d)", rc);
	close(fd);

	rc = lm_spawn(missing, env, 0);
	point(&t, rc == -ENOENT, "exec failure comes back: ENOENT (got %d)", rc);
	point(&t, waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
	      "and the child that failed was reaped");
	rc = lm_spawn(noexec, env, 0);
	point(&t, rc == -EACCES, "not executable: EACCES (got %d)", rc);

	fd = lm_config_memfd("", 0);
	point(&t, fd >= 0 && lseek(fd, 0, SEEK_END) == 0, "an empty configuration is an empty memfd");
	if (fd >= 0)
		close(fd);
	lm_agent_env_free(env);
	suite_end(&t);
}

void test_agent(void)
{
	test_agent_args();
	test_agent_env();
	test_agent_spawn();
}
