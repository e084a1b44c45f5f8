// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl show and version: what the module and this host report, as aligned
 * "key: value" lines for people or as one JSON object (-j) for programs.
 * The JSON member names and their order are a stable interface (lmctl.8).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lmctl.h"
#include "mig.h"
#include "settings.h"
#include "vm.h"

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

void lm_format_fpr(char *buf, size_t size, const uint8_t *fpr)
{
	size_t i;

	for (i = 0; i < LIVEMIG_PSK_FPR_LEN && 2 * i + 2 < size; i++)
		snprintf(buf + 2 * i, size - 2 * i, "%02x", fpr[i]);
}

/**
 * lm_auth_describe() - the authentication line of show
 * @buf: output
 * @size: its size
 * @c: settings from the kernel
 */
void lm_auth_describe(char *buf, size_t size, const struct lm_conf *c)
{
	char fpr[2 * LIVEMIG_PSK_FPR_LEN + 1] = "";

	if (c->auth == LIVEMIG_AUTH_NONE) {
		snprintf(buf, size, "none: NOT authenticated, NOT encrypted");
		return;
	}
	if (c->auth != LIVEMIG_AUTH_PSK) {
		snprintf(buf, size, "%s", LM_NAME(lm_auth_names, c->auth));
		return;
	}
	if (!c->psk_present) {
		snprintf(buf, size, "psk, no key: migrations will be refused");
		return;
	}
	if (c->psk_fpr_present)
		lm_format_fpr(fpr, sizeof(fpr), c->psk_fpr);
	if (c->psk_file[0])
		snprintf(buf, size, "psk, key fingerprint %s (from %s)", fpr,
			 c->psk_file);
	else
		snprintf(buf, size, "psk, key fingerprint %s", fpr);
}

static void lm_format_listener(char *buf, size_t size, const struct lm_listener *l)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	inet_ntop(l->family, l->addr, addr, sizeof(addr));
	snprintf(buf, size, l->family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
		 l->port);
}

/**
 * lm_networks_print() - the networks lines of show and network list
 * @f: where
 * @c: settings from the kernel
 */
void lm_networks_print(FILE *f, const struct lm_conf *c)
{
	char buf[LM_PREFIX_STR_MAX];
	unsigned int i;

	if (c->network_mode == LIVEMIG_NETWORK_SPECIFIC && !c->n_networks)
		lm_kv(f, "networks", "specific, none listed: accepts no migration");
	else if (c->network_mode == LIVEMIG_NETWORK_ANY && c->n_networks)
		lm_kv(f, "networks", "any (the list below is kept, not used)");
	else
		lm_kv(f, "networks", "%s", LM_NAME(lm_mode_names, c->network_mode));
	for (i = 0; i < c->n_networks; i++) {
		if (lm_format_prefix(buf, sizeof(buf), &c->networks[i]) < 0)
			snprintf(buf, sizeof(buf), "?");
		fprintf(f, "    %-43s priority %u\n", buf, c->networks[i].priority);
	}
}

/**
 * lm_settings_print() - the human form of show
 * @f: where
 * @c: settings from the kernel
 */
void lm_settings_print(FILE *f, const struct lm_conf *c)
{
	char buf[LIVEMIG_PATH_MAX + 128];
	unsigned int i;
	size_t n = 0;

	fprintf(f, "host: %s%s\n", c->host_name,
		c->host_name_default ? " (the node name)" : "");
	lm_kv(f, "enabled", "%s", c->enabled ? "yes" : "no");
	lm_kv(f, "max migrations", "%u per direction", c->max_migrations);
	lm_networks_print(f, c);

	buf[0] = '\0';
	for (i = 0; i < c->n_listeners && n < sizeof(buf) - 64; i++) {
		n += snprintf(buf + n, sizeof(buf) - n, "%s", i ? ", " : "");
		lm_format_listener(buf + n, sizeof(buf) - n, &c->listeners[i]);
		n = strlen(buf);
	}
	if (c->listeners_dropped)
		snprintf(buf + n, sizeof(buf) - n, " and %u more", c->listeners_dropped);
	if (!c->n_listeners)
		snprintf(buf, sizeof(buf), "nowhere%s",
			 c->enabled ? "" : " (migrations are disabled)");
	lm_kv(f, "listening", "%s", buf);

	lm_auth_describe(buf, sizeof(buf), c);
	lm_kv(f, "authentication", "%s", buf);
	lm_kv(f, "performance", "%s", LM_NAME(lm_perf_names, c->performance));
	if (c->compression_level)
		lm_kv(f, "compression", "%s, level %u",
			LM_NAME(lm_comp_names, c->compression), c->compression_level);
	else
		lm_kv(f, "compression", "%s%s", LM_NAME(lm_comp_names, c->compression),
			c->compression == LIVEMIG_COMPRESS_ZSTD ? ", default level" : "");
	lm_kv(f, "streams", "%u", c->streams);
	lm_kv(f, "port", "%u", c->port);
	if (c->bandwidth) {
		lm_format_rate(buf, sizeof(buf), c->bandwidth);
		if (buf[strlen(buf) - 1] > '9')
			lm_kv(f, "bandwidth", "%llu bytes/s (%siB/s)",
				(unsigned long long)c->bandwidth, buf);
		else
			lm_kv(f, "bandwidth", "%s bytes/s", buf);
	} else {
		lm_kv(f, "bandwidth", "unlimited");
	}
	lm_kv(f, "downtime", "%u ms", c->downtime_ms);
}

/**
 * lm_networks_json() - "network_mode" and "networks" members
 * @j: inside an object
 * @c: settings from the kernel
 */
