/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for the kernel's <linux/ctype.h>. The kernel's table
 * also classifies Latin-1, libc's "C" locale does not; kmod/ tests
 * isascii() before any other class, so the two agree on what it asks.
 */
#ifndef _LM_FUZZ_LINUX_CTYPE_H
#define _LM_FUZZ_LINUX_CTYPE_H

#include <ctype.h>

#endif
