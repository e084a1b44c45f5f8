/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lmctl agent, the part that needs no kernel module: its command line,
 * the environment and sealed configuration a destination VMM is started
 * with, starting it (no shell, fd 3 the configuration, nothing else
 * inherited), and the lines the agent prints. tests/lmctl_unit.c checks
 * it, starting real processes.
 */
#ifndef LMCTL_SPAWN_H
#define LMCTL_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The file descriptor a VMM finds its configuration on. */
#define LM_CONFIG_FD	3

/**
 * struct lm_incoming - an INCOMING announcement, as the agent uses it
 * @mig_id: the incoming migration's id
 * @vm: the VM's name (checked with lm_vm_name_valid() before use)
 * @have_vcpus: @vcpus was announced
 * @vcpus: how many vCPUs
 * @peer: the source's host name, "" if not announced
 * @config: the machine description (may be empty)
 * @config_len: its size
 */
struct lm_incoming {
	uint32_t mig_id;
	const char *vm;
	bool have_vcpus;
	uint32_t vcpus;
	const char *peer;
	const void *config;
	size_t config_len;
};

int lm_agent_parse(int argc, char **argv, int *cmd, char *err, size_t errlen);
int lm_find_exec(const char *cmd);
char **lm_agent_env(char *const *base, const struct lm_incoming *in);
void lm_agent_env_free(char **env);
int lm_config_memfd(const void *data, size_t len);
pid_t lm_spawn(char *const argv[], char *const envp[], int cfg_fd);
int lm_agent_refusal(char *buf, size_t size, const char *cmd, int err);
int lm_agent_exit_line(char *buf, size_t size, uint32_t mig_id, const char *vm,
		       pid_t pid, int wstatus);

#endif /* LMCTL_SPAWN_H */
