// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl show and version: what the module and this host report.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lmctl.h"
#include "nl.h"

/**
 * struct lm_version - the reply of LIVEMIG_CMD_GET_VERSION
 * @module: module version string
 * @genl: family version
 * @proto: newest wire protocol version
 * @proto_min: oldest wire protocol version accepted
 */
struct lm_version {
	char module[LIVEMIG_VERSION_STR_MAX];
	unsigned int genl;
	unsigned int proto;
	unsigned int proto_min;
};

static int lm_version_parse(struct nlattr **tb, void *arg)
{
	struct lm_version *v = arg;

	if (!tb[LIVEMIG_A_VERSION_MODULE] || !tb[LIVEMIG_A_VERSION_GENL] ||
	    !tb[LIVEMIG_A_VERSION_PROTO] || !tb[LIVEMIG_A_VERSION_PROTO_MIN])
		return -EBADMSG;

	nla_strlcpy(v->module, tb[LIVEMIG_A_VERSION_MODULE], sizeof(v->module));
	v->genl = nla_get_u32(tb[LIVEMIG_A_VERSION_GENL]);
	v->proto = nla_get_u32(tb[LIVEMIG_A_VERSION_PROTO]);
	v->proto_min = nla_get_u32(tb[LIVEMIG_A_VERSION_PROTO_MIN]);
	return 0;
}

static int lm_get_version(struct lm_version *v)
{
	struct lm_nl nl;
	struct nl_msg *msg;
	int err;

	err = lm_nl_open(&nl);
	if (err == -ENOENT) {
		fprintf(stderr, "lmctl: the livemig module is not loaded (no generic netlink family '%s')\n",
			LIVEMIG_GENL_NAME);
		return LMCTL_EXIT_ERROR;
	}
	if (err) {
		lm_nl_perror(NULL, "connect to the kernel", err);
		return LMCTL_EXIT_ERROR;
	}

	msg = lm_nl_msg(&nl, LIVEMIG_CMD_GET_VERSION, 0);
	err = msg ? lm_nl_request(&nl, msg, lm_version_parse, v) : -ENOMEM;
	if (err)
		lm_nl_perror(&nl, "get version", err);
	lm_nl_close(&nl);
	return err ? LMCTL_EXIT_ERROR : LMCTL_EXIT_OK;
}

static int lm_print_version(const struct lmctl_opts *opts, int argc,
			    const char *usage)
{
	struct lm_version v = {};
	int ret;

	if (argc)
		return lmctl_usage_error(NULL, "unexpected argument; usage: %s",
					 usage);
	ret = lm_get_version(&v);
	if (ret)
		return ret;

	if (opts->json)
		printf("{\"lmctl\":\"%s\",\"module\":\"%s\",\"genl_version\":%u,"
		       "\"protocol\":{\"min\":%u,\"max\":%u}}\n",
		       LMCTL_VERSION, v.module, v.genl, v.proto_min, v.proto);
	else
		printf("lmctl:    %s\nmodule:   livemig %s (netlink family version %u)\nprotocol: %u..%u\n",
		       LMCTL_VERSION, v.module, v.genl, v.proto_min, v.proto);
	return LMCTL_EXIT_OK;
}

int lmctl_cmd_show(const struct lmctl_opts *opts, int argc, char **argv)
{
	(void)argv;
	return lm_print_version(opts, argc, "lmctl show [-j]");
}

int lmctl_cmd_version(const struct lmctl_opts *opts, int argc, char **argv)
{
	(void)argv;
	return lm_print_version(opts, argc, "lmctl version [-j]");
}
