/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lmctl: migrations on the wire. MIG_GET replies and MIG_NTF events
 * become a struct lm_mig; MIGRATE, MIG_GET, MIG_CANCEL and MIG_RESOLVE
 * requests are built here.
 */
#ifndef LMCTL_MIGNL_H
#define LMCTL_MIGNL_H

#include "mig.h"
#include "nl.h"

/**
 * struct lm_mig_list - the migrations of a host, in the kernel's order
 * @n: entries in @migs
 * @cap: room in @migs
 * @migs: the entries (malloc'ed)
 */
struct lm_mig_list {
	unsigned int n;
	unsigned int cap;
	struct lm_mig *migs;
};

int lm_mig_parse(struct nlattr **tb, struct lm_mig *m);
int lm_mig_start(struct lm_nl *nl, const char *vm, const struct lm_addr *peer,
		 uint16_t port, uint32_t *id);
int lm_mig_get(struct lm_nl *nl, uint32_t id, struct lm_mig *m);
int lm_mig_fetch_all(struct lm_mig_list *l);
void lm_mig_list_free(struct lm_mig_list *l);
int lm_mig_cancel(struct lm_nl *nl, uint32_t id);
int lm_mig_resolve(struct lm_nl *nl, uint32_t id);

#endif /* LMCTL_MIGNL_H */
