// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl agent: starting a destination VMM for an incoming migration.
 *
 * What an announcement carries came from another host, so none of it goes
 * near a shell or a command line: CMD and its ARGs run as the operator
 * wrote them (execvp, no interpolation), the VM's name and the source's
 * name travel in environment variables, and the configuration blob in a
 * sealed memfd on fd 3 that the VMM can read but nobody can change. The
 * VMM inherits nothing else: stdin is /dev/null, every other descriptor
 * (the agent's netlink socket above all) is closed, signals are unblocked,
 * and it runs in its own session so that a Ctrl-C meant for the agent
 * does not kill the VMs it started. An exec failure travels back to the
 * agent through a close-on-exec pipe, so the source learns why.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC	(1U << 2)
#endif

/* The variables the agent sets; inherited ones of these names are dropped. */
static const char *const lm_env_names[] = {
	"LIVEMIG_MIG_ID", "LIVEMIG_VM_NAME", "LIVEMIG_VCPUS",
	"LIVEMIG_PEER_NAME", "LIVEMIG_CONFIG_FD",
};

#define LM_ENV_OURS	(sizeof(lm_env_names) / sizeof(lm_env_names[0]))

/**
 * lm_agent_parse() - the words after lmctl agent
 * @argc: how many
 * @argv: --exec CMD [ARG...]
 * @cmd: the index of CMD in @argv; CMD and every word after it are the
 *	VMM's command line, passed on unchanged
 * @err: why not, for the usage message
 * @errlen: its size
 *
 * Return: 0 or -EINVAL.
 */
int lm_agent_parse(int argc, char **argv, int *cmd, char *err, size_t errlen)
{
	if (!argc) {
		snprintf(err, errlen, "missing --exec CMD");
		return -EINVAL;
	}
	if (strcmp(argv[0], "--exec")) {
		if (argv[0][0] == '-' && argv[0][1])
			snprintf(err, errlen, "unknown option '%s'", argv[0]);
		else
			snprintf(err, errlen, "unexpected argument '%s' (the VMM's command comes after --exec)",
				 argv[0]);
		return -EINVAL;
	}
	if (argc < 2 || !argv[1][0]) {
		snprintf(err, errlen, "--exec: missing CMD");
		return -EINVAL;
	}
	*cmd = 1;
	return 0;
}

/**
 * lm_find_exec() - whether CMD can be executed now, as execvp() finds it
 * @cmd: a path (with a '/') or a name looked up in $PATH
 *
 * Return: 0, or the negative errno of the last candidate (-ENOENT when
 * there was none).
 */
int lm_find_exec(const char *cmd)
{
	const char *path = getenv("PATH"), *p, *end;
	char buf[PATH_MAX];
	struct stat st;
	int err = -ENOENT;

	if (strchr(cmd, '/')) {
		if (access(cmd, X_OK))
			return -errno;
		return stat(cmd, &st) || S_ISREG(st.st_mode) ? 0 : -EACCES;
	}
	if (!path)
		path = "/bin:/usr/bin";
	for (p = path; ; p = end + 1) {
		end = strchrnul(p, ':');
		/* An empty entry is the current directory, as for execvp(). */
		if (snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(end - p), p,
			     end == p ? "" : "/", cmd) < (int)sizeof(buf)) {
			if (!access(buf, X_OK) && !stat(buf, &st) && S_ISREG(st.st_mode))
				return 0;
			if (errno != ENOENT && errno != ENOTDIR)
				err = -errno;
		}
		if (!*end)
			return err;
	}
}

static bool lm_env_ours(const char *var)
{
	size_t i, n;

	for (i = 0; i < LM_ENV_OURS; i++) {
		n = strlen(lm_env_names[i]);
		if (!strncmp(var, lm_env_names[i], n) && var[n] == '=')
			return true;
	}
	return false;
}

