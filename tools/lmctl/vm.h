/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lmctl: the VMs registered on this host (VM_GET), for "vm list" and the
 * VMs section of "show".
 */
#ifndef LMCTL_VM_H
#define LMCTL_VM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "nl.h"

/**
 * struct lm_vm_entry - one registered VM as VM_GET reports it
 * @name: its name on this host
 * @pid: the owning VMM's pid in our pid namespace, 0 if not visible
 * @memory: bytes of guest RAM in its regions
 * @n_regions: how many regions
 */
struct lm_vm_entry {
	char name[LIVEMIG_VM_NAME_MAX];
	uint32_t pid;
	uint64_t memory;
	unsigned int n_regions;
};

/**
 * struct lm_vm_list - the VMs of a host, in the kernel's order
 * @n: entries in @vms
 * @cap: room in @vms
 * @vms: the entries (malloc'ed)
 * @unsupported: the module predates VM registration (no VM_GET)
 */
struct lm_vm_list {
	unsigned int n;
	unsigned int cap;
	struct lm_vm_entry *vms;
	bool unsupported;
};

int lm_vms_fetch(struct lm_vm_list *l, bool optional);
void lm_vms_free(struct lm_vm_list *l);
void lm_vms_print(FILE *f, const struct lm_vm_list *l);
void lm_vms_show(FILE *f, const struct lm_vm_list *l);
void lm_vms_json(struct lm_json *j, const char *key,
		 const struct lm_vm_list *l);

#endif /* LMCTL_VM_H */
