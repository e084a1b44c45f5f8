/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for the kernel's <linux/kernel.h>: the macros used here. */
#ifndef _LM_FUZZ_LINUX_KERNEL_H
#define _LM_FUZZ_LINUX_KERNEL_H

#define min_t(type, a, b) ({		\
	type __a = (a);			\
	type __b = (b);			\
	__a < __b ? __a : __b;		\
})

#define ALIGN(x, a) ({				\
	typeof(x) __x = (x);			\
	typeof(x) __mask = (typeof(x))(a) - 1;	\
	(__x + __mask) & ~__mask;		\
})

#define ARRAY_SIZE(arr)	(sizeof(arr) / sizeof((arr)[0]))

#endif
