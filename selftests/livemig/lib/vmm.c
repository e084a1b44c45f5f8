// SPDX-License-Identifier: GPL-2.0
/*
 * livemig test VMM library: VM and vCPU creation, guest RAM, the multiboot
 * loader, the run loop and the dirty ring.  See vmm.h for the conventions.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "multiboot.h"
#include "ktap.h"
#include "lm_guest.h"
#include "vmm.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define MAX_IMAGE_SIZE		(64u << 20)
#define MAX_CPUID_ENTRIES	256
#define MB_HF_SUPPORTED		(MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO)

void test_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(stdout);
	printf("# %s:%d: assertion failed\n# %s\nBail out! %s\n",
	       file, line, msg, msg);
	fflush(stdout);
	exit(KSFT_FAIL);
}

static void __attribute__((format(printf, 2, 3)))
set_err(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, VM_ERR_LEN, fmt, ap);
	va_end(ap);
}

int kvm_check_cap(long cap)
{
	int fd, r;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = ioctl(fd, KVM_CHECK_EXTENSION, cap);
	if (r < 0)
		r = -errno;
	close(fd);
	return r;
}

/*
 * The ring must be enabled before the first vCPU exists; its size is given
 * in bytes and bounded by what KVM_CHECK_EXTENSION reports.
 */
static int vm_enable_ring(struct vm *vm, uint32_t entries)
{
	static const uint32_t caps[] = {
		KVM_CAP_DIRTY_LOG_RING, KVM_CAP_DIRTY_LOG_RING_ACQ_REL,
	};
	struct kvm_enable_cap cap = { 0 };
	uint64_t bytes = (uint64_t)entries * sizeof(struct kvm_dirty_gfn);
	unsigned int i;
	int max = 0;

	if (entries & (entries - 1)) {
		set_err(vm->err, "dirty ring size %u is not a power of two",
			entries);
		return -EINVAL;
	}
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		max = ioctl(vm->fd, KVM_CHECK_EXTENSION, caps[i]);
		if (max > 0)
			break;
	}
	if (max <= 0) {
		set_err(vm->err, "KVM has no dirty ring (KVM_CAP_DIRTY_LOG_RING)");
		return -EOPNOTSUPP;
	}
	if (bytes > (uint64_t)max) {
		set_err(vm->err, "dirty ring of %u entries exceeds KVM's maximum of %zu",
			entries, max / sizeof(struct kvm_dirty_gfn));
		return -ERANGE;
	}
	cap.cap = caps[i];
	cap.args[0] = bytes;
	if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap) < 0) {
		int r = -errno;

		set_err(vm->err, "enabling a dirty ring of %u entries: %s",
			entries, strerror(-r));
		return r;
	}
	vm->ring_cap = caps[i];
	vm->ring_entries = entries;
	return 0;
}

int __vm_create(struct vm **vmp, uint32_t ring_entries)
{
	struct vm *vm;
	int r;

	*vmp = NULL;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->fd = -1;
	vm->page_size = sysconf(_SC_PAGESIZE);

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		r = -errno;
		goto free_vm;
	}
	r = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r < 0) {
		r = -errno;
		goto close_kvm;
	}
	vm->run_size = r;
	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		r = -errno;
		goto close_kvm;
	}
	if (ring_entries) {
		r = vm_enable_ring(vm, ring_entries);
		if (r)
			goto close_vm;
	}
	*vmp = vm;
	return 0;

close_vm:
	close(vm->fd);
close_kvm:
	close(vm->kvm_fd);
free_vm:
	free(vm);
	return r;
}

int __vm_split_irqchip(struct vm *vm)
{
	/* No IOAPIC routes reserved: the test machine has no IOAPIC. */
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP };

	if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap) < 0) {
		int r = -errno;

		set_err(vm->err, "KVM_CAP_SPLIT_IRQCHIP (local APICs in KVM): %s",
			strerror(-r));
		return r;
	}
	vm->irqchip = true;
	return 0;
}

void vm_set_epoch(struct vm *vm, uint32_t epoch)
{
	/* Release: what the VMM did before (a state loaded) comes first. */
	__atomic_store_n(&vm->epoch, epoch, __ATOMIC_RELEASE);
}

uint32_t vm_epoch(const struct vm *vm)
{
	return __atomic_load_n(&vm->epoch, __ATOMIC_ACQUIRE);
}

void vm_set_burst(struct vm *vm, bool on)
{
	__atomic_store_n(&vm->burst, on, __ATOMIC_RELAXED);
}

struct vm *vm_create(uint32_t ring_entries)
{
	struct vm *vm;
	int r = __vm_create(&vm, ring_entries);

	TEST_ASSERT(!r, "creating a VM with a %u-entry dirty ring: %s",
		    ring_entries, strerror(-r));
	return vm;
}

/* Bytes of guard on each side of a region: a page, or none. */
static size_t vm_guard_size(const struct vm *vm)
{
	return vm->guard_pages ? vm->page_size : 0;
}

