/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for the kernel's <linux/types.h>: the uapi header of
 * the same name gives __u8.. and __be16..; the kernel-only names and bool
 * are added here.
 */
#ifndef _LM_FUZZ_LINUX_TYPES_H
#define _LM_FUZZ_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#endif
