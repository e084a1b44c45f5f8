// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl list, status, cancel and resolve: the migrations of this host,
 * outgoing and incoming, active and recently finished (the kernel keeps
 * finished ones for an hour), and the two things an operator may do to one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lmctl.h"
#include "mignl.h"

int lmctl_cmd_list(const struct lmctl_opts *gopts, int argc, char **argv)
{
	struct lmctl_opts opts = *gopts;
	struct lm_mig_list l;
	struct lm_json j;
	unsigned int i;
	int ret;

	argc = lmctl_take_json(&opts, argc, argv);
	if (argc)
		return lmctl_arg_error(lmctl_find("list"), argv[0]);
	ret = lm_mig_fetch_all(&l);
	if (ret) {
		lm_mig_list_free(&l);
		return ret;
	}
	if (opts.json) {
		lm_json_init(&j, stdout);
		lm_json_obj(&j, NULL);
		lm_json_arr(&j, "migrations");
		for (i = 0; i < l.n; i++)
			lm_mig_json(&j, NULL, &l.migs[i]);
		lm_json_end_arr(&j);
		lm_json_end_obj(&j);
	} else {
		lm_mig_list_print(stdout, l.migs, l.n);
	}
	lm_mig_list_free(&l);
	return LMCTL_EXIT_OK;
}

/* The one ID word of status, cancel and resolve. */
static int lm_take_id(const struct lmctl_cmd *cmd, const char *word, uint32_t *id)
{
	int err;

	if (word[0] == '-' && word[1])
		return lmctl_arg_error(cmd, word);
	err = lm_parse_mig_id(word, id);
	if (err)
		return lmctl_usage_error(cmd, "'%s' is not a migration id (lmctl list shows them)",
					 word);
	return LMCTL_EXIT_OK;
}

/* The one ID a command takes, and nothing after it. */
static int lm_take_one_id(const struct lmctl_cmd *cmd, int argc, char **argv,
			  uint32_t *id)
{
	int ret;

	if (!argc)
		return lmctl_usage_error(cmd, "missing ID");
	ret = lm_take_id(cmd, argv[0], id);
	if (ret)
		return ret;
	if (argc > 1)
		return lmctl_arg_error(cmd, argv[1]);
	return 0;
}

/* A request about migration @id failed (or not): say so, in one place. */
static int lm_report(struct lm_nl *nl, const char *what, int err,
		     const char *which, uint32_t id)
{
	if (err == -ENOENT && !nl->extack[0])
		fprintf(stderr, "lmctl: %s: no %smigration %u on this host\n", what, which, id);
	else if (err)
		lm_nl_perror(nl, what, err);
	return err;
}

int lmctl_cmd_status(const struct lmctl_opts *gopts, int argc, char **argv)
{
	const struct lmctl_cmd *cmd = lmctl_find("status");
	struct lmctl_opts opts = *gopts;
	static struct lm_mig m;
	struct lm_json j;
	struct lm_nl nl;
	uint32_t id;
	int ret, err;

	argc = lmctl_take_json(&opts, argc, argv);
	ret = lm_take_one_id(cmd, argc, argv, &id);
	if (ret)
		return ret;

	ret = lm_nl_connect(&nl);
	if (ret)
		return ret;
	err = lm_report(&nl, "status", lm_mig_get(&nl, id, &m), "", id);
	lm_nl_close(&nl);
	if (err)
		return LMCTL_EXIT_ERROR;

	if (opts.json) {
		lm_json_init(&j, stdout);
		lm_mig_json(&j, NULL, &m);
	} else {
		lm_mig_status_print(stdout, &m);
	}
	return LMCTL_EXIT_OK;
}

int lmctl_cmd_cancel(const struct lmctl_opts *opts, int argc, char **argv)
{
	const struct lmctl_cmd *cmd = lmctl_find("cancel");
	struct lm_nl nl;
	uint32_t id;
	int ret, err;

	(void)opts;
	ret = lm_take_one_id(cmd, argc, argv, &id);
	if (ret)
		return ret;

	ret = lm_nl_connect(&nl);
	if (ret)
		return ret;
	err = lm_report(&nl, "cancel", lm_mig_cancel(&nl, id), "active ", id);
	lm_nl_close(&nl);
	return err ? LMCTL_EXIT_ERROR : LMCTL_EXIT_OK;
}

/*
 * The kernel asks the VMM after answering: wait for the migration to
 * leave in-doubt (the VMM has 10 s to answer) and say how it went.
 */
static int lm_resolve_wait(struct lm_nl *nl, uint32_t id)
{
	static struct lm_mig m;
	const struct timespec tick = { .tv_nsec = 200 * 1000 * 1000 };
	int i, err;

	for (i = 0; i < 100; i++) {
		err = lm_mig_get(nl, id, &m);
		if (err)
			return lm_report(nl, "resolve", err, "", id);
		if (m.state != LIVEMIG_MIG_IN_DOUBT)
			break;
		nanosleep(&tick, NULL);
	}
	if (m.state == LIVEMIG_MIG_IN_DOUBT) {
		fprintf(stderr, "lmctl: resolve: migration %u is still in doubt: its VMM did not answer\n",
			id);
		return -ETIMEDOUT;
	}
	if (strcmp(m.error, LIVEMIG_RESOLVED_MSG)) {
		fprintf(stderr, "lmctl: resolve: migration %u: %s\n", id, m.error);
		return -EIO;
	}
	printf("migration %u resolved: %s runs on this host again\n", id, m.vm);
	return 0;
}

int lmctl_cmd_resolve(const struct lmctl_opts *opts, int argc, char **argv)
{
	const struct lmctl_cmd *cmd = lmctl_find("resolve");
	bool resume = false;
	const char *word = NULL;
	struct lm_nl nl;
	uint32_t id = 0;
	int i, ret, err;

	(void)opts;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--resume-source")) {
			resume = true;
		} else if (word) {
			return lmctl_arg_error(cmd, argv[i]);
		} else {
			ret = lm_take_id(cmd, argv[i], &id);
			if (ret)
				return ret;
			word = argv[i];
		}
	}
	if (!word)
		return lmctl_usage_error(cmd, "missing ID");
	/* The one resolution there is, spelt out: resuming is a decision. */
	if (!resume)
		return lmctl_usage_error(cmd,
					 "resolve needs --resume-source: check first that the destination does not run the VM");

	ret = lm_nl_connect(&nl);
	if (ret)
		return ret;
	err = lm_report(&nl, "resolve", lm_mig_resolve(&nl, id), "", id);
	if (!err)
		err = lm_resolve_wait(&nl, id);
	lm_nl_close(&nl);
	return err ? LMCTL_EXIT_ERROR : LMCTL_EXIT_OK;
}