void vm_destroy(struct vm *vm)
{
	unsigned int i;

	if (!vm)
		return;
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = vm->vcpus[i];

		if (vcpu->ring)
			munmap(vcpu->ring, vm->ring_entries *
					   sizeof(struct kvm_dirty_gfn));
		munmap(vcpu->run, vm->run_size);
		close(vcpu->fd);
		free(vcpu);
	}
	/* Close the VM before unmapping its memory: KVM still refers to it. */
	close(vm->fd);
	close(vm->kvm_fd);
	for (i = 0; i < vm->nr_regions; i++) {
		munmap((char *)vm->regions[i].hva - vm_guard_size(vm),
		       vm->regions[i].size + 2 * vm_guard_size(vm));
		free(vm->regions[i].dirty_bitmap);
	}
	free(vm);
}

struct vm_region *vm_find_region(struct vm *vm, uint32_t slot)
{
	unsigned int i;

	for (i = 0; i < vm->nr_regions; i++) {
		if (vm->regions[i].slot == slot)
			return &vm->regions[i];
	}
	return NULL;
}

static int vm_set_region(struct vm *vm, const struct vm_region *reg)
{
	struct kvm_userspace_memory_region kreg = {
		.slot = reg->slot,
		.flags = reg->flags,
		.guest_phys_addr = reg->gpa,
		.memory_size = reg->size,
		.userspace_addr = (uintptr_t)reg->hva,
	};

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &kreg) < 0) {
		int r = -errno;

		set_err(vm->err, "KVM_SET_USER_MEMORY_REGION slot %u gpa %#llx size %#llx flags %#x: %s",
			reg->slot, (unsigned long long)reg->gpa,
			(unsigned long long)reg->size, reg->flags, strerror(-r));
		return r;
	}
	return 0;
}

int __vm_add_region(struct vm *vm, uint32_t slot, uint64_t gpa,
		    uint64_t size, uint32_t flags)
{
	size_t guard = vm_guard_size(vm);
	struct vm_region *reg;
	char *base;
	int r;

	if (vm->nr_regions == VM_MAX_REGIONS || vm_find_region(vm, slot)) {
		set_err(vm->err, "slot %u: taken, or no room for another region",
			slot);
		return -EEXIST;
	}
	if (!size || (gpa | size) & (vm->page_size - 1)) {
		set_err(vm->err, "slot %u: gpa %#llx size %#llx not page aligned",
			slot, (unsigned long long)gpa, (unsigned long long)size);
		return -EINVAL;
	}
	reg = &vm->regions[vm->nr_regions];
	reg->slot = slot;
	reg->flags = flags;
	reg->gpa = gpa;
	reg->size = size;
	base = mmap(NULL, size + 2 * guard, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		r = -errno;
		set_err(vm->err, "mmap of %#llx bytes for slot %u: %s",
			(unsigned long long)size, slot, strerror(-r));
		return r;
	}
	/* Writable, so that a stray write lands and is seen, not faulted. */
	memset(base, VM_GUARD_BYTE, guard);
	memset(base + guard + size, VM_GUARD_BYTE, guard);
	reg->hva = base + guard;
	r = vm_set_region(vm, reg);
	if (r) {
		munmap(base, size + 2 * guard);
		return r;
	}
	vm->nr_regions++;
	return 0;
}

void vm_add_region(struct vm *vm, uint32_t slot, uint64_t gpa,
		   uint64_t size, uint32_t flags)
{
	int r = __vm_add_region(vm, slot, gpa, size, flags);

	TEST_ASSERT(!r, "%s", vm->err);
}

int __vm_set_region_flags(struct vm *vm, uint32_t slot, uint32_t flags)
{
	struct vm_region *reg = vm_find_region(vm, slot);
	struct vm_region next;
	int r;

	if (!reg) {
		set_err(vm->err, "no memory slot %u", slot);
		return -ENOENT;
	}
	next = *reg;
	next.flags = flags;
	r = vm_set_region(vm, &next);
	if (!r)
		reg->flags = flags;
	return r;
}

void vm_set_region_flags(struct vm *vm, uint32_t slot, uint32_t flags)
{
	int r = __vm_set_region_flags(vm, slot, flags);

	TEST_ASSERT(!r, "%s", vm->err);
}

/* The offset of the first byte of @p[0..@len) that is not VM_GUARD_BYTE. */
static ssize_t vm_guard_changed(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] != VM_GUARD_BYTE)
			return i;
	}
	return -1;
}

int __vm_check_guards(struct vm *vm)
{
	size_t guard = vm_guard_size(vm);
	unsigned int i;
	ssize_t at;

	for (i = 0; i < vm->nr_regions && guard; i++) {
		const struct vm_region *reg = &vm->regions[i];
		const unsigned char *hva = reg->hva;

		at = vm_guard_changed(hva - guard, guard);
		if (at >= 0) {
			set_err(vm->err, "guard page before slot %u (gpa %#llx) changed at byte %zd",
				reg->slot, (unsigned long long)reg->gpa, at);
			return -EFAULT;
		}
		at = vm_guard_changed(hva + reg->size, guard);
		if (at >= 0) {
			set_err(vm->err, "guard page after slot %u (gpa %#llx, size %#llx) changed at byte %zd",
				reg->slot, (unsigned long long)reg->gpa,
				(unsigned long long)reg->size, at);
			return -EFAULT;
		}
	}
	return 0;
}

