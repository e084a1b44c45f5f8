/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of the livemig test guest.
 *
 * A multiboot loader (the test VMM, or QEMU -kernel) enters _start in 32-bit
 * flat protected mode with paging off, EAX = MB_LOADER_MAGIC and EBX = the
 * multiboot information.  Nothing else is promised: no GDT, no stack, no
 * IDT.  This code takes its own GDT and stack, identity maps the first 4 GiB
 * with 2 MiB pages, enters long mode and calls guest_main(mbi) in C.
 *
 * The object is assembled as x86-64 ELF (the .code32 part included) and the
 * linked image is converted to a 32-bit ELF, which is what multiboot loaders
 * accept.
 */
#include "multiboot.h"
#include "lm_guest.h"

#define MB_FLAGS	(MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO)

#define SEL_CODE64	0x08
#define SEL_CODE32	0x10
#define SEL_DATA	0x18

#define CR0_PE		(1 << 0)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)
#define MSR_EFER	0xC0000080
#define EFER_LME	(1 << 8)
#define CPUID_LM_BIT	29		/* CPUID 0x80000001 EDX */

#define PTE_P		(1 << 0)
#define PTE_W		(1 << 1)
#define PTE_PS		(1 << 7)
#define NR_PD		4		/* 4 x 1 GiB */

	.section .multiboot, "a"
	.balign 4
mb_header:
	.long	MB_HEADER_MAGIC
	.long	MB_FLAGS
	.long	-(MB_HEADER_MAGIC + MB_FLAGS)

	.section .text.boot, "ax"
	.code32
	.globl	_start
_start:
	cli
	cld
	/* EBP keeps the multiboot info, ESI the loader's magic. */
	movl	%ebx, %ebp
	movl	%eax, %esi

	/* .bss holds the page tables and the stack: zero it first. */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl
	movl	$boot_stack_top, %esp

	cmpl	$MB_LOADER_MAGIC, %esi
	jne	.Lbad_loader

	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	.Lno_long_mode
	movl	$0x80000001, %eax
	cpuid
	btl	$CPUID_LM_BIT, %edx
	jnc	.Lno_long_mode

	lgdt	gdt_desc
	ljmp	$SEL_CODE32, $1f
1:	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss

	/* PML4[0] -> PDPT, PDPT[i] -> PD i, PD entries map 2 MiB each. */
	movl	$(pdpt + PTE_P + PTE_W), pml4
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$(pd + PTE_P + PTE_W), %eax
	movl	%eax, pdpt(, %ecx, 8)
	incl	%ecx
	cmpl	$NR_PD, %ecx
	jb	2b

	xorl	%ecx, %ecx
3:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$(PTE_P + PTE_W + PTE_PS), %eax
	movl	%eax, pd(, %ecx, 8)	/* high dwords stay zero: < 4 GiB */
	incl	%ecx
	cmpl	$(NR_PD * 512), %ecx
	jb	3b

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_PE), %eax
	movl	%eax, %cr0
	ljmp	$SEL_CODE64, $long_mode

.Lno_long_mode:
	movl	$msg_no_long_mode, %esi
	movl	$LM_EXIT_NO_LONG_MODE, %ebx
	jmp	fail32
.Lbad_loader:
	movl	$msg_bad_loader, %esi
	movl	$LM_EXIT_BAD_SETUP, %ebx

/* Print the string at ESI on the debug port, report EBX, stop. */
fail32:
	movw	$LM_PORT_DEBUG, %dx
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	movl	%ebx, %eax
	movw	$LM_PORT_EXIT, %dx
	outl	%eax, %dx
3:	cli
	hlt
	jmp	3b

	.code64
long_mode:
	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	$boot_stack_top, %esp
	movl	%ebp, %edi
	call	guest_main
1:	cli
	hlt
	jmp	1b

	.section .data
	.balign 8
/* Accessed bits preset, so the CPU never writes the table. */
gdt:
	.quad	0
	.quad	0x00af9b000000ffff	/* SEL_CODE64: L=1 */
	.quad	0x00cf9b000000ffff	/* SEL_CODE32: D=1, 4 GiB */
	.quad	0x00cf93000000ffff	/* SEL_DATA: 4 GiB */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.section .rodata
msg_no_long_mode:
	.asciz	"livemig-guest: the CPU has no long mode\n"
msg_bad_loader:
	.asciz	"livemig-guest: not started by a multiboot loader\n"

	.section .bss
	.balign 4096
pml4:	.skip	4096
pdpt:	.skip	4096
pd:	.skip	4096 * NR_PD
boot_stack:
	.skip	16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
