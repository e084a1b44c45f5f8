// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl enable, disable, set-performance and set: each builds the part of
 * the settings it changes and sends it as one SETTINGS_SET request. The CLI
 * only checks syntax; the kernel judges ranges and answers with its own
 * sentence, which is printed verbatim (exit 1).
 */
#include <stdio.h>
#include <string.h>

#include "key.h"
#include "lmctl.h"
#include "settings.h"

/*
 * Sends @c, reading the key first if it names a key file; the key is wiped
 * whatever happens.
 */
static int lm_set_send(struct lm_conf *c, const char *what)
{
	uint8_t psk[LIVEMIG_PSK_LEN];
	int ret;

	if (!(c->have & LM_HAVE(LM_F_PSK_FILE)))
		return lm_settings_apply(c, NULL, what);

	ret = lm_key_read(c->psk_file, psk, c->psk_file, sizeof(c->psk_file));
	if (!ret)
		ret = lm_settings_apply(c, psk, what);
	explicit_bzero(psk, sizeof(psk));
	return ret;
}

/* disable --now also cancels what is in progress (@now_ok: disable). */
static int lm_set_enabled(const char *name, bool on, bool now_ok, int argc,
			  char **argv)
{
	static struct lm_conf c;

	memset(&c, 0, sizeof(c));
	if (now_ok && argc && !strcmp(argv[0], "--now")) {
		c.cancel_active = true;
		argc--;
		argv++;
	}
	if (argc)
		return lmctl_arg_error(lmctl_find(name), argv[0]);
	c.enabled = on;
	c.have = LM_HAVE(LM_F_ENABLED);
	return lm_set_send(&c, name);
}

int lmctl_cmd_enable(const struct lmctl_opts *opts, int argc, char **argv)
{
	(void)opts;
	return lm_set_enabled("enable", true, false, argc, argv);
}

int lmctl_cmd_disable(const struct lmctl_opts *opts, int argc, char **argv)
{
	(void)opts;
	return lm_set_enabled("disable", false, true, argc, argv);
}

int lmctl_cmd_set_performance(const struct lmctl_opts *opts, int argc, char **argv)
{
	const struct lmctl_cmd *cmd = lmctl_find("set-performance");
	static struct lm_conf c;
	int p;

	(void)opts;
	if (!argc)
		return lmctl_usage_error(cmd, "missing option (tcp, compression or rdma)");
	if (argv[0][0] == '-')
		return lmctl_arg_error(cmd, argv[0]);
	if (argc > 1)
		return lmctl_arg_error(cmd, argv[1]);
	p = lm_parse_name(argv[0], lm_perf_names, __LIVEMIG_PERF_MAX);
	if (p < 0)
		return lmctl_usage_error(cmd, "unknown performance option '%s'", argv[0]);
	memset(&c, 0, sizeof(c));
	c.performance = p;
	c.have = LM_HAVE(LM_F_PERFORMANCE);
	return lm_set_send(&c, "set-performance");
}

int lmctl_cmd_set(const struct lmctl_opts *opts, int argc, char **argv)
{
	const struct lmctl_cmd *cmd = lmctl_find("set");
	static struct lm_conf c;
	char err[LM_ERR_MAX];
	int i, n;

	(void)opts;
	if (!argc)
		return lmctl_usage_error(cmd, "missing setting");
	memset(&c, 0, sizeof(c));
	for (i = 0; i < argc; i += n) {
		if (argv[i][0] == '-')
			return lmctl_arg_error(cmd, argv[i]);
		n = lm_conf_phrase(&c, LM_CTX_SET, argc - i, argv + i, err, sizeof(err));
		if (n < 0)
			return lmctl_usage_error(cmd, "%s", err);
	}
	return lm_set_send(&c, "set");
}