void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < vm->nr_regions; i++) {
		struct vm_region *reg = &vm->regions[i];

		if (gpa >= reg->gpa && len <= reg->size &&
		    gpa - reg->gpa <= reg->size - len)
			return (char *)reg->hva + (gpa - reg->gpa);
	}
	return NULL;
}

int vm_ring_to_gfn(struct vm *vm, uint32_t slot, uint64_t offset,
		   uint64_t *gfn)
{
	/* A ring entry's slot is (address space << 16) | slot id. */
	struct vm_region *reg = (slot >> 16) ? NULL : vm_find_region(vm, slot);

	if (!reg || offset >= reg->size / vm->page_size)
		return -ENOENT;
	*gfn = reg->gpa / vm->page_size + offset;
	return 0;
}

#define BITS_PER_LONG	(8 * sizeof(unsigned long))

int __vm_alloc_dirty_bitmaps(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_regions; i++) {
		struct vm_region *reg = &vm->regions[i];
		uint64_t pages = reg->size / vm->page_size;

		if (reg->dirty_bitmap)
			continue;
		reg->dirty_bitmap = calloc((pages + BITS_PER_LONG - 1) /
					   BITS_PER_LONG, sizeof(unsigned long));
		if (!reg->dirty_bitmap) {
			set_err(vm->err, "no memory for the dirty bitmap of slot %u",
				reg->slot);
			return -ENOMEM;
		}
	}
	return 0;
}

void vm_alloc_dirty_bitmaps(struct vm *vm)
{
	int r = __vm_alloc_dirty_bitmaps(vm);

	TEST_ASSERT(!r, "%s", vm->err);
}

bool vm_mark_dirty(struct vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t end = gpa + len;
	unsigned int i;

	for (i = 0; i < vm->nr_regions; i++) {
		struct vm_region *reg = &vm->regions[i];
		uint64_t page, last;

		if (!reg->dirty_bitmap || gpa < reg->gpa || !len ||
		    end > reg->gpa + reg->size)
			continue;
		last = (end - 1 - reg->gpa) / vm->page_size;
		for (page = (gpa - reg->gpa) / vm->page_size; page <= last;
		     page++) {
			/*
			 * Release: the write to the page is visible before
			 * the bit.  A harvester clears a word, then copies
			 * its pages: it sees this write, or the bit is set
			 * again for its next round.
			 */
			__atomic_fetch_or(&reg->dirty_bitmap[page / BITS_PER_LONG],
					  1ul << (page % BITS_PER_LONG),
					  __ATOMIC_RELEASE);
		}
		return true;
	}
	return false;
}

/*
 * KVM_GET_SUPPORTED_CPUID passes the APIC ID of the host CPU it ran on
 * through (leaf 1 EBX[31:24], leaves 0xb and 0x1f EDX): give each vCPU
 * its own, as QEMU does, or two VMMs of one machine would differ.
 */
static void cpuid_set_apic_id(struct kvm_cpuid2 *cpuid, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffff) | (id << 24);
		else if (e->function == 0xb || e->function == 0x1f)
			e->edx = id;
	}
}

/* The guest only finds long mode if its CPUID says so. */
static int vcpu_set_cpuid(struct vcpu *vcpu)
{
	struct kvm_cpuid2 *cpuid;
	int r = 0;

	cpuid = calloc(1, sizeof(*cpuid) +
			  MAX_CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = MAX_CPUID_ENTRIES;
	if (ioctl(vcpu->vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) {
		r = -errno;
		goto out;
	}
	cpuid_set_apic_id(cpuid, vcpu->id);
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid) < 0)
		r = -errno;
out:
	if (r)
		set_err(vcpu->vm->err, "setting the vCPU's CPUID: %s",
			strerror(-r));
	free(cpuid);
	return r;
}

int __vm_vcpu_add(struct vm *vm, uint32_t id, bool set_cpuid,
		  struct vcpu **vcpup)
{
	struct vcpu *vcpu;
	int r;

