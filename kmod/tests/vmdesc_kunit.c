// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for VM descriptions (vmdesc.c).
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "../vmdesc.h"

#define PG	4096ull
#define MIB	(1024 * 1024ull)

struct desc_case {
	const char *desc;
	const char *name;
	unsigned int n;
	struct lm_region regions[3];
	int err;
};

static const struct desc_case desc_cases[] = {
	{ "one region", "vm1", 1, { { 1, "ram", 0, 64 * MIB, 0x7f0000000000 } }, 0 },
	{ "two regions apart", "vm-2", 2, {
		{ 1, "low", 0, 3 * 1024 * MIB, 0x7f0000000000 },
		{ 2, "high", 4096 * MIB, 1024 * MIB, 0x7f1000000000 } }, 0 },
	{ "no region", "vm", 0, {}, -EINVAL },
	{ "bad name", "my vm", 1, { { 1, "ram", 0, PG, 0x10000 } }, -EINVAL },
	{ "empty name", "", 1, { { 1, "ram", 0, PG, 0x10000 } }, -EINVAL },
	{ "zero size", "vm", 1, { { 1, "ram", 0, 0, 0x10000 } }, -EINVAL },
	{ "unaligned size", "vm", 1, { { 1, "ram", 0, PG + 1, 0x10000 } }, -EINVAL },
	{ "unaligned gpa", "vm", 1, { { 1, "ram", 512, PG, 0x10000 } }, -EINVAL },
	{ "unaligned hva", "vm", 1, { { 1, "ram", 0, PG, 0x10010 } }, -EINVAL },
	{ "gpa wraps", "vm", 1, { { 1, "ram", ~0ull - PG + 1, 2 * PG, 0x10000 } }, -EINVAL },
	{ "duplicate id", "vm", 2, {
		{ 7, "a", 0, PG, 0x10000 }, { 7, "b", MIB, PG, 0x20000 } }, -EINVAL },
	{ "overlapping guest ranges", "vm", 2, {
		{ 1, "a", 0, 2 * PG, 0x10000 }, { 2, "b", PG, PG, 0x40000 } }, -EINVAL },
	{ "shared host memory", "vm", 2, {
		{ 1, "a", 0, 2 * PG, 0x10000 }, { 2, "b", MIB, PG, 0x11000 } }, -EINVAL },
	{ "touching ranges are fine", "vm", 2, {
		{ 1, "a", 0, PG, 0x10000 }, { 2, "b", PG, PG, 0x11000 } }, 0 },
	{ "unaligned dirty bitmap", "vm", 1, {
		{ 1, "ram", 0, PG, 0x10000, 0x5003 } }, -EINVAL },
};

static void desc_case_desc(const struct desc_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vmdesc, desc_cases, desc_case_desc);

static void lm_vm_desc_check_test(struct kunit *test)
{
	const struct desc_case *c = test->param_value;
	struct lm_vm_desc *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	const char *why = NULL;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, d);
	strscpy(d->name, c->name, sizeof(d->name));
	d->n_regions = c->n;
	for (i = 0; i < c->n; i++)
		d->regions[i] = c->regions[i];

	KUNIT_EXPECT_EQ(test, lm_vm_desc_check(d, PG, &why), c->err);
	if (c->err)
		KUNIT_EXPECT_NOT_NULL(test, why);
}

static void lm_vm_desc_memory_test(struct kunit *test)
{
	struct lm_vm_desc *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, d);
	d->n_regions = 2;
	d->regions[0].size = 3 * 1024 * MIB;
	d->regions[1].size = 1024 * MIB;
	KUNIT_EXPECT_EQ(test, lm_vm_desc_memory(d), 4096 * MIB);
}

static struct kunit_case lm_vmdesc_cases[] = {
	KUNIT_CASE_PARAM(lm_vm_desc_check_test, vmdesc_gen_params),
	KUNIT_CASE(lm_vm_desc_memory_test),
	{}
};

static struct kunit_suite lm_vmdesc_suite = {
	.name = "livemig-vmdesc",
	.test_cases = lm_vmdesc_cases,
};

kunit_test_suite(lm_vmdesc_suite);
