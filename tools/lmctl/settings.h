/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lmctl: the host's settings between struct lm_conf and netlink, and how
 * they are printed (show, network list, monitor).
 */
#ifndef LMCTL_SETTINGS_H
#define LMCTL_SETTINGS_H

#include <stdio.h>

#include "json.h"
#include "nl.h"
#include "parse.h"

int lm_settings_parse(struct nlattr **tb, struct lm_conf *c);
int lm_settings_get(struct lm_nl *nl, struct lm_conf *c);
int lm_settings_fetch(struct lm_conf *c);
int lm_settings_put(struct nl_msg *msg, const struct lm_conf *c,
		    const uint8_t *psk);
int lm_settings_apply(const struct lm_conf *c, const uint8_t *psk,
		      const char *what);
int lm_put_prefix(struct nl_msg *msg, int type, const struct lm_prefix *p,
		  bool priority);

void lm_settings_print(FILE *f, const struct lm_conf *c);
void lm_settings_json(struct lm_json *j, const char *key,
		      const struct lm_conf *c);
void lm_networks_print(FILE *f, const struct lm_conf *c);
void lm_networks_json(struct lm_json *j, const struct lm_conf *c);
void lm_auth_describe(char *buf, size_t size, const struct lm_conf *c);
void lm_format_fpr(char *buf, size_t size, const uint8_t *fpr);

#endif /* LMCTL_SETTINGS_H */
