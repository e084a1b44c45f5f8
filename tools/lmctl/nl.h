/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lmctl: a small client of the livemig generic netlink family on libnl-3.
 */
#ifndef LMCTL_NL_H
#define LMCTL_NL_H

#include <netlink/attr.h>
#include <netlink/msg.h>

#include <linux/livemig.h>

/**
 * struct lm_nl - a connection to the livemig family
 * @sk: the libnl socket
 * @family: the family id resolved at open
 * @extack: the kernel's sentence for the last error, "" if none
 * @bad_attr: top-level attribute of the request that the kernel blamed for
 *	the last error, or 0
 * @bad_off: the kernel's offset of the blamed attribute in the request
 * @unsolicited: called with the family's messages that arrive during a
 *	request but do not answer it (the kernel's unicast messages to an
 *	agent), or NULL: such a message is then an error
 * @unsolicited_arg: passed to @unsolicited
 */
struct lm_nl {
	struct nl_sock *sk;
	int family;
	char extack[256];
	int bad_attr;
	unsigned int bad_off;
	int (*unsolicited)(struct nl_msg *msg, void *arg);
	void *unsolicited_arg;
};

typedef int (*lm_nl_reply_fn)(struct nlattr **tb, void *arg);

int lm_nl_open(struct lm_nl *nl);
int lm_nl_connect(struct lm_nl *nl);
int lm_nl_join_events(struct lm_nl *nl);
void lm_nl_close(struct lm_nl *nl);
struct nl_msg *lm_nl_msg(struct lm_nl *nl, int cmd, int flags);
int lm_nl_request(struct lm_nl *nl, struct nl_msg *msg,
		  lm_nl_reply_fn fn, void *arg);
int lm_nl_fetch(int cmd, lm_nl_reply_fn fn, void *arg,
		void (*clear)(void *arg), const char *what, const char *too_old);
void *lm_grow(void **arr, unsigned int n, unsigned int *cap, size_t size);
void lm_nl_perror(const struct lm_nl *nl, const char *what, int err);

#endif /* LMCTL_NL_H */
