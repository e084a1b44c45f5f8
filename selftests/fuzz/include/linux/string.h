/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for the kernel's <linux/string.h>: libc's string
 * functions, and memchr_inv(), which libc lacks.
 */
#ifndef _LM_FUZZ_LINUX_STRING_H
#define _LM_FUZZ_LINUX_STRING_H

#include <string.h>

/* The first byte of @s that is not @c, or NULL if all @n bytes are. */
static inline void *memchr_inv(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}

#endif
