// SPDX-License-Identifier: GPL-2.0
/*
 * livemig: checks on what a VMM says about its VM.
 *
 * Everything here is decided before the module touches KVM: a description
 * that passes is self-consistent; vm.c then checks it against the VM.
 */
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "vmdesc.h"

/**
 * lm_name_valid() - whether a host or VM name may be used
 * @name: NUL-terminated candidate
 * @max: size of the buffer it must fit, terminating NUL included
 *
 * Names travel in the handshake and appear in every message, so they are
 * kept to ASCII characters that print and parse unambiguously.
 *
 * Return: true for 1..@max - 1 letters, digits, '-', '_' and '.'.
 */
bool lm_name_valid(const char *name, size_t max)
{
	size_t i, len = strnlen(name, max);

	if (!len || len >= max)
		return false;
	for (i = 0; i < len; i++) {
		/* The kernel's isalnum() takes Latin-1 letters too: ASCII only. */
		if (!isascii(name[i]) ||
		    (!isalnum(name[i]) && !strchr("-_.", name[i])))
			return false;
	}
	return true;
}

static bool lm_ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/**
 * lm_vm_desc_check() - whether a VM description is self-consistent
 * @d: the description
 * @page_size: the host's page size
 * @why: set to a sentence naming what is wrong
 *
 * Return: 0 or -EINVAL.
 */
int lm_vm_desc_check(const struct lm_vm_desc *d, unsigned long page_size,
		     const char **why)
{
	unsigned int i, j;

	if (!lm_name_valid(d->name, sizeof(d->name))) {
		*why = "vm-name: use 1 to 64 letters, digits, '-', '_' and '.'";
		return -EINVAL;
	}
	if (!d->n_regions) {
		*why = "vm-regions: a VM needs at least one RAM region";
		return -EINVAL;
	}

	for (i = 0; i < d->n_regions; i++) {
		const struct lm_region *r = &d->regions[i];

		if (!r->size || (r->size | r->gpa | r->hva) & (page_size - 1)) {
			*why = "region: gpa, size and hva must be page multiples, size non-zero";
			return -EINVAL;
		}
		if (r->gpa + r->size < r->gpa || r->hva + r->size < r->hva) {
			*why = "region: it wraps around the address space";
			return -EINVAL;
		}
		if (r->dirty_bitmap & (sizeof(unsigned long) - 1)) {
			*why = "region: the dirty bitmap must be aligned to an unsigned long";
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			const struct lm_region *o = &d->regions[j];

			if (o->id == r->id) {
				*why = "region: two regions have the same id";
				return -EINVAL;
			}
			if (lm_ranges_overlap(o->gpa, o->size, r->gpa, r->size)) {
				*why = "region: two regions overlap in guest memory";
				return -EINVAL;
			}
			if (lm_ranges_overlap(o->hva, o->size, r->hva, r->size)) {
				*why = "region: two regions share host memory";
				return -EINVAL;
			}
		}
	}
	return 0;
}

/**
 * lm_vm_desc_memory() - bytes of guest RAM a description covers
 * @d: a checked description
 *
 * Return: the sum of the region sizes.
 */
u64 lm_vm_desc_memory(const struct lm_vm_desc *d)
{
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < d->n_regions; i++)
		sum += d->regions[i].size;
	return sum;
}
