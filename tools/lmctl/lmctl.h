/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lmctl: shared declarations of the command-line tool.
 */
#ifndef LMCTL_H
#define LMCTL_H

#include <signal.h>
#include <stdbool.h>

#define LMCTL_VERSION	"0.1.0"

/* Exit codes scripts can trust. */
enum {
	LMCTL_EXIT_OK = 0,
	LMCTL_EXIT_ERROR = 1,	/* the kernel or the system said no */
	LMCTL_EXIT_USAGE = 2,	/* the command line (or config file) was wrong */
};

/**
 * struct lmctl_opts - options that apply to every command
 * @json: print the stable machine form instead of the human one
 */
struct lmctl_opts {
	bool json;
};

/**
 * struct lmctl_cmd - one subcommand
 * @name: what the user types
 * @fn: runs it with the words after @name; returns an exit code
 * @usage: its synopsis, printed by --help and on a usage error
 * @help: one line saying what it does
 * @details: more lines for --help, or NULL
 */
struct lmctl_cmd {
	const char *name;
	int (*fn)(const struct lmctl_opts *opts, int argc, char **argv);
	const char *usage;
	const char *help;
	const char *details;
};

const struct lmctl_cmd *lmctl_find(const char *name);
int lmctl_usage_error(const struct lmctl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int lmctl_arg_error(const struct lmctl_cmd *cmd, const char *word);
int lmctl_take_json(struct lmctl_opts *opts, int argc, char **argv);
bool lmctl_wants_help(int argc, char **argv);
void lmctl_print_cmd_help(const struct lmctl_cmd *cmd);
void lmctl_catch_signals(void (*fn)(int sig), int also, sigset_t *orig);

/* show.c */
int lmctl_cmd_show(const struct lmctl_opts *opts, int argc, char **argv);
int lmctl_cmd_version(const struct lmctl_opts *opts, int argc, char **argv);
/* set.c */
int lmctl_cmd_enable(const struct lmctl_opts *opts, int argc, char **argv);
int lmctl_cmd_disable(const struct lmctl_opts *opts, int argc, char **argv);
int lmctl_cmd_set(const struct lmctl_opts *opts, int argc, char **argv);
int lmctl_cmd_set_performance(const struct lmctl_opts *opts, int argc, char **argv);
/* key.c */
int lmctl_cmd_genkey(const struct lmctl_opts *opts, int argc, char **argv);
/* network.c */
int lmctl_cmd_network(const struct lmctl_opts *opts, int argc, char **argv);
/* config.c */
int lmctl_cmd_showconf(const struct lmctl_opts *opts, int argc, char **argv);
int lmctl_cmd_setconf(const struct lmctl_opts *opts, int argc, char **argv);
/* vm.c */
int lmctl_cmd_vm(const struct lmctl_opts *opts, int argc, char **argv);
/* monitor.c */
int lmctl_cmd_monitor(const struct lmctl_opts *opts, int argc, char **argv);
/* move.c */
int lmctl_cmd_move(const struct lmctl_opts *opts, int argc, char **argv);
/* migs.c */
int lmctl_cmd_list(const struct lmctl_opts *opts, int argc, char **argv);
int lmctl_cmd_status(const struct lmctl_opts *opts, int argc, char **argv);
int lmctl_cmd_cancel(const struct lmctl_opts *opts, int argc, char **argv);
int lmctl_cmd_resolve(const struct lmctl_opts *opts, int argc, char **argv);
/* agent.c */
int lmctl_cmd_agent(const struct lmctl_opts *opts, int argc, char **argv);

#endif /* LMCTL_H */