	*vcpup = NULL;
	if (vm->nr_vcpus == VM_MAX_VCPUS) {
		set_err(vm->err, "no room for another vCPU");
		return -ENOSPC;
	}
	vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0) {
		r = -errno;
		set_err(vm->err, "KVM_CREATE_VCPU %u: %s", id, strerror(-r));
		goto free_vcpu;
	}
	vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		r = -errno;
		set_err(vm->err, "mmap of kvm_run: %s", strerror(-r));
		goto close_vcpu;
	}
	if (vm->ring_entries) {
		vcpu->ring = mmap(NULL, vm->ring_entries *
					sizeof(struct kvm_dirty_gfn),
				  PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd,
				  vm->page_size * KVM_DIRTY_LOG_PAGE_OFFSET);
		if (vcpu->ring == MAP_FAILED) {
			r = -errno;
			set_err(vm->err, "mmap of the dirty ring: %s",
				strerror(-r));
			goto unmap_run;
		}
	}
	if (set_cpuid) {
		r = vcpu_set_cpuid(vcpu);
		if (r)
			goto unmap_ring;
	}
	vm->vcpus[vm->nr_vcpus++] = vcpu;
	*vcpup = vcpu;
	return 0;

unmap_ring:
	if (vcpu->ring)
		munmap(vcpu->ring,
		       vm->ring_entries * sizeof(struct kvm_dirty_gfn));
unmap_run:
	munmap(vcpu->run, vm->run_size);
close_vcpu:
	close(vcpu->fd);
free_vcpu:
	free(vcpu);
	return r;
}

struct vcpu *vm_vcpu_add(struct vm *vm, uint32_t id)
{
	struct vcpu *vcpu;
	int r = __vm_vcpu_add(vm, id, true, &vcpu);

	TEST_ASSERT(!r, "%s", vm->err);
	return vcpu;
}

static int read_file(struct vm *vm, const char *path, void **bufp,
		     size_t *sizep)
{
	struct stat st;
	size_t done = 0;
	char *buf;
	int fd, r;

	*bufp = NULL;
	*sizep = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		set_err(vm->err, "%s: %s", path, strerror(-r));
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MAX_IMAGE_SIZE) {
		set_err(vm->err, "%s: not a regular file of at most %u bytes",
			path, MAX_IMAGE_SIZE);
		r = -EINVAL;
		goto close_fd;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		r = -ENOMEM;
		goto close_fd;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, st.st_size - done);

		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			set_err(vm->err, "reading %s: %s", path, strerror(-r));
			free(buf);
			goto close_fd;
		}
		done += n;
	}
	*bufp = buf;
	*sizep = done;
	r = 0;
close_fd:
	if (fd >= 0)
		close(fd);
	return r;
}

static const struct mb_header *find_mb_header(const void *img, size_t size)
{
	size_t off, end = size < MB_HEADER_SEARCH ? size : MB_HEADER_SEARCH;

	for (off = 0; off + sizeof(struct mb_header) <= end; off += 4) {
		const struct mb_header *h =
			(const struct mb_header *)((const char *)img + off);

		if (h->magic == MB_HEADER_MAGIC &&
		    (uint32_t)(h->magic + h->flags + h->checksum) == 0)
			return h;
	}
	return NULL;
}

/* Copies the PT_LOAD segments of a 32-bit ELF to their physical addresses. */
static int load_elf32(struct vm *vm, const char *path, const void *img,
		      size_t size, uint32_t *entry)
{
	const Elf32_Ehdr *eh = img;
	unsigned int i;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS32 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_386 ||
	    eh->e_type != ET_EXEC || eh->e_phentsize != sizeof(Elf32_Phdr) ||
	    eh->e_phoff > size ||
	    (size - eh->e_phoff) / sizeof(Elf32_Phdr) < eh->e_phnum) {
		set_err(vm->err, "%s: not a 32-bit x86 ELF executable", path);
		return -ENOEXEC;
	}
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf32_Phdr *ph = (const Elf32_Phdr *)
			((const char *)img + eh->e_phoff) + i;
		char *dst;

		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		dst = vm_gpa_to_hva(vm, ph->p_paddr, ph->p_memsz);
		if (ph->p_filesz > ph->p_memsz || ph->p_offset > size ||
		    size - ph->p_offset < ph->p_filesz || !dst) {
			set_err(vm->err, "%s: segment %u (paddr %#x, %#x bytes) lies outside the file or the guest's RAM",
				path, i, ph->p_paddr, ph->p_memsz);
			return -ENOEXEC;
		}
		memcpy(dst, (const char *)img + ph->p_offset, ph->p_filesz);
		memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	}
	*entry = eh->e_entry;
	return 0;
}

/* The state a multiboot loader leaves: see the Multiboot spec, 3.2. */
static int vcpu_enter_multiboot(struct vcpu *vcpu, uint32_t entry,
				uint32_t mbi)
{
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x10,
		.type = 11, .present = 1, .dpl = 0, .db = 1, .s = 1, .g = 1,
	};
	struct kvm_segment data = code;
	struct kvm_segment tr = {
		.base = 0, .limit = 0x67, .selector = 0x20,
		.type = 11, .present = 1, .s = 0,
	};
	struct kvm_regs regs = {
		.rip = entry, .rax = MB_LOADER_MAGIC, .rbx = mbi,
		.rflags = 0x2,
	};
	struct kvm_sregs sregs;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		goto fail;
	data.selector = 0x18;
	data.type = 3;
	sregs.cs = code;
	sregs.ds = data;
	sregs.es = data;
	sregs.fs = data;
	sregs.gs = data;
	sregs.ss = data;
	sregs.tr = tr;
	sregs.ldt = (struct kvm_segment){ .type = 2, .unusable = 1 };
	sregs.gdt.base = 0;
	sregs.gdt.limit = 0;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.cr0 = 0x11;	/* PE | ET: protected mode, paging off */
	sregs.cr3 = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0 ||
	    ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		goto fail;
	return 0;
