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
	  "show this host's migration settings, where it listens and its VMs", NULL },
	{ "enable", lmctl_cmd_enable, "lmctl enable",
	  "allow migrations in and out of this host", NULL },
	{ "disable", lmctl_cmd_disable, "lmctl disable [--now]",
	  "refuse new migrations in and out of this host",
	  "Migrations in progress finish; with --now they are cancelled (the VM\n"
	  "runs on at its source), except those already committing.\n" },
	{ "set", lmctl_cmd_set,
	  "lmctl set SETTING VALUE [SETTING VALUE]...",
	  "change settings, all in one request (all or nothing)",
	  "SETTING VALUE is one of:\n"
	  "    max-migrations N        simultaneous migrations per direction\n"
	  "    streams N               data connections per migration\n"
	  "    port P                  the migration port\n"
	  "    bandwidth RATE          bytes/s, K/M/G suffixes (powers of 1024), 0 = no limit\n"
	  "    downtime MS             longest pause at switch-over\n"
	  "    compression ALG[:LEVEL] lz4, zstd or zstd:LEVEL\n"
	  "    performance OPTION      tcp, compression or rdma\n"
	  "    host-name NAME          the host's name (\"\" = the node name)\n"
	  "    enabled yes|no          as enable and disable\n"
	  "    auth psk key-file PATH  authenticate and encrypt with a key from lmctl genkey\n"
	  "    auth none               NO authentication, NO encryption (lab networks)\n"
	  "The kernel checks the ranges and says which value it refused." },
	{ "set-performance", lmctl_cmd_set_performance,
	  "lmctl set-performance tcp|compression|rdma",
	  "choose how pages travel", NULL },
	{ "genkey", lmctl_cmd_genkey, "lmctl genkey",
	  "print a new random key (base64) for auth psk", NULL },
	{ "network", lmctl_cmd_network,
	  "lmctl network add PREFIX [priority N]\n"
	  "       lmctl network del PREFIX\n"
	  "       lmctl network any | specific\n"
	  "       lmctl network list [-j]",
	  "choose the networks on which this host accepts migrations", NULL },
	{ "vm", lmctl_cmd_vm, "lmctl vm list [-j]",
	  "list the VMs that VMMs registered on this host", NULL },
	{ "move", lmctl_cmd_move, "lmctl move NAME HOST[:PORT] [--detach]",
	  "move a running VM to another host and follow it to the end",
	  "NAME is a VM registered on this host (lmctl vm list). HOST is the\n"
	  "destination's migration address, IPv4 or IPv6 ([ADDR]:PORT with a port),\n"
	  "or a name, of which the first address is used (and said). PORT defaults\n"
	  "to this host's port setting.\n"
	  "On a terminal one progress line is redrawn: state, percent of the round\n"
	  "sent, rate, round and memory left; otherwise one line per state change.\n"
	  "The end is a summary (exit 0) or the kernel's reason (exit 1).\n"
	  "    --detach   print the migration's id and leave it to the kernel\n"
	  "Ctrl-C cancels the migration and waits for the VM to be back; a second\n"
	  "Ctrl-C stops waiting (the kernel goes on). In doubt (COMMIT sent, no\n"
	  "answer), the VM stays paused here: check the destination, then\n"
	  "lmctl resolve ID --resume-source if it does not run the VM." },
	{ "list", lmctl_cmd_list, "lmctl list [-j]",
	  "list this host's migrations, out and in, active and finished", NULL },
	{ "status", lmctl_cmd_status, "lmctl status ID [-j]",
	  "show every detail and statistic of one migration", NULL },
	{ "cancel", lmctl_cmd_cancel, "lmctl cancel ID",
	  "cancel a migration before its switch-over: the VM stays on the source", NULL },
	{ "resolve", lmctl_cmd_resolve, "lmctl resolve ID --resume-source",
	  "resume on this host the VM of a migration left in doubt",
	  "Use it only after checking that the destination does not run the VM:\n"
	  "two running copies of one VM corrupt its disks and confuse its network.\n"
	  "--resume-source is required; it is the only resolution." },
	{ "agent", lmctl_cmd_agent, "lmctl agent --exec CMD [ARG...]",
	  "start a destination VMM for every incoming migration",
	  "Registers as this host's agent (one per host) and runs until SIGINT or\n"
	  "SIGTERM; the VMMs it started keep running. For each incoming migration\n"
	  "it runs CMD with the ARGs exactly as given (no shell; every word after\n"
	  "CMD belongs to it, --help included), in its own session, with:\n"
	  "    fd 0                /dev/null\n"
	  "    fd 1, 2             the agent's\n"
	  "    fd 3                the VM's configuration from the source, in a\n"
	  "                        sealed memfd (read-only, fixed size)\n"
	  "    LIVEMIG_MIG_ID      the incoming migration's id, for VM_ADD\n"
	  "    LIVEMIG_VM_NAME     the VM's name (1 to 64 of A-Z a-z 0-9 - _ .)\n"
	  "    LIVEMIG_VCPUS       its number of vCPUs\n"
	  "    LIVEMIG_PEER_NAME   the source host's name\n"
	  "    LIVEMIG_CONFIG_FD   3\n"
	  "and no other descriptor. The VMM attaches its VM with VM_ADD and the id\n"
	  "within 10 s, or refuses with MIG_REFUSE. When CMD cannot be started, or\n"
	  "the VM name is not valid, the agent refuses the migration and the source\n"
	  "says why. One line per event: a VMM started or refused, a VMM exited." },
	{ "showconf", lmctl_cmd_showconf, "lmctl showconf",
	  "print the settings in the config file format", NULL },
	{ "setconf", lmctl_cmd_setconf, "lmctl setconf FILE",
	  "apply a config file: every setting, one request, all or nothing", NULL },
	{ "monitor", lmctl_cmd_monitor, "lmctl monitor [-j] [--count N]",
	  "print settings changes and migration events as they happen", NULL },
	{ "version", lmctl_cmd_version, "lmctl version [-j]",
	  "show the versions of lmctl, the module and the protocol", NULL },
	{ "help", lmctl_cmd_help, "lmctl help [COMMAND]",
	  "show this help or a command's", NULL },
};