static char *lm_var(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One "NAME=value", or NULL when out of memory. */
static char *lm_var(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

/**
 * lm_agent_env() - the environment of a destination VMM
 * @base: the agent's environment
 * @in: the announcement
 *
 * @base, without variables of the names below, then LIVEMIG_MIG_ID,
 * LIVEMIG_VM_NAME, LIVEMIG_VCPUS (when announced), LIVEMIG_PEER_NAME
 * (empty when not announced) and LIVEMIG_CONFIG_FD=3.
 *
 * Return: a NULL-terminated array for execve() (free it with
 * lm_agent_env_free()), or NULL when out of memory.
 */
char **lm_agent_env(char *const *base, const struct lm_incoming *in)
{
	size_t n = 0, i, k = 0;
	bool bad = false;
	char **env;

	while (base && base[n])
		n++;
	env = calloc(n + LM_ENV_OURS + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < n; i++)
		if (!lm_env_ours(base[i]))
			env[k++] = strdup(base[i]);
	env[k++] = lm_var("LIVEMIG_MIG_ID=%u", in->mig_id);
	env[k++] = lm_var("LIVEMIG_VM_NAME=%s", in->vm);
	if (in->have_vcpus)
		env[k++] = lm_var("LIVEMIG_VCPUS=%u", in->vcpus);
	env[k++] = lm_var("LIVEMIG_PEER_NAME=%s", in->peer ? in->peer : "");
	env[k++] = lm_var("LIVEMIG_CONFIG_FD=%d", LM_CONFIG_FD);
	for (i = 0; i < k; i++)
		bad |= !env[i];
	if (!bad)
		return env;
	for (i = 0; i < k; i++)
		free(env[i]);
	free(env);
	return NULL;
}

void lm_agent_env_free(char **env)
{
	size_t i;

	if (!env)
		return;
	for (i = 0; env[i]; i++)
		free(env[i]);
	free(env);
}

/**
 * lm_config_memfd() - the configuration in a sealed memfd
 * @data: the bytes
 * @len: how many (0 is fine)
 *
 * The memfd is positioned at 0 and sealed against writing, growing,
 * shrinking and further sealing: the VMM reads exactly what the source
 * sent. It is close-on-exec; lm_spawn() gives the VMM its own copy.
 *
 * Return: the descriptor, or a negative errno.
 */
int lm_config_memfd(const void *data, size_t len)
{
	const char *p = data;
	size_t done = 0;
	ssize_t n;
	int fd, err;

	fd = memfd_create("livemig-config", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	while (done < len) {
		n = write(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			goto err_close;
		}
		done += n;
	}
	if (lseek(fd, 0, SEEK_SET) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK |
		  F_SEAL_SEAL)) {
		err = -errno;
		goto err_close;
	}
	return fd;

err_close:
	close(fd);
	return err;
}

/* Mark every descriptor from @from up close-on-exec. */
static void lm_cloexec_from(int from)
{
	struct rlimit rl;
	int fd, max = 65536;

	if (!syscall(SYS_close_range, (unsigned int)from, ~0U, CLOSE_RANGE_CLOEXEC))
		return;
	/* Kernels before 5.11: one by one, up to the limit. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)INT_MAX)
		max = (int)rl.rlim_cur;
	for (fd = from; fd < max; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* In the child: set up its descriptors and signals, then exec. */
static void __attribute__((noreturn))
lm_child(char *const argv[], char *const envp[], int cfg_fd, int err_fd)
{
	sigset_t none;
	int null, e, sig;

	/* Nothing the agent blocked or ignored applies to a VMM. */
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0)
		goto fail;
	/* Keep the error pipe and the configuration off fd 3 and 0..2. */
	if (err_fd <= LM_CONFIG_FD) {
		err_fd = fcntl(err_fd, F_DUPFD_CLOEXEC, LM_CONFIG_FD + 1);
		if (err_fd < 0)
			_exit(127);
	}
	if (cfg_fd == LM_CONFIG_FD) {
		if (fcntl(cfg_fd, F_SETFD, 0))
			goto fail;
	} else if (dup2(cfg_fd, LM_CONFIG_FD) < 0) {
		goto fail;
	}
	/* dup2() left fd 3 without close-on-exec; everything above goes. */
	lm_cloexec_from(LM_CONFIG_FD + 1);
	execvpe(argv[0], argv, envp);
fail:
	e = errno;
	while (write(err_fd, &e, sizeof(e)) < 0 && errno == EINTR)
		;
	_exit(127);
}

/**
 * lm_spawn() - start a destination VMM
 * @argv: CMD and its ARGs, as the operator gave them
 * @envp: its environment (lm_agent_env())
 * @cfg_fd: the configuration (lm_config_memfd()), its fd 3
 *
 * The VMM gets fd 0 (/dev/null), 1 and 2 (the agent's), 3 (the
 * configuration) and nothing else, whatever the caller has open.
 *
 * Return: the VMM's pid once it runs CMD, or a negative errno when fork
 * failed or CMD could not be executed (the child has been reaped then).
 */
pid_t lm_spawn(char *const argv[], char *const envp[], int cfg_fd)
{
	int pfd[2], e = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(pfd[0]);
		close(pfd[1]);
		return -e;
	}
	if (!pid) {
		close(pfd[0]);
		lm_child(argv, envp, cfg_fd, pfd[1]);
	}
	close(pfd[1]);
	/* Nothing to read once exec closed the pipe: CMD runs. */
	do
		n = read(pfd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n <= 0)
		return pid;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return -(e > 0 ? e : EIO);
}

/**
 * lm_agent_refusal() - why an incoming migration was refused, for the source
 * @buf: output
 * @size: its size (%LIVEMIG_REASON_MAX fits the kernel's limit)
 * @cmd: the VMM command
 * @err: positive errno of the failure
 *
 * Return: what snprintf() returns.
 */
int lm_agent_refusal(char *buf, size_t size, const char *cmd, int err)
{
	return snprintf(buf, size, "agent could not start %s: %s", cmd, strerror(err));
}

/**
 * lm_agent_exit_line() - what the agent prints when a VMM ends
 * @buf: output
 * @size: its size
 * @mig_id: the migration it was started for
 * @vm: the VM
 * @pid: its pid
 * @wstatus: from waitpid()
 *
 * "migration 3 (web1): VMM pid 1234 exited with status 0", or "... was
 * killed by signal 9 (Killed)".
 *
 * Return: what snprintf() returns.
 */
int lm_agent_exit_line(char *buf, size_t size, uint32_t mig_id, const char *vm,
		       pid_t pid, int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return snprintf(buf, size, "migration %u (%s): VMM pid %d was killed by signal %d (%s)%s",
				mig_id, vm, (int)pid, WTERMSIG(wstatus),
				strsignal(WTERMSIG(wstatus)),
				WCOREDUMP(wstatus) ? ", core dumped" : "");
	return snprintf(buf, size, "migration %u (%s): VMM pid %d exited with status %d",
			mig_id, vm, (int)pid, WEXITSTATUS(wstatus));
}