fail:
	set_err(vcpu->vm->err, "setting the multiboot entry state: %s",
		strerror(errno));
	return -errno;
}

int __vm_load_multiboot(struct vm *vm, struct vcpu *vcpu, const char *path,
			const char *cmdline)
{
	const struct mb_header *mbh;
	struct vm_region *low;
	struct mb_info *mbi;
	uint64_t upper_end;
	size_t size, len;
	uint32_t entry;
	char *cmd;
	void *img;
	int r;

	r = read_file(vm, path, &img, &size);
	if (r)
		return r;
	mbh = find_mb_header(img, size);
	if (!mbh) {
		set_err(vm->err, "%s: no multiboot header in its first %u bytes",
			path, MB_HEADER_SEARCH);
		r = -ENOEXEC;
		goto free_img;
	}
	/* Bits 0-15 are requirements; the loader must refuse unknown ones. */
	if (mbh->flags & (MB_HF_AOUT_KLUDGE | (0xffff & ~MB_HF_SUPPORTED))) {
		set_err(vm->err, "%s: multiboot flags %#x ask for more than this loader offers (ELF, memory info)",
			path, mbh->flags);
		r = -ENOEXEC;
		goto free_img;
	}
	r = load_elf32(vm, path, img, size, &entry);
	if (r)
		goto free_img;

	/* RAM at 0 reaching past 1 MiB: mem_upper counts up to its end. */
	len = strlen(cmdline);
	mbi = vm_gpa_to_hva(vm, VM_MBI_GPA, sizeof(*mbi));
	cmd = vm_gpa_to_hva(vm, VM_CMDLINE_GPA, len + 1);
	low = NULL;
	for (unsigned int i = 0; i < vm->nr_regions; i++) {
		if (vm->regions[i].gpa == 0)
			low = &vm->regions[i];
	}
	if (!low || low->size <= LM_GUEST_LOAD_ADDR || !mbi || !cmd ||
	    len >= VM_CMDLINE_MAX) {
		set_err(vm->err, "multiboot needs RAM from 0 past 1 MiB and a command line under %u bytes",
			VM_CMDLINE_MAX);
		r = -EINVAL;
		goto free_img;
	}
	upper_end = low->size < LM_GUEST_MAX_RAM ? low->size : LM_GUEST_MAX_RAM;
	memset(mbi, 0, sizeof(*mbi));
	mbi->flags = MB_IF_MEMORY | MB_IF_CMDLINE;
	mbi->mem_lower = 640;
	mbi->mem_upper = (upper_end - LM_GUEST_LOAD_ADDR) >> 10;
	mbi->cmdline = VM_CMDLINE_GPA;
	memcpy(cmd, cmdline, len + 1);

	r = vcpu_enter_multiboot(vcpu, entry, VM_MBI_GPA);
free_img:
	free(img);
	return r;
}

void vm_load_multiboot(struct vm *vm, struct vcpu *vcpu, const char *path,
		       const char *cmdline)
{
	int r = __vm_load_multiboot(vm, vcpu, path, cmdline);

	TEST_ASSERT(!r, "%s", vm->err);
}

static int vm_add_guest_regions(struct vm *vm, const struct guest_config *cfg)
{
	unsigned int i;
	int r;

	if (!cfg->regions)
		return __vm_add_region(vm, 0, 0, cfg->ram_size, cfg->slot_flags);
	for (i = 0; i < cfg->nr_regions; i++) {
		const struct guest_region *reg = &cfg->regions[i];

		r = __vm_add_region(vm, reg->slot, reg->gpa, reg->size,
				    cfg->slot_flags);
		if (r)
			return r;
	}
	return 0;
}

int __vm_create_guest(struct vm **vmp, struct vcpu **vcpup,
		      const struct guest_config *cfg, char *err, size_t errlen)
{
	char cmdline[VM_CMDLINE_MAX];
	struct vm *vm;
	int r;

	*vmp = NULL;
	*vcpup = NULL;
	r = __vm_create(&vm, cfg->ring_entries);
	if (r) {
		snprintf(err, errlen, "creating the VM (%u-entry dirty ring): %s",
			 cfg->ring_entries, strerror(-r));
		return r;
	}
	/* Like QEMU, put a name first: the guest skips words without '='. */
	snprintf(cmdline, sizeof(cmdline), "livemig-guest %s", cfg->cmdline);
	vm->guard_pages = cfg->guard_pages;
	r = cfg->no_irqchip ? 0 : __vm_split_irqchip(vm);
	if (!r)
		r = vm_add_guest_regions(vm, cfg);
	if (!r)
		r = __vm_vcpu_add(vm, 0, !cfg->no_cpuid, vcpup);
	if (!r && !cfg->no_load)
		r = __vm_load_multiboot(vm, *vcpup, cfg->image, cmdline);
	if (r) {
		snprintf(err, errlen, "%s", vm->err);
		vm_destroy(vm);
		*vcpup = NULL;
		return r;
	}
	*vmp = vm;
	return 0;
}