#define LMCTL_NCMDS (sizeof(lmctl_cmds) / sizeof(lmctl_cmds[0]))

/**
 * lmctl_find() - a command by name
 * @name: what the user typed
 *
 * Return: the command, or NULL.
 */
const struct lmctl_cmd *lmctl_find(const char *name)
{
	size_t i;

	for (i = 0; i < LMCTL_NCMDS; i++)
		if (!strcmp(lmctl_cmds[i].name, name))
			return &lmctl_cmds[i];
	return NULL;
}

static void lmctl_print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: lmctl [-j|--json] [COMMAND [ARGS...]]\n\n"
		   "Commands (none means show):\n");
	for (i = 0; i < LMCTL_NCMDS; i++)
		fprintf(f, "  %-16s %s\n", lmctl_cmds[i].name, lmctl_cmds[i].help);
	fprintf(f, "\n'lmctl COMMAND --help' describes a command; man lmctl tells all.\n"
		   "Exit status: 0 done, 1 refused by the kernel or the system, 2 usage error.\n");
}

void lmctl_print_cmd_help(const struct lmctl_cmd *cmd)
{
	printf("Usage: %s\n\n%s\n", cmd->usage, cmd->help);
	if (cmd->details)
		printf("\n%s\n", cmd->details);
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
	if (!cmd)
		lmctl_print_usage(stderr);
	else if (cmd->details)
		fprintf(stderr, "Usage: %s\n'lmctl %s --help' says more.\n",
			cmd->usage, cmd->name);
	else
		fprintf(stderr, "Usage: %s\n", cmd->usage);
	return LMCTL_EXIT_USAGE;
}

/**
 * lmctl_arg_error() - a word the command does not take
 * @cmd: the command
 * @word: the word
 *
 * Return: %LMCTL_EXIT_USAGE.
 */
int lmctl_arg_error(const struct lmctl_cmd *cmd, const char *word)
{
	if (word[0] == '-' && word[1])
		return lmctl_usage_error(cmd, "unknown option '%s'", word);
	return lmctl_usage_error(cmd, "unexpected argument '%s'", word);
}

/**
 * lmctl_take_json() - accept -j/--json after the command too
 * @opts: json set when found
 * @argc: number of words after the command name
 * @argv: those words; -j and --json are removed in place
 *
 * Return: the number of words left.
 */
int lmctl_take_json(struct lmctl_opts *opts, int argc, char **argv)
{
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			opts->json = true;
		else
			argv[n++] = argv[i];
	}
	return n;
}

/**
 * lmctl_wants_help() - whether a command's arguments ask for its help
 * @argc: number of words after the command name
 * @argv: those words
 *
 * Words after "--" (end of options) or "--exec" (another program's
 * command line, for agent) are not lmctl's and are not looked at.
 *
 * Return: true if any word is -h or --help.
 */
bool lmctl_wants_help(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--") || !strcmp(argv[i], "--exec"))
			return false;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

static int lmctl_cmd_help(const struct lmctl_opts *opts, int argc, char **argv)
{
	const struct lmctl_cmd *cmd;

	(void)opts;
	if (argc > 1)
		return lmctl_arg_error(lmctl_find("help"), argv[1]);
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

/**
 * lmctl_catch_signals() - have SIGINT, SIGTERM (and @also) call @fn, blocked
 * @fn: the handler; it should only set a flag
 * @also: one more signal to catch, or 0
 * @orig: the mask before, to wait with in ppoll() and to restore at the end
 *
 * The signals stay blocked outside the caller's ppoll() with @orig, so a
 * signal between checking the flag and waiting is not lost: ppoll returns
 * at once.
 */
void lmctl_catch_signals(void (*fn)(int sig), int also, sigset_t *orig)
{
	struct sigaction sa = { .sa_handler = fn };
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (also)
		sigaddset(&block, also);
	sigprocmask(SIG_BLOCK, &block, orig);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (also)
		sigaction(also, &sa, NULL);
}
