// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl network: the migration networks, the local networks on which this
 * host accepts migrations. add switches the host to "specific" (as the
 * kernel's NETWORK_ADD does), del keeps the mode, any/specific only switch.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lmctl.h"
#include "settings.h"

static int lm_network_cmd(const struct lmctl_cmd *cmd, int nl_cmd, int argc,
			  char **argv)
{
	struct lm_prefix p;
	struct nl_msg *msg;
	uint64_t prio = 0;
	struct lm_nl nl;
	bool add = nl_cmd == LIVEMIG_CMD_NETWORK_ADD;
	int err;

	if (!argc)
		return lmctl_usage_error(cmd, "missing PREFIX");
	if (argv[0][0] == '-')
		return lmctl_arg_error(cmd, argv[0]);
	if (lm_parse_prefix(argv[0], &p))
		return lmctl_usage_error(cmd, "'%s' is not a prefix (ADDR/LEN, IPv4 or IPv6)",
					 argv[0]);
	if (add && argc >= 2 && !strcmp(argv[1], "priority")) {
		if (argc < 3)
			return lmctl_usage_error(cmd, "priority: missing number");
		err = lm_parse_u64(argv[2], UINT32_MAX, &prio);
		if (err)
			return lmctl_usage_error(cmd, "priority: '%s' is %s", argv[2],
						 err == -ERANGE ? "too large" : "not a number");
		argc -= 2;
		argv += 2;
	}
	if (argc > 1)
		return lmctl_arg_error(cmd, argv[1]);
	p.priority = prio;

	err = lm_nl_connect(&nl);
	if (err)
		return err;
	msg = lm_nl_msg(&nl, nl_cmd, 0);
	if (!msg) {
		err = -ENOMEM;
	} else if (lm_put_prefix(msg, LIVEMIG_A_NETWORK, &p, add)) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
	} else {
		err = lm_nl_request(&nl, msg, NULL, NULL);
	}
	if (err)
		lm_nl_perror(&nl, add ? "network add" : "network del", err);
	lm_nl_close(&nl);
	return err ? LMCTL_EXIT_ERROR : LMCTL_EXIT_OK;
}

static int lm_network_mode(const struct lmctl_cmd *cmd, uint8_t mode, int argc,
			   char **argv)
{
	static struct lm_conf c;

	if (argc)
		return lmctl_arg_error(cmd, argv[0]);
	memset(&c, 0, sizeof(c));
	c.network_mode = mode;
	c.have = LM_HAVE(LM_F_NETWORK_MODE);
	return lm_settings_apply(&c, NULL, mode == LIVEMIG_NETWORK_ANY ?
				 "network any" : "network specific");
}

static int lm_network_list(const struct lmctl_cmd *cmd, const struct lmctl_opts *opts,
			   int argc, char **argv)
{
	static struct lm_conf c;
	struct lm_json j;
	int ret;

	if (argc)
		return lmctl_arg_error(cmd, argv[0]);
	ret = lm_settings_fetch(&c);
	if (ret)
		return ret;
	if (opts->json) {
		lm_json_init(&j, stdout);
		lm_json_obj(&j, NULL);
		lm_networks_json(&j, &c);
		lm_json_end_obj(&j);
	} else {
		lm_networks_print(stdout, &c);
	}
	return LMCTL_EXIT_OK;
}

int lmctl_cmd_network(const struct lmctl_opts *gopts, int argc, char **argv)
{
	const struct lmctl_cmd *cmd = lmctl_find("network");
	struct lmctl_opts opts = *gopts;
	const char *sub;

	argc = lmctl_take_json(&opts, argc, argv);
	if (!argc)
		return lmctl_usage_error(cmd, "missing subcommand (add, del, any, specific or list)");
	sub = argv[0];
	argc--;
	argv++;
	if (!strcmp(sub, "add"))
		return lm_network_cmd(cmd, LIVEMIG_CMD_NETWORK_ADD, argc, argv);
	if (!strcmp(sub, "del"))
		return lm_network_cmd(cmd, LIVEMIG_CMD_NETWORK_DEL, argc, argv);
	if (!strcmp(sub, "any"))
		return lm_network_mode(cmd, LIVEMIG_NETWORK_ANY, argc, argv);
	if (!strcmp(sub, "specific"))
		return lm_network_mode(cmd, LIVEMIG_NETWORK_SPECIFIC, argc, argv);
	if (!strcmp(sub, "list"))
		return lm_network_list(cmd, &opts, argc, argv);
	if (sub[0] == '-')
		return lmctl_arg_error(cmd, sub);
	return lmctl_usage_error(cmd, "unknown subcommand '%s'", sub);
}
