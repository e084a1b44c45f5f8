// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl showconf and setconf: the host's settings as a config file and
 * back. setconf sends the whole file as one SETTINGS_SET request: a line
 * that does not parse stops it before anything is sent (exit 2, FILE:LINE
 * named), and a request the kernel refuses changes nothing (exit 1).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "key.h"
#include "lmctl.h"
#include "settings.h"

#define LM_CONF_LINE_MAX	(LIVEMIG_PATH_MAX + 128)

int lmctl_cmd_showconf(const struct lmctl_opts *opts, int argc, char **argv)
{
	static struct lm_conf c;
	int ret;

	(void)opts;
	if (argc)
		return lmctl_arg_error(lmctl_find("showconf"), argv[0]);
	ret = lm_settings_fetch(&c);
	if (ret)
		return ret;
	lm_conf_write(stdout, &c);
	return fflush(stdout) ? LMCTL_EXIT_ERROR : LMCTL_EXIT_OK;
}

/* Reads the whole file; reports every bad line. */
static int lm_conf_read(FILE *f, const char *name, struct lm_conf *c)
{
	char line[LM_CONF_LINE_MAX + 2];
	char err[LM_ERR_MAX];
	unsigned int lineno = 0;
	int ret = LMCTL_EXIT_OK;

	lm_conf_defaults(c);
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);

		lineno++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			fprintf(stderr, "lmctl: %s:%u: line too long\n", name, lineno);
			return LMCTL_EXIT_USAGE;
		}
		if (lm_conf_line(c, line, err, sizeof(err))) {
			fprintf(stderr, "lmctl: %s:%u: %s\n", name, lineno, err);
			ret = LMCTL_EXIT_USAGE;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "lmctl: %s: %s\n", name, strerror(errno));
		return LMCTL_EXIT_ERROR;
	}
	lm_conf_complete(c);
	return ret;
}

int lmctl_cmd_setconf(const struct lmctl_opts *opts, int argc, char **argv)
{
	const struct lmctl_cmd *cmd = lmctl_find("setconf");
	uint8_t psk[LIVEMIG_PSK_LEN];
	static struct lm_conf c;
	char what[64 + LIVEMIG_PATH_MAX];
	const char *name;
	FILE *f;
	int ret;

	(void)opts;
	if (!argc)
		return lmctl_usage_error(cmd, "missing FILE");
	if (argv[0][0] == '-' && argv[0][1])
		return lmctl_arg_error(cmd, argv[0]);
	if (argc > 1)
		return lmctl_arg_error(cmd, argv[1]);

	if (!strcmp(argv[0], "-")) {
		name = "<stdin>";
		f = stdin;
	} else {
		name = argv[0];
		f = fopen(name, "re");
		if (!f) {
			fprintf(stderr, "lmctl: %s: %s\n", name, strerror(errno));
			return LMCTL_EXIT_ERROR;
		}
	}
	ret = lm_conf_read(f, name, &c);
	if (f != stdin)
		fclose(f);
	if (ret) {
		if (ret == LMCTL_EXIT_USAGE)
			fprintf(stderr, "lmctl: %s: nothing was changed\n", name);
		return ret;
	}

	snprintf(what, sizeof(what), "setconf %s", name);
	if (!(c.have & LM_HAVE(LM_F_PSK_FILE)))
		return lm_settings_apply(&c, NULL, what);
	ret = lm_key_read(c.psk_file, psk, c.psk_file, sizeof(c.psk_file));
	if (!ret)
		ret = lm_settings_apply(&c, psk, what);
	else
		fprintf(stderr, "lmctl: %s: nothing was changed\n", name);
	explicit_bzero(psk, sizeof(psk));
	return ret;
}