struct vm *vm_create_guest(struct vcpu **vcpup, const struct guest_config *cfg)
{
	char err[VM_ERR_LEN];
	struct vm *vm;
	int r = __vm_create_guest(&vm, vcpup, cfg, err, sizeof(err));

	TEST_ASSERT(!r, "%s", err);
	return vm;
}

static void console_put(struct vcpu *vcpu, const char *s, size_t n)
{
	size_t room = sizeof(vcpu->console) - 1 - vcpu->console_len;

	if (n > room)
		n = room;	/* keep the beginning: it says what went wrong */
	memcpy(vcpu->console + vcpu->console_len, s, n);
	vcpu->console_len += n;
	vcpu->console[vcpu->console_len] = '\0';

	while (vcpu->console_echo) {
		char *nl = memchr(vcpu->console + vcpu->line_start, '\n',
				  vcpu->console_len - vcpu->line_start);
		if (!nl)
			break;
		ktap_diag("guest%u: %.*s", vcpu->id,
			  (int)(nl - vcpu->console - vcpu->line_start),
			  vcpu->console + vcpu->line_start);
		vcpu->line_start = nl + 1 - vcpu->console;
	}
}

/* The ports the guest reads (epoch, burst); KVM puts the value in RAX. */
static int vcpu_handle_in(struct vcpu *vcpu, char *data)
{
	struct kvm_run *run = vcpu->run;
	uint32_t val;

	if ((run->io.port != LM_PORT_EPOCH && run->io.port != LM_PORT_BURST) ||
	    run->io.size != sizeof(val) || run->io.count != 1) {
		set_err(vcpu->err, "the guest reads I/O port %#x (size %u, count %u), which nothing serves",
			run->io.port, run->io.size, run->io.count);
		return -EPROTO;
	}
	val = run->io.port == LM_PORT_EPOCH ? vm_epoch(vcpu->vm) :
		__atomic_load_n(&vcpu->vm->burst, __ATOMIC_RELAXED);
	memcpy(data, &val, sizeof(val));
	return 0;
}

/* Returns 1 with @ev filled, 0 to keep running, -EPROTO on nonsense. */
static int vcpu_handle_io(struct vcpu *vcpu, struct guest_event *ev)
{
	struct kvm_run *run = vcpu->run;
	char *data = (char *)run + run->io.data_offset;
	uint32_t val = 0;

	if (run->io.direction != KVM_EXIT_IO_OUT)
		return vcpu_handle_in(vcpu, data);
	if (run->io.port == LM_PORT_DEBUG && run->io.size == 1) {
		console_put(vcpu, data, run->io.count);
		return 0;
	}
	if (run->io.count != 1 || run->io.size > sizeof(val)) {
		set_err(vcpu->err, "unexpected string OUT to port %#x (size %u, count %u)",
			run->io.port, run->io.size, run->io.count);
		return -EPROTO;
	}
	memcpy(&val, data, run->io.size);
	if (run->io.port == LM_PORT_VERIFIED) {
		/* Not an event: the guest's record holds the details. */
		__atomic_store_n(&vcpu->verified_pages, val, __ATOMIC_RELAXED);
		__atomic_fetch_add(&vcpu->verifies, 1, __ATOMIC_RELEASE);
		return 0;
	}
	ev->value = val;
	switch (run->io.port) {
	case LM_PORT_PASS:
		ev->kind = GUEST_PASS;
		return 1;
	case LM_PORT_ERROR:
		ev->kind = GUEST_MISMATCH;
		return 1;
	case LM_PORT_EXIT:
		ev->kind = GUEST_EXIT;
		return 1;
	}
	set_err(vcpu->err, "the guest writes %#x to I/O port %#x, which nothing serves",
		val, run->io.port);
	return -EPROTO;
}

static int vcpu_describe_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs = { 0 };

	ioctl(vcpu->fd, KVM_GET_REGS, &regs);
	switch (run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		set_err(vcpu->err, "the guest shut down (triple fault?) near rip %#llx",
			regs.rip);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		set_err(vcpu->err, "VM entry failed: hardware reason %#llx",
			run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		set_err(vcpu->err, "KVM internal error, suberror %u, at rip %#llx",
			run->internal.suberror, regs.rip);
		break;
	case KVM_EXIT_MMIO:
		set_err(vcpu->err, "the guest %s MMIO address %#llx, which nothing serves (rip %#llx)",
			run->mmio.is_write ? "writes" : "reads",
			run->mmio.phys_addr, regs.rip);
		break;
	default:
		set_err(vcpu->err, "unexpected exit reason %u at rip %#llx",
			run->exit_reason, regs.rip);
		break;
	}
	return -EPROTO;
}