void lm_networks_json(struct lm_json *j, const struct lm_conf *c)
{
	char buf[LM_PREFIX_STR_MAX];
	unsigned int i;

	lm_json_str(j, "network_mode", LM_NAME(lm_mode_names, c->network_mode));
	lm_json_arr(j, "networks");
	for (i = 0; i < c->n_networks; i++) {
		if (lm_format_prefix(buf, sizeof(buf), &c->networks[i]) < 0)
			continue;
		lm_json_obj(j, NULL);
		lm_json_str(j, "prefix", buf);
		lm_json_u64(j, "priority", c->networks[i].priority);
		lm_json_end_obj(j);
	}
	lm_json_end_arr(j);
}

/* The members of the settings object, for show and monitor. */
static void lm_settings_json_members(struct lm_json *j, const struct lm_conf *c)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned int i;

	lm_json_str(j, "host_name", c->host_name);
	lm_json_bool(j, "host_name_default", c->host_name_default);
	lm_json_bool(j, "enabled", c->enabled);
	lm_json_u64(j, "max_migrations", c->max_migrations);
	lm_networks_json(j, c);
	lm_json_str(j, "auth", LM_NAME(lm_auth_names, c->auth));
	lm_json_obj(j, "psk");
	lm_json_bool(j, "present", c->psk_present);
	if (c->psk_fpr_present) {
		lm_format_fpr(buf, sizeof(buf), c->psk_fpr);
		lm_json_str(j, "fingerprint", buf);
	} else {
		lm_json_null(j, "fingerprint");
	}
	if (c->psk_file[0])
		lm_json_str(j, "file", c->psk_file);
	else
		lm_json_null(j, "file");
	lm_json_end_obj(j);
	lm_json_str(j, "performance", LM_NAME(lm_perf_names, c->performance));
	lm_json_obj(j, "compression");
	lm_json_str(j, "algorithm", LM_NAME(lm_comp_names, c->compression));
	lm_json_u64(j, "level", c->compression_level);
	lm_json_end_obj(j);
	lm_json_u64(j, "streams", c->streams);
	lm_json_u64(j, "port", c->port);
	lm_json_u64(j, "bandwidth", c->bandwidth);
	lm_json_u64(j, "downtime_ms", c->downtime_ms);
	lm_json_arr(j, "listeners");
	for (i = 0; i < c->n_listeners; i++) {
		lm_json_obj(j, NULL);
		inet_ntop(c->listeners[i].family, c->listeners[i].addr, buf, sizeof(buf));
		lm_json_str(j, "address", buf);
		lm_json_u64(j, "port", c->listeners[i].port);
		lm_json_end_obj(j);
	}
	lm_json_end_arr(j);
}

/**
 * lm_settings_json() - the settings as one object
 * @j: the document
 * @key: member name, or NULL at the top level
 * @c: settings from the kernel
 */
void lm_settings_json(struct lm_json *j, const char *key, const struct lm_conf *c)
{
	lm_json_obj(j, key);
	lm_settings_json_members(j, c);
	lm_json_end_obj(j);
}

int lmctl_cmd_show(const struct lmctl_opts *gopts, int argc, char **argv)
{
	struct lmctl_opts opts = *gopts;
	static struct lm_conf c;
	struct lm_vm_list vms;
	struct lm_json j;
	int ret;

	argc = lmctl_take_json(&opts, argc, argv);
	if (argc)
		return lmctl_arg_error(lmctl_find("show"), argv[0]);
	ret = lm_settings_fetch(&c);
	if (ret)
		return ret;
	/* A module without VM registration still shows its settings. */
	ret = lm_vms_fetch(&vms, true);
	if (ret) {
		lm_vms_free(&vms);
		return ret;
	}
	if (opts.json) {
		lm_json_init(&j, stdout);
		lm_json_obj(&j, NULL);
		lm_settings_json_members(&j, &c);
		if (!vms.unsupported)
			lm_vms_json(&j, "vms", &vms);
		lm_json_end_obj(&j);
	} else {
		lm_settings_print(stdout, &c);
		lm_vms_show(stdout, &vms);
	}
	lm_vms_free(&vms);
	return LMCTL_EXIT_OK;
}

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

	err = lm_nl_connect(&nl);
	if (err)
		return err;
	msg = lm_nl_msg(&nl, LIVEMIG_CMD_GET_VERSION, 0);
	err = msg ? lm_nl_request(&nl, msg, lm_version_parse, v) : -ENOMEM;
	if (err)
		lm_nl_perror(&nl, "get version", err);
	lm_nl_close(&nl);
	return err ? LMCTL_EXIT_ERROR : LMCTL_EXIT_OK;
}

int lmctl_cmd_version(const struct lmctl_opts *gopts, int argc, char **argv)
{
	struct lmctl_opts opts = *gopts;
	struct lm_version v = {};
	int ret;

	argc = lmctl_take_json(&opts, argc, argv);
	if (argc)
		return lmctl_arg_error(lmctl_find("version"), argv[0]);
	ret = lm_get_version(&v);
	if (ret)
		return ret;

	if (opts.json)
		printf("{\"lmctl\":\"%s\",\"module\":\"%s\",\"genl_version\":%u,"
		       "\"protocol\":{\"min\":%u,\"max\":%u}}\n",
		       LMCTL_VERSION, v.module, v.genl, v.proto_min, v.proto);
	else
		printf("lmctl:    %s\nmodule:   livemig %s (netlink family version %u)\nprotocol: %u..%u\n",
		       LMCTL_VERSION, v.module, v.genl, v.proto_min, v.proto);
	return LMCTL_EXIT_OK;
}
