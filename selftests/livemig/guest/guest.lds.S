/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest is linked as x86-64 ELF at LM_GUEST_LOAD_ADDR, then converted to
 * a 32-bit ELF (see the Makefile).  Physical = virtual: the guest runs on an
 * identity map.
 */
#include "lm_guest.h"

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(_start)

PHDRS
{
	text PT_LOAD FLAGS(5);
	data PT_LOAD FLAGS(6);
}

SECTIONS
{
	. = 0x100000;
	.text : {
		KEEP(*(.multiboot))	/* first: must lie in the first 8 KiB */
		*(.text.boot)
		*(.text .text.*)
	} :text
	.rodata : { *(.rodata .rodata.*) } :text

	. = ALIGN(4096);
	.data : { *(.data .data.*) } :data
	.bss : {
		__bss_start = .;
		*(.bss .bss.*)
		*(COMMON)
		. = ALIGN(8);
		__bss_end = .;
	} :data
	_end = .;

	/DISCARD/ : { *(.note*) *(.comment) *(.eh_frame*) }
}

ASSERT(_end <= LM_STATE_GPA_ASM, "the guest image overlaps its state page")