static void kick_handler(int sig)
{
	(void)sig;	/* only there to interrupt KVM_RUN */
}

int vcpu_kick_init(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigemptyset(&sa.sa_mask);
	return sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0 ? -errno : 0;
}

/*
 * A periodic signal to this thread makes KVM_RUN return -EINTR, so the loop
 * can check its deadline even if the guest never exits.  A signal that lands
 * outside KVM_RUN is lost, which is harmless: the next one comes soon.
 */
static int kick_timer_start(struct vcpu *vcpu, timer_t *timer)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = VCPU_KICK_SIGNAL,
	};
	struct itimerspec its = {
		.it_interval.tv_nsec = VCPU_KICK_MS * 1000000L,
		.it_value.tv_nsec = VCPU_KICK_MS * 1000000L,
	};

	sev.sigev_notify_thread_id = gettid();
	if (vcpu_kick_init() < 0 ||
	    timer_create(CLOCK_MONOTONIC, &sev, timer) < 0) {
		set_err(vcpu->err, "setting up the run timeout: %s",
			strerror(errno));
		return -errno;
	}
	if (timer_settime(*timer, 0, &its, NULL) < 0) {
		int r = -errno;

		timer_delete(*timer);
		set_err(vcpu->err, "arming the run timeout: %s", strerror(-r));
		return r;
	}
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

int __vcpu_run_guest(struct vcpu *vcpu, struct guest_event *ev,
		     unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	timer_t timer;
	int r;

	r = kick_timer_start(vcpu, &timer);
	if (r)
		return r;
	for (;;) {
		/*
		 * Acquire pairs with the release in vcpu_request_stop(): once
		 * @stop is seen, so is immediate_exit, and clearing it here
		 * cannot be undone by a late store of the requester.
		 */
		if (__atomic_load_n(&vcpu->stop, __ATOMIC_ACQUIRE)) {
			vcpu->run->immediate_exit = 0;
			__atomic_store_n(&vcpu->stop, 0, __ATOMIC_RELAXED);
			set_err(vcpu->err, "stopped on request");
			r = -EINTR;
			break;
		}
		if (now_ms() >= deadline) {
			set_err(vcpu->err, "no event from the guest within %u ms",
				timeout_ms);
			r = -ETIMEDOUT;
			break;
		}
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			r = -errno;
			set_err(vcpu->err, "KVM_RUN: %s", strerror(-r));
			break;
		}
		if (vcpu->run->exit_reason == KVM_EXIT_IO) {
			r = vcpu_handle_io(vcpu, ev);
			if (r == 0)
				continue;
			if (r > 0)
				r = 0;
			break;
		}
		if (vcpu->run->exit_reason == KVM_EXIT_HLT) {
			ev->kind = GUEST_HLT;
			ev->value = 0;
			r = 0;
			break;
		}
		if (vcpu->run->exit_reason == KVM_EXIT_DIRTY_RING_FULL) {
			vcpu->ring_full_exits++;
			ev->kind = GUEST_RING_FULL;
			ev->value = 0;
			r = 0;
			break;
		}
		r = vcpu_describe_exit(vcpu);
		break;
	}
	timer_delete(timer);
	return r;
}

void vcpu_run_guest(struct vcpu *vcpu, struct guest_event *ev,
		    unsigned int timeout_ms)
{
	int r = __vcpu_run_guest(vcpu, ev, timeout_ms);

	if (r)
		vcpu_dump(vcpu);
	TEST_ASSERT(!r, "vCPU %u: %s", vcpu->id, vcpu->err);
}

void vcpu_request_stop(struct vcpu *vcpu)
{
	/* KVM_RUN returns -EINTR at once while immediate_exit is set. */
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&vcpu->stop, 1, __ATOMIC_RELEASE);
}

int __vcpu_complete_io(struct vcpu *vcpu)
{
	int r;

	vcpu->run->immediate_exit = 1;
	r = ioctl(vcpu->fd, KVM_RUN, 0);
	vcpu->run->immediate_exit = 0;
	if (r < 0 && errno == EINTR)
		return 0;
	r = r < 0 ? -errno : -EPROTO;
	set_err(vcpu->err, "completing the vCPU's last I/O (KVM_RUN with immediate_exit): %s",
		r == -EPROTO ? "the guest ran" : strerror(-r));
	return r;
}

void vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs)
{
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_GET_REGS, regs),
		    "KVM_GET_REGS: %s", strerror(errno));
}

void vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs)
{
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_GET_SREGS, sregs),
		    "KVM_GET_SREGS: %s", strerror(errno));
}

