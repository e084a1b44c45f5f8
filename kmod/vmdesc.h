/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig: what a VMM says about its VM when it registers it.
 *
 * Pure code (no KVM, no netlink): KUnit tests it under UML.
 */
#ifndef _LIVEMIG_VMDESC_H
#define _LIVEMIG_VMDESC_H

#include <linux/types.h>

#include <linux/livemig.h>

/**
 * struct lm_region - a guest RAM region, named by the VMM
 * @id: the VMM's id, unique in the VM
 * @name: for messages
 * @gpa: guest physical address
 * @size: bytes
 * @hva: where the VMM maps it
 * @dirty_bitmap: the VMM's own dirty bitmap for it, or 0
 */
struct lm_region {
	u32 id;
	char name[LIVEMIG_REGION_NAME_MAX];
	u64 gpa;
	u64 size;
	u64 hva;
	u64 dirty_bitmap;
};

/**
 * struct lm_vm_desc - a VM as its VMM describes it
 * @name: unique on the host
 * @n_regions: entries used in @regions
 * @regions: the guest RAM to move
 */
struct lm_vm_desc {
	char name[LIVEMIG_VM_NAME_MAX];
	unsigned int n_regions;
	struct lm_region regions[LIVEMIG_VM_REGIONS_MAX];
};

bool lm_name_valid(const char *name, size_t max);
int lm_vm_desc_check(const struct lm_vm_desc *d, unsigned long page_size,
		     const char **why);
u64 lm_vm_desc_memory(const struct lm_vm_desc *d);

#endif /* _LIVEMIG_VMDESC_H */
