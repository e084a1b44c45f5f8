// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl: configure livemig and move virtual machines.
 *
 * A table of subcommands; no subcommand means "show". Exit codes: 0 done,
 * 1 the kernel or the system refused (its sentence printed verbatim),
 * 2 the command line was wrong (usage printed).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lmctl.h"

static int lmctl_cmd_help(const struct lmctl_opts *opts, int argc, char **argv);

static const struct lmctl_cmd lmctl_cmds[] = {
	{ "show", lmctl_cmd_show, "lmctl show [-j]",
	  "show the module and this host's migration settings" },
	{ "version", lmctl_cmd_version, "lmctl version [-j]",
	  "show the versions of lmctl, the module and the protocol" },
	{ "help", lmctl_cmd_help, "lmctl help [COMMAND]",
	  "show this help or a command's" },
};

static const struct lmctl_cmd *lmctl_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(lmctl_cmds) / sizeof(lmctl_cmds[0]); i++)
		if (!strcmp(lmctl_cmds[i].name, name))
			return &lmctl_cmds[i];
	return NULL;
}

static void lmctl_print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: lmctl [-j|--json] [COMMAND [ARGS...]]\n\n"
		   "Commands (none means show):\n");
	for (i = 0; i < sizeof(lmctl_cmds) / sizeof(lmctl_cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", lmctl_cmds[i].name, lmctl_cmds[i].help);
	fprintf(f, "\n'lmctl COMMAND --help' describes a command.\n");
}

void lmctl_print_cmd_help(const struct lmctl_cmd *cmd)
{
	printf("Usage: %s\n\n%s\n", cmd->usage, cmd->help);
}

/**
 * lmctl_usage_error() - report a wrong command line
 * @cmd: the command, or NULL for the global synopsis
 * @fmt: what was wrong
 *
 * Return: %LMCTL_EXIT_USAGE, so callers can return it directly.
 */
int lmctl_usage_error(const struct lmctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lmctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (cmd)
		fprintf(stderr, "Usage: %s\n", cmd->usage);
	else
		lmctl_print_usage(stderr);
	return LMCTL_EXIT_USAGE;
}

/**
 * lmctl_wants_help() - whether a command's arguments ask for its help
 * @argc: number of words after the command name
 * @argv: those words
 *
 * Return: true if any word is -h or --help.
 */
bool lmctl_wants_help(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	return false;
}

static int lmctl_cmd_help(const struct lmctl_opts *opts, int argc, char **argv)
{
	const struct lmctl_cmd *cmd;

	(void)opts;
	if (argc > 1)
		return lmctl_usage_error(lmctl_find("help"), "too many arguments");
	if (argc == 0) {
		lmctl_print_usage(stdout);
		return LMCTL_EXIT_OK;
	}
	cmd = lmctl_find(argv[0]);
	if (!cmd)
		return lmctl_usage_error(NULL, "unknown command '%s'", argv[0]);
	lmctl_print_cmd_help(cmd);
	return LMCTL_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct lmctl_opts opts = {};
	const struct lmctl_cmd *cmd;
	int i = 1;

	/* Global options come before the command. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			opts.json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			lmctl_print_usage(stdout);
			return LMCTL_EXIT_OK;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("lmctl %s\n", LMCTL_VERSION);
			return LMCTL_EXIT_OK;
		} else {
			return lmctl_usage_error(NULL, "unknown option '%s'", argv[i]);
		}
	}

	if (i == argc)
		return lmctl_cmd_show(&opts, 0, NULL);

	cmd = lmctl_find(argv[i]);
	if (!cmd)
		return lmctl_usage_error(NULL, "unknown command '%s'", argv[i]);
	if (lmctl_wants_help(argc - i - 1, argv + i + 1)) {
		lmctl_print_cmd_help(cmd);
		return LMCTL_EXIT_OK;
	}
	return cmd->fn(&opts, argc - i - 1, argv + i + 1);
}