void vcpu_dump(struct vcpu *vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	size_t start, end;

	if (!ioctl(vcpu->fd, KVM_GET_REGS, &regs) &&
	    !ioctl(vcpu->fd, KVM_GET_SREGS, &sregs)) {
		ktap_diag("vcpu%u: rip %#llx rsp %#llx rax %#llx rbx %#llx rflags %#llx",
			  vcpu->id, regs.rip, regs.rsp, regs.rax, regs.rbx,
			  regs.rflags);
		ktap_diag("vcpu%u: cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx cs.l %u",
			  vcpu->id, sregs.cr0, sregs.cr3, sregs.cr4, sregs.efer,
			  sregs.cs.l);
	}
	if (vcpu->console_echo || !vcpu->console_len)
		return;
	/* The console's last line usually says what the guest thought. */
	end = vcpu->console_len;
	if (vcpu->console[end - 1] == '\n')
		end--;
	start = end;
	while (start && vcpu->console[start - 1] != '\n')
		start--;
	ktap_diag("guest%u console (last line): %.*s", vcpu->id,
		  (int)(end - start), vcpu->console + start);
}

uint32_t vcpu_ring_collect(struct vcpu *vcpu, ring_entry_fn fn, void *arg)
{
	uint32_t entries = vcpu->vm->ring_entries;
	uint32_t n;

	for (n = 0; n < entries; n++) {
		struct kvm_dirty_gfn *e =
			&vcpu->ring[vcpu->fetch_index & (entries - 1)];

		/*
		 * Acquire pairs with KVM's release of DIRTY: slot and offset,
		 * written before the flag, are valid once the flag is seen.
		 */
		if (!(__atomic_load_n(&e->flags, __ATOMIC_ACQUIRE) &
		      KVM_DIRTY_GFN_F_DIRTY))
			break;
		fn(arg, e->slot, e->offset);
		/*
		 * Release: the reads of slot and offset above complete before
		 * KVM may see RESET, recycle the entry and write it again.
		 */
		__atomic_store_n(&e->flags, KVM_DIRTY_GFN_F_RESET,
				 __ATOMIC_RELEASE);
		vcpu->fetch_index++;
	}
	return n;
}

bool vcpu_ring_resync(struct vcpu *vcpu)
{
	uint32_t entries = vcpu->vm->ring_entries;
	uint32_t i;

	/*
	 * KVM fills the ring in order from its reset index, which userspace
	 * cannot read; a reset clears the flags of what it freed.  So the
	 * filled entries are one run, and its first one is a dirty entry
	 * whose predecessor is not.
	 */
	for (i = 0; i < entries; i++) {
		uint32_t prev = (i + entries - 1) & (entries - 1);

		if ((__atomic_load_n(&vcpu->ring[i].flags, __ATOMIC_ACQUIRE) &
		     KVM_DIRTY_GFN_F_DIRTY) &&
		    !(__atomic_load_n(&vcpu->ring[prev].flags, __ATOMIC_ACQUIRE) &
		      KVM_DIRTY_GFN_F_DIRTY)) {
			vcpu->fetch_index = (vcpu->fetch_index & ~(entries - 1)) | i;
			return true;
		}
	}
	return false;
}

int __vm_reset_dirty_rings(struct vm *vm)
{
	int r = ioctl(vm->fd, KVM_RESET_DIRTY_RINGS, 0);

	if (r < 0) {
		r = -errno;
		set_err(vm->err, "KVM_RESET_DIRTY_RINGS: %s", strerror(-r));
	}
	return r;
}

uint32_t vm_reset_dirty_rings(struct vm *vm)
{
	int r = __vm_reset_dirty_rings(vm);

	TEST_ASSERT(r >= 0, "%s", vm->err);
	return r;
}

/*
 * The test guest is built next to the test programs: find it there, so a
 * test runs from any current directory.
 */
void guest_image_default(char *path, size_t len)
{
	char self[4096];
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	TEST_ASSERT(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	snprintf(path, len, "%s/livemig-guest.elf", dirname(self));
}

/*
 * Leave with KSFT_SKIP, saying why, unless this machine has KVM with the
 * dirty ring and the test guest image is there.
 */
bool guest_cannot_run(const char *image, char *why, size_t len)
{
	int r = kvm_check_cap(KVM_CAP_DIRTY_LOG_RING);

	if (r == -ENOENT || r == -EACCES || r == -ENXIO || r == -ENODEV)
		snprintf(why, len, "/dev/kvm is not available: %s", strerror(-r));
	else if (r <= 0 && kvm_check_cap(KVM_CAP_DIRTY_LOG_RING_ACQ_REL) <= 0)
		snprintf(why, len, "KVM has no dirty ring (KVM_CAP_DIRTY_LOG_RING)");
	else if (access(image, R_OK))
		snprintf(why, len, "no guest image %s: %s", image, strerror(errno));
	else
		return false;
	return true;
}

void ktap_skip_unless_guest_runs(const char *image)
{
	char why[VM_ERR_LEN + PATH_MAX];

	if (guest_cannot_run(image, why, sizeof(why)))
		ktap_exit_skip("%s", why);
}
