// SPDX-License-Identifier: GPL-2.0
/*
 * livemig test VMM library: saving and loading a VM's state.  See
 * vmstate.h for the records and the order they are loaded in.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmstate.h"

#define ALIGN8(x)	(((x) + 7) & ~(size_t)7)
#define HDR		sizeof(struct livemig_state_rec)
#define MSRS_HDR	sizeof(struct kvm_msrs)
#define CPUID_HDR	sizeof(struct kvm_cpuid2)

/* Bits KVM changes as the guest runs (kvm_update_cpuid_runtime()). */
#define CPUID_1_ECX_OSXSAVE	(1u << 27)
#define CPUID_1_EDX_APIC	(1u << 9)
#define CPUID_7_ECX_OSPKE	(1u << 4)

static const char *const type_names[__LIVEMIG_STATE_MAX] = {
	[LIVEMIG_STATE_REGS] = "REGS",
	[LIVEMIG_STATE_SREGS] = "SREGS",
	[LIVEMIG_STATE_XSAVE] = "XSAVE",
	[LIVEMIG_STATE_XCRS] = "XCRS",
	[LIVEMIG_STATE_MSRS] = "MSRS",
	[LIVEMIG_STATE_LAPIC] = "LAPIC",
	[LIVEMIG_STATE_EVENTS] = "EVENTS",
	[LIVEMIG_STATE_MP_STATE] = "MP_STATE",
	[LIVEMIG_STATE_DEBUGREGS] = "DEBUGREGS",
	[LIVEMIG_STATE_TSC_KHZ] = "TSC_KHZ",
	[LIVEMIG_STATE_TSC] = "TSC",
	[LIVEMIG_STATE_CLOCK] = "CLOCK",
	[LIVEMIG_STATE_DEVICE] = "DEVICE",
	[LIVEMIG_STATE_CPUID] = "CPUID",
};

/**
 * struct rec_rule - what a record of one type may look like
 * @min:	fewest payload bytes
 * @max:	most payload bytes
 * @vm_wide:	one for the VM (vcpu 0), not one per vCPU
 */
struct rec_rule {
	uint32_t min;
	uint32_t max;
	bool vm_wide;
};

#define EXACT(t)	{ sizeof(t), sizeof(t), false }

static const struct rec_rule rules[__LIVEMIG_STATE_MAX] = {
	[LIVEMIG_STATE_REGS] = EXACT(struct kvm_regs),
	[LIVEMIG_STATE_SREGS] = EXACT(struct kvm_sregs),
	[LIVEMIG_STATE_XSAVE] = { sizeof(struct kvm_xsave), 1u << 20, false },
	[LIVEMIG_STATE_XCRS] = EXACT(struct kvm_xcrs),
	[LIVEMIG_STATE_MSRS] = { MSRS_HDR, MSRS_HDR + VM_STATE_MSRS_MAX *
				 sizeof(struct kvm_msr_entry), false },
	[LIVEMIG_STATE_LAPIC] = EXACT(struct kvm_lapic_state),
	[LIVEMIG_STATE_EVENTS] = EXACT(struct kvm_vcpu_events),
	[LIVEMIG_STATE_MP_STATE] = EXACT(struct kvm_mp_state),
	[LIVEMIG_STATE_DEBUGREGS] = EXACT(struct kvm_debugregs),
	[LIVEMIG_STATE_TSC_KHZ] = EXACT(uint32_t),
	[LIVEMIG_STATE_TSC] = EXACT(uint64_t),
	[LIVEMIG_STATE_CLOCK] = { sizeof(struct kvm_clock_data),
				  sizeof(struct kvm_clock_data), true },
	[LIVEMIG_STATE_DEVICE] = { 0, LIVEMIG_STATE_MAX, true },
	[LIVEMIG_STATE_CPUID] = { CPUID_HDR, CPUID_HDR + VM_STATE_CPUID_MAX *
				  sizeof(struct kvm_cpuid_entry2), false },
};

/* Every vCPU has these; LAPIC and XCRS depend on the machine. */
static const uint32_t vcpu_required[] = {
	LIVEMIG_STATE_REGS, LIVEMIG_STATE_SREGS, LIVEMIG_STATE_XSAVE,
	LIVEMIG_STATE_MSRS, LIVEMIG_STATE_EVENTS, LIVEMIG_STATE_MP_STATE,
	LIVEMIG_STATE_DEBUGREGS, LIVEMIG_STATE_TSC_KHZ, LIVEMIG_STATE_TSC,
	LIVEMIG_STATE_CPUID,
};

/**
 * struct state_index - a checked state, record by record
 * @vcpu:	each vCPU's records, by type
 * @vm:		the VM-wide records, by type
 */
struct state_index {
	const struct livemig_state_rec *vcpu[VM_MAX_VCPUS][__LIVEMIG_STATE_MAX];
	const struct livemig_state_rec *vm[__LIVEMIG_STATE_MAX];
};

static void __attribute__((format(printf, 2, 3)))
vm_err(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->err, sizeof(vm->err), fmt, ap);
	va_end(ap);
}

const char *vm_state_type_name(uint32_t type)
{
	return type < __LIVEMIG_STATE_MAX && type_names[type] ?
	       type_names[type] : "?";
}

static const void *rec_data(const struct livemig_state_rec *rec)
{
	return rec + 1;
}

/* --- saving ----------------------------------------------------------- */

static int state_put(struct vm *vm, struct vm_state *st, uint32_t type,
		     uint32_t vcpu, const void *data, uint32_t len)
{
	size_t need = st->len + HDR + ALIGN8(len);
	struct livemig_state_rec *rec;

	if (need > LIVEMIG_STATE_MAX) {
		if (vm)
			vm_err(vm, "the state would exceed %u bytes",
			       LIVEMIG_STATE_MAX);
		return -E2BIG;
	}
	if (need > st->cap) {
		size_t cap = st->cap ? st->cap : 16384;
		uint8_t *buf;

		while (cap < need)
			cap *= 2;
		buf = realloc(st->buf, cap);
		if (!buf) {
			if (vm)
				vm_err(vm, "no memory for %zu bytes of state",
				       cap);
			return -ENOMEM;
		}
		st->buf = buf;
		st->cap = cap;
	}
	rec = (struct livemig_state_rec *)(st->buf + st->len);
	*rec = (struct livemig_state_rec){
		.type = type, .vcpu = vcpu, .len = len,
	};
	if (len)
		memcpy(rec + 1, data, len);
	memset((uint8_t *)(rec + 1) + len, 0, ALIGN8(len) - len);
	st->len = need;
	return 0;
}

static int vcpu_get(struct vcpu *vcpu, unsigned long req, void *buf,
		    const char *what)
{
	if (ioctl(vcpu->fd, req, buf) < 0) {
		int r = -errno;

		vm_err(vcpu->vm, "vCPU %u: %s: %s", vcpu->id, what, strerror(-r));
		return r;
	}
	return 0;
}

/* A fixed-size record straight from its KVM_GET_* ioctl. */
static int save_simple(struct vcpu *vcpu, unsigned int i, struct vm_state *st,
		       uint32_t type, unsigned long req, const char *what)
{
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_xcrs xcrs;
		struct kvm_lapic_state lapic;
		struct kvm_vcpu_events events;
		struct kvm_mp_state mp_state;
		struct kvm_debugregs debugregs;
	} u;
	int r;

	memset(&u, 0, sizeof(u));
	r = vcpu_get(vcpu, req, &u, what);
	return r ? r : state_put(vcpu->vm, st, type, i, &u, rules[type].min);
}

/* KVM_GET_XSAVE2's size, or 0 when KVM only has KVM_GET_XSAVE. */
static int xsave2_size(struct vm *vm)
{
	int r = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);

	return r > 0 ? r : 0;
}

static bool has_cap(struct vm *vm, long cap)
{
	return ioctl(vm->fd, KVM_CHECK_EXTENSION, cap) > 0;
}

static int save_xsave(struct vcpu *vcpu, unsigned int i, struct vm_state *st)
{
	int size2 = xsave2_size(vcpu->vm);
	size_t size = size2 ? (size_t)size2 : sizeof(struct kvm_xsave);
	void *buf = calloc(1, size);
	int r;

	if (!buf)
		return -ENOMEM;
	r = vcpu_get(vcpu, size2 ? KVM_GET_XSAVE2 : KVM_GET_XSAVE, buf,
		     size2 ? "KVM_GET_XSAVE2" : "KVM_GET_XSAVE");
	if (!r)
		r = state_put(vcpu->vm, st, LIVEMIG_STATE_XSAVE, i, buf, size);
	free(buf);
	return r;
}

static int kvm_msr_list(struct vm *vm, struct kvm_msr_list **listp)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;

	*listp = NULL;
	/* E2BIG, with the count filled in, is the expected answer. */
	if (ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 &&
	    errno != E2BIG) {
		vm_err(vm, "KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
		return -errno;
	}
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
	if (!list)
		return -ENOMEM;
	list->nmsrs = probe.nmsrs;
	if (ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
		int r = -errno;

		vm_err(vm, "KVM_GET_MSR_INDEX_LIST: %s", strerror(-r));
		free(list);
		return r;
	}
	*listp = list;
	return 0;
}

static struct kvm_msrs *msrs_alloc(uint32_t n)
{
	struct kvm_msrs *m = calloc(1, MSRS_HDR + n * sizeof(m->entries[0]));

	if (m)
		m->nmsrs = n;
	return m;
}

/*
 * KVM_GET_MSRS stops at the first MSR it cannot read and returns how many
 * it read: keep those, skip that one, read on from the next.
 */
static int read_msrs(struct vcpu *vcpu, const struct kvm_msr_list *list,
		     struct kvm_msrs *out)
{
	struct kvm_msrs *batch = msrs_alloc(list->nmsrs);
	uint32_t from = 0, i;

	if (!batch)
		return -ENOMEM;
	out->nmsrs = 0;
	while (from < list->nmsrs) {
		int r;

		batch->nmsrs = 0;
		for (i = from; i < list->nmsrs; i++) {
			/* The TSC has a record of its own. */
			if (list->indices[i] != MSR_IA32_TSC)
				batch->entries[batch->nmsrs++].index =
					list->indices[i];
		}
		r = ioctl(vcpu->fd, KVM_GET_MSRS, batch);
		if (r < 0) {
			r = -errno;
			vm_err(vcpu->vm, "vCPU %u: KVM_GET_MSRS: %s", vcpu->id,
			       strerror(-r));
			free(batch);
			return r;
		}
		memcpy(&out->entries[out->nmsrs], batch->entries,
		       r * sizeof(batch->entries[0]));
		out->nmsrs += r;
		if ((uint32_t)r == batch->nmsrs)
			break;
		/* Past the one that failed, in the list's own numbering. */
		while (from < list->nmsrs &&
		       list->indices[from] != batch->entries[r].index)
			from++;
		from++;
	}
	free(batch);
	return 0;
}

static int save_msrs(struct vcpu *vcpu, unsigned int i,
		     const struct kvm_msr_list *list, struct vm_state *st)
{
	struct kvm_msrs *msrs = msrs_alloc(list->nmsrs);
	int r;

	if (!msrs)
		return -ENOMEM;
	r = read_msrs(vcpu, list, msrs);
	if (!r && msrs->nmsrs > VM_STATE_MSRS_MAX) {
		vm_err(vcpu->vm, "vCPU %u: %u MSRs, more than the %u a state holds",
		       vcpu->id, msrs->nmsrs, VM_STATE_MSRS_MAX);
		r = -E2BIG;
	}
	if (!r)
		r = state_put(vcpu->vm, st, LIVEMIG_STATE_MSRS, i, msrs,
			      MSRS_HDR + msrs->nmsrs * sizeof(msrs->entries[0]));
	free(msrs);
	return r;
}

/* One MSR through KVM_GET_MSRS or KVM_SET_MSRS. */
static int vcpu_msr(struct vcpu *vcpu, unsigned long req, uint32_t index,
		    uint64_t *data)
{
	union {
		struct kvm_msrs h;
		uint8_t buf[MSRS_HDR + sizeof(struct kvm_msr_entry)];
	} m = { .h.nmsrs = 1 };
	int r;

	m.h.entries[0].index = index;
	m.h.entries[0].data = *data;
	r = ioctl(vcpu->fd, req, &m);
	if (r == 1) {
		*data = m.h.entries[0].data;
		return 0;
	}
	r = r < 0 ? -errno : -EIO;
	vm_err(vcpu->vm, "vCPU %u: %s of MSR %#x: %s", vcpu->id,
	       req == KVM_GET_MSRS ? "KVM_GET_MSRS" : "KVM_SET_MSRS", index,
	       r == -EIO ? "refused" : strerror(-r));
	return r;
}

static int save_tsc(struct vcpu *vcpu, unsigned int i, struct vm_state *st)
{
	uint64_t tsc = 0;
	uint32_t khz;
	int r;

	r = ioctl(vcpu->fd, KVM_GET_TSC_KHZ);
	if (r <= 0) {
		vm_err(vcpu->vm, "vCPU %u: KVM_GET_TSC_KHZ: %s", vcpu->id,
		       r < 0 ? strerror(errno) : "no frequency");
		return r < 0 ? -errno : -EIO;
	}
	khz = r;
	r = state_put(vcpu->vm, st, LIVEMIG_STATE_TSC_KHZ, i, &khz,
		      sizeof(khz));
	if (!r)
		r = vcpu_msr(vcpu, KVM_GET_MSRS, MSR_IA32_TSC, &tsc);
	if (!r)
		r = state_put(vcpu->vm, st, LIVEMIG_STATE_TSC, i, &tsc,
			      sizeof(tsc));
	return r;
}

/* No entry KVM hands out looks like this: function, index, flags all ~0. */
static bool cpuid_untouched(const struct kvm_cpuid_entry2 *e)
{
	static const uint8_t ff[sizeof(*e)] = { [0 ... sizeof(*e) - 1] = 0xff };

	return !memcmp(e, ff, sizeof(*e));
}

/*
 * The vCPU's CPUID as its VMM set it.  KVM 6.1's KVM_GET_CPUID2 never
 * writes the count back (not even with E2BIG: its ioctl skips the copy on
 * any error), so the entries are prefilled with a pattern KVM never writes,
 * and the count is where the pattern starts.
 */
static int get_cpuid(struct vcpu *vcpu, struct kvm_cpuid2 **cpuidp)
{
	struct kvm_cpuid2 *c;
	uint32_t n;
	int r;

	*cpuidp = NULL;
	c = malloc(CPUID_HDR + VM_STATE_CPUID_MAX * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;
	memset(c->entries, 0xff, VM_STATE_CPUID_MAX * sizeof(c->entries[0]));
	c->nent = VM_STATE_CPUID_MAX;
	c->padding = 0;
	r = vcpu_get(vcpu, KVM_GET_CPUID2, c, "KVM_GET_CPUID2");
	if (r) {
		free(c);
		return r;
	}
	for (n = 0; n < VM_STATE_CPUID_MAX && !cpuid_untouched(&c->entries[n]);
	     n++)
		;
	c->nent = n;
	*cpuidp = c;
	return 0;
}

static int save_cpuid(struct vcpu *vcpu, unsigned int i, struct vm_state *st)
{
	struct kvm_cpuid2 *c;
	int r = get_cpuid(vcpu, &c);

	if (r)
		return r;
	r = state_put(vcpu->vm, st, LIVEMIG_STATE_CPUID, i, c,
		      CPUID_HDR + c->nent * sizeof(c->entries[0]));
	free(c);
	return r;
}

static int save_vcpu(struct vcpu *vcpu, unsigned int i,
		     const struct kvm_msr_list *list, struct vm_state *st)
{
	struct vm *vm = vcpu->vm;
	int r;

	r = __vcpu_complete_io(vcpu);
	if (r) {
		vm_err(vm, "vCPU %u: %s", vcpu->id, vcpu->err);
		return r;
	}
	r = save_simple(vcpu, i, st, LIVEMIG_STATE_REGS, KVM_GET_REGS,
			"KVM_GET_REGS");
	if (!r)
		r = save_simple(vcpu, i, st, LIVEMIG_STATE_SREGS, KVM_GET_SREGS,
				"KVM_GET_SREGS");
	if (!r)
		r = save_xsave(vcpu, i, st);
	if (!r && has_cap(vm, KVM_CAP_XCRS))
		r = save_simple(vcpu, i, st, LIVEMIG_STATE_XCRS, KVM_GET_XCRS,
				"KVM_GET_XCRS");
	if (!r)
		r = save_msrs(vcpu, i, list, st);
	if (!r && vm->irqchip)
		r = save_simple(vcpu, i, st, LIVEMIG_STATE_LAPIC, KVM_GET_LAPIC,
				"KVM_GET_LAPIC");
	if (!r)
		r = save_simple(vcpu, i, st, LIVEMIG_STATE_EVENTS,
				KVM_GET_VCPU_EVENTS, "KVM_GET_VCPU_EVENTS");
	if (!r)
		r = save_simple(vcpu, i, st, LIVEMIG_STATE_MP_STATE,
				KVM_GET_MP_STATE, "KVM_GET_MP_STATE");
	if (!r)
		r = save_simple(vcpu, i, st, LIVEMIG_STATE_DEBUGREGS,
				KVM_GET_DEBUGREGS, "KVM_GET_DEBUGREGS");
	if (!r)
		r = save_tsc(vcpu, i, st);
	if (!r)
		r = save_cpuid(vcpu, i, st);
	return r;
}

int __vm_state_save(struct vm *vm, const void *dev, uint32_t dev_len,
		    struct vm_state *st)
{
	struct kvm_clock_data clock = { 0 };
	struct kvm_msr_list *list;
	unsigned int i;
	int r;

	r = kvm_msr_list(vm, &list);
	if (r)
		return r;
	for (i = 0; i < vm->nr_vcpus && !r; i++)
		r = save_vcpu(vm->vcpus[i], i, list, st);
	free(list);
	/* After the vCPUs: a clock read later is never behind the guest. */
	if (!r && ioctl(vm->fd, KVM_GET_CLOCK, &clock) < 0) {
		r = -errno;
		vm_err(vm, "KVM_GET_CLOCK: %s", strerror(-r));
	}
	if (!r)
		r = state_put(vm, st, LIVEMIG_STATE_CLOCK, 0, &clock,
			      sizeof(clock));
	if (!r && dev)
		r = state_put(vm, st, LIVEMIG_STATE_DEVICE, 0, dev, dev_len);
	return r;
}

void vm_state_save(struct vm *vm, const void *dev, uint32_t dev_len,
		   struct vm_state *st)
{
	int r = __vm_state_save(vm, dev, dev_len, st);

	TEST_ASSERT(!r, "saving the VM's state: %s", vm->err);
}

void vm_state_free(struct vm_state *st)
{
	free(st->buf);
	*st = (struct vm_state){ 0 };
}

/* --- step 1: framing -------------------------------------------------- */

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--) {
		if (*p++)
			return false;
	}
	return true;
}

/* Payload lengths that follow from the record's own header fields. */
static int rec_check_inner(struct vm *vm, const struct livemig_state_rec *rec)
{
	const char *name = vm_state_type_name(rec->type);
	uint64_t want;
	uint32_t n;

	switch (rec->type) {
	case LIVEMIG_STATE_MSRS:
		n = ((const struct kvm_msrs *)rec_data(rec))->nmsrs;
		want = MSRS_HDR + (uint64_t)n * sizeof(struct kvm_msr_entry);
		break;
	case LIVEMIG_STATE_CPUID:
		n = ((const struct kvm_cpuid2 *)rec_data(rec))->nent;
		want = CPUID_HDR + (uint64_t)n * sizeof(struct kvm_cpuid_entry2);
		break;
	default:
		return 0;
	}
	if (want == rec->len)
		return 0;
	vm_err(vm, "the %s record of vCPU %u counts %u entries, which do not fill its %u bytes",
	       name, rec->vcpu, n, rec->len);
	return -EINVAL;
}

/* One record at @off; its size, header included, goes to *@size. */
static int rec_check(struct vm *vm, const uint8_t *buf, size_t len, size_t off,
		     struct state_index *ix, size_t *size)
{
	const struct livemig_state_rec *rec = (const void *)(buf + off);
	const struct livemig_state_rec **slot;
	const struct rec_rule *rule;
	const char *name;
	size_t left;

	if (len - off < HDR) {
		vm_err(vm, "the state is truncated: it ends inside a record header at byte %zu",
		       off);
		return -EINVAL;
	}
	left = len - off - HDR;
	name = vm_state_type_name(rec->type);
	if (!rec->type || rec->type >= __LIVEMIG_STATE_MAX) {
		vm_err(vm, "the record at byte %zu has type %u, which this VMM does not know",
		       off, rec->type);
		return -EINVAL;
	}
	if (rec->reserved) {
		vm_err(vm, "the %s record at byte %zu has a reserved field set",
		       name, off);
		return -EINVAL;
	}
	if (rec->len > left || ALIGN8(rec->len) > left) {
		vm_err(vm, "the state is truncated: the %s record of vCPU %u at byte %zu announces %u bytes, %zu remain",
		       name, rec->vcpu, off, rec->len, left);
		return -EINVAL;
	}
	if (!all_zero(buf + off + HDR + rec->len,
		      ALIGN8(rec->len) - rec->len)) {
		vm_err(vm, "the %s record at byte %zu is padded with nonzero bytes",
		       name, off);
		return -EINVAL;
	}
	rule = &rules[rec->type];
	if (rec->len < rule->min || rec->len > rule->max) {
		vm_err(vm, "the %s record of vCPU %u is %u bytes; this VMM expects %u to %u",
		       name, rec->vcpu, rec->len, rule->min, rule->max);
		return -EINVAL;
	}
	if (rule->vm_wide && rec->vcpu) {
		vm_err(vm, "the VM-wide %s record names vCPU %u", name,
		       rec->vcpu);
		return -EINVAL;
	}
	if (!rule->vm_wide && rec->vcpu >= vm->nr_vcpus) {
		vm_err(vm, "the state has a %s record of vCPU %u, and this VM has %u vCPU(s)",
		       name, rec->vcpu, vm->nr_vcpus);
		return -EINVAL;
	}
	slot = rule->vm_wide ? &ix->vm[rec->type] : &ix->vcpu[rec->vcpu][rec->type];
	if (*slot) {
		vm_err(vm, "the state has two %s records of vCPU %u", name,
		       rec->vcpu);
		return -EINVAL;
	}
	*slot = rec;
	*size = HDR + ALIGN8(rec->len);
	return rec_check_inner(vm, rec);
}

static int state_index(struct vm *vm, const uint8_t *buf, size_t len,
		       struct state_index *ix)
{
	size_t off = 0, size;
	int r;

	memset(ix, 0, sizeof(*ix));
	if (len > LIVEMIG_STATE_MAX) {
		vm_err(vm, "the state is %zu bytes, more than %u", len,
		       LIVEMIG_STATE_MAX);
		return -E2BIG;
	}
	for (off = 0; off < len; off += size) {
		r = rec_check(vm, buf, len, off, ix, &size);
		if (r)
			return r;
	}
	return 0;
}

/* --- step 2: completeness --------------------------------------------- */

static int state_complete(struct vm *vm, const struct state_index *ix)
{
	unsigned int i, t;

	for (i = 0; i < vm->nr_vcpus; i++) {
		for (t = 0; t < sizeof(vcpu_required) / sizeof(vcpu_required[0]);
		     t++) {
			if (ix->vcpu[i][vcpu_required[t]])
				continue;
			vm_err(vm, "the state has no %s record for vCPU %u",
			       vm_state_type_name(vcpu_required[t]), i);
			return -EINVAL;
		}
		if (vm->irqchip && !ix->vcpu[i][LIVEMIG_STATE_LAPIC]) {
			vm_err(vm, "the state has no LAPIC record for vCPU %u, and its local APIC is in KVM here",
			       i);
			return -EINVAL;
		}
		if (!vm->irqchip && ix->vcpu[i][LIVEMIG_STATE_LAPIC]) {
			vm_err(vm, "the source kept vCPU %u's local APIC in KVM, this VM does not",
			       i);
			return -EINVAL;
		}
		if (ix->vcpu[i][LIVEMIG_STATE_XCRS] && !has_cap(vm, KVM_CAP_XCRS)) {
			vm_err(vm, "the source saved vCPU %u's XCRs, and KVM here has none (KVM_CAP_XCRS)",
			       i);
			return -EINVAL;
		}
	}
	if (!ix->vm[LIVEMIG_STATE_CLOCK]) {
		vm_err(vm, "the state has no CLOCK record");
		return -EINVAL;
	}
	return 0;
}

/* --- step 3: compatibility -------------------------------------------- */

static void cpuid_dynamic_mask(const struct kvm_cpuid_entry2 *e, uint32_t m[4])
{
	m[0] = m[1] = m[2] = m[3] = ~0u;
	if (e->function == 1) {
		m[2] &= ~CPUID_1_ECX_OSXSAVE;
		m[3] &= ~CPUID_1_EDX_APIC;
	} else if (e->function == 7 && e->index == 0) {
		m[2] &= ~CPUID_7_ECX_OSPKE;
	} else if (e->function == 0xd && e->index <= 1) {
		m[1] = 0;	/* the size of what XCR0 / XSS enable now */
	}
}

static const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid2 *c,
						 uint32_t fn, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++) {
		if (c->entries[i].function == fn && c->entries[i].index == index)
			return &c->entries[i];
	}
	return NULL;
}

/* Every leaf the guest saw on the source is the same here, and no more. */
static int check_cpuid(struct vcpu *vcpu, const struct kvm_cpuid2 *src)
{
	static const char *const regs[] = { "eax", "ebx", "ecx", "edx" };
	struct kvm_cpuid2 *here;
	uint32_t i, k, m[4];
	int r = get_cpuid(vcpu, &here);

	if (r)
		return r;
	for (i = 0; i < src->nent && !r; i++) {
		const struct kvm_cpuid_entry2 *s = &src->entries[i];
		const struct kvm_cpuid_entry2 *h = cpuid_find(here, s->function,
							      s->index);
		uint32_t sv[4] = { s->eax, s->ebx, s->ecx, s->edx };
		uint32_t hv[4];

		if (!h) {
			vm_err(vcpu->vm, "CPUID leaf %#x.%u, which the guest saw on the source, is missing here",
			       s->function, s->index);
			r = -EINVAL;
			break;
		}
		hv[0] = h->eax;
		hv[1] = h->ebx;
		hv[2] = h->ecx;
		hv[3] = h->edx;
		cpuid_dynamic_mask(s, m);
		for (k = 0; k < 4; k++) {
			if (!((sv[k] ^ hv[k]) & m[k]))
				continue;
			vm_err(vcpu->vm, "CPUID leaf %#x.%u %s differs: %#x on the source, %#x here (the hosts' CPUs or KVM differ)",
			       s->function, s->index, regs[k], sv[k], hv[k]);
			r = -EINVAL;
			break;
		}
	}
	for (i = 0; i < here->nent && !r; i++) {
		const struct kvm_cpuid_entry2 *h = &here->entries[i];

		if (cpuid_find(src, h->function, h->index))
			continue;
		vm_err(vcpu->vm, "CPUID leaf %#x.%u exists here but not on the source",
		       h->function, h->index);
		r = -EINVAL;
	}
	free(here);
	return r;
}

static bool msr_listed(const struct kvm_msr_list *list, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < list->nmsrs; i++) {
		if (list->indices[i] == index)
			return true;
	}
	return false;
}

static int check_msrs(struct vcpu *vcpu, const struct kvm_msrs *msrs)
{
	struct kvm_msr_list *list;
	uint32_t i;
	int r = kvm_msr_list(vcpu->vm, &list);

	for (i = 0; !r && i < msrs->nmsrs; i++) {
		if (msr_listed(list, msrs->entries[i].index))
			continue;
		vm_err(vcpu->vm, "the source saved MSR %#x, which KVM here does not know",
		       msrs->entries[i].index);
		r = -EINVAL;
	}
	free(list);
	return r;
}

static size_t xsave_size_here(struct vm *vm)
{
	size_t size = xsave2_size(vm);

	return size > sizeof(struct kvm_xsave) ? size : sizeof(struct kvm_xsave);
}

/*
 * How far apart two hosts' TSC rates may be when KVM cannot scale the
 * guest's (a kernel calibrates its TSC at boot, and two hosts of one
 * model rarely agree to the kHz): the guest then runs at this host's
 * rate, as under QEMU without an explicit tsc-frequency. Further apart,
 * the guest's clock would be visibly wrong: refused.
 */
#define TSC_TOLERANCE_PPM	2000

/* The only check that changes the vCPU: its TSC frequency, if it must. */
static int check_tsc_khz(struct vcpu *vcpu, uint32_t khz)
{
	int here = ioctl(vcpu->fd, KVM_GET_TSC_KHZ);

	if (!khz) {
		vm_err(vcpu->vm, "the source's TSC frequency for vCPU %u is 0",
		       vcpu->id);
		return -EINVAL;
	}
	if (here > 0 && (uint32_t)here == khz)
		return 0;
	if (ioctl(vcpu->fd, KVM_SET_TSC_KHZ, khz) < 0) {
		int r = -errno;
		uint64_t diff = here > 0 ? (uint64_t)llabs((long long)here - khz) : khz;

		if (diff * 1000000 <= (uint64_t)khz * TSC_TOLERANCE_PPM) {
			fprintf(stderr, "vCPU %u: the source's TSC ran at %u kHz, this host's runs at %d kHz (%llu ppm apart, KVM cannot scale it): the guest goes on at this host's rate\n",
				vcpu->id, khz, here,
				(unsigned long long)(diff * 1000000 / khz));
			return 0;
		}
		vm_err(vcpu->vm, "the source's TSC runs at %u kHz, this host's at %d kHz, and KVM cannot scale it: %s",
		       khz, here, strerror(-r));
		return r;
	}
	return 0;
}

static int check_vcpu(struct vcpu *vcpu,
		      const struct livemig_state_rec *const rec[])
{
	const struct livemig_state_rec *xsave = rec[LIVEMIG_STATE_XSAVE];
	size_t here = xsave_size_here(vcpu->vm);
	uint32_t khz;
	int r;

	r = check_cpuid(vcpu, rec_data(rec[LIVEMIG_STATE_CPUID]));
	if (r)
		return r;
	if (xsave->len > here) {
		vm_err(vcpu->vm, "the source's xsave state of vCPU %u is %u bytes, KVM here takes at most %zu (the hosts' CPUs differ)",
		       vcpu->id, xsave->len, here);
		return -EINVAL;
	}
	r = check_msrs(vcpu, rec_data(rec[LIVEMIG_STATE_MSRS]));
	if (r)
		return r;
	memcpy(&khz, rec_data(rec[LIVEMIG_STATE_TSC_KHZ]), sizeof(khz));
	return check_tsc_khz(vcpu, khz);
}

/* An 8-byte aligned copy when the caller's buffer is not (payloads are). */
static int state_aligned(const void *state, size_t len, const uint8_t **bufp,
			 void **copyp)
{
	*copyp = NULL;
	*bufp = state;
	if (!((uintptr_t)state % 8))
		return 0;
	*copyp = malloc(len ? len : 1);
	if (!*copyp)
		return -ENOMEM;
	memcpy(*copyp, state, len);
	*bufp = *copyp;
	return 0;
}

static int state_check(struct vm *vm, const uint8_t *buf, size_t len,
		       struct state_index *ix)
{
	unsigned int i;
	int r;

	r = state_index(vm, buf, len, ix);
	if (!r)
		r = state_complete(vm, ix);
	for (i = 0; i < vm->nr_vcpus && !r; i++)
		r = check_vcpu(vm->vcpus[i], ix->vcpu[i]);
	return r;
}

int __vm_state_check(struct vm *vm, const void *state, size_t len)
{
	struct state_index *ix = malloc(sizeof(*ix));
	const uint8_t *buf;
	void *copy;
	int r;

	if (!ix)
		return -ENOMEM;
	r = state_aligned(state, len, &buf, &copy);
	if (!r)
		r = state_check(vm, buf, len, ix);
	free(copy);
	free(ix);
	return r;
}

/* --- step 4: loading -------------------------------------------------- */

static int vcpu_set(struct vcpu *vcpu, unsigned long req, const void *buf,
		    const char *what)
{
	if (ioctl(vcpu->fd, req, buf) < 0) {
		int r = -errno;

		vm_err(vcpu->vm, "vCPU %u: %s: %s", vcpu->id, what, strerror(-r));
		return r;
	}
	return 0;
}

/* All MSRs but the TSC and its deadline, which come later. */
static int load_msrs(struct vcpu *vcpu, const struct kvm_msrs *src,
		     uint64_t *deadline, bool *has_deadline)
{
	struct kvm_msrs *m = msrs_alloc(src->nmsrs);
	uint32_t i;
	int r;

	if (!m)
		return -ENOMEM;
	m->nmsrs = 0;
	*has_deadline = false;
	for (i = 0; i < src->nmsrs; i++) {
		const struct kvm_msr_entry *e = &src->entries[i];

		if (e->index == MSR_IA32_TSC)
			continue;	/* the TSC record is the truth */
		if (e->index == MSR_IA32_TSC_DEADLINE) {
			*deadline = e->data;
			*has_deadline = true;
			continue;
		}
		m->entries[m->nmsrs++] = *e;
	}
	r = ioctl(vcpu->fd, KVM_SET_MSRS, m);
	if (r < 0) {
		r = -errno;
		vm_err(vcpu->vm, "vCPU %u: KVM_SET_MSRS: %s", vcpu->id,
		       strerror(-r));
	} else if ((uint32_t)r != m->nmsrs) {
		vm_err(vcpu->vm, "vCPU %u: KVM_SET_MSRS refused MSR %#x (value %#llx), after %d of %u",
		       vcpu->id, m->entries[r].index,
		       (unsigned long long)m->entries[r].data, r, m->nmsrs);
		r = -EINVAL;
	} else {
		r = 0;
	}
	free(m);
	return r;
}

/* KVM_SET_XSAVE reads as many bytes as KVM_GET_XSAVE2 writes here. */
static int load_xsave(struct vcpu *vcpu, const struct livemig_state_rec *rec)
{
	size_t size = xsave_size_here(vcpu->vm);
	void *buf = calloc(1, size);
	int r;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, rec_data(rec), rec->len);
	r = vcpu_set(vcpu, KVM_SET_XSAVE, buf, "KVM_SET_XSAVE");
	free(buf);
	return r;
}

static int load_events(struct vcpu *vcpu, const struct livemig_state_rec *rec)
{
	struct kvm_vcpu_events ev;

	memcpy(&ev, rec_data(rec), sizeof(ev));
	/* KVM_GET_VCPU_EVENTS fills these without flagging them (as QEMU). */
	ev.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING |
		    KVM_VCPUEVENT_VALID_SIPI_VECTOR;
	return vcpu_set(vcpu, KVM_SET_VCPU_EVENTS, &ev, "KVM_SET_VCPU_EVENTS");
}

static int load_vcpu(struct vcpu *vcpu,
		     const struct livemig_state_rec *const rec[])
{
	uint64_t tsc, deadline = 0;
	bool has_deadline;
	int r;

	r = vcpu_set(vcpu, KVM_SET_SREGS, rec_data(rec[LIVEMIG_STATE_SREGS]),
		     "KVM_SET_SREGS");
	if (!r)
		r = load_msrs(vcpu, rec_data(rec[LIVEMIG_STATE_MSRS]), &deadline,
			      &has_deadline);
	if (!r) {
		/* After its frequency (check_tsc_khz()) and the MSRs. */
		memcpy(&tsc, rec_data(rec[LIVEMIG_STATE_TSC]), sizeof(tsc));
		r = vcpu_msr(vcpu, KVM_SET_MSRS, MSR_IA32_TSC, &tsc);
	}
	if (!r && rec[LIVEMIG_STATE_XCRS])
		r = vcpu_set(vcpu, KVM_SET_XCRS, rec_data(rec[LIVEMIG_STATE_XCRS]),
			     "KVM_SET_XCRS");
	if (!r)
		r = load_xsave(vcpu, rec[LIVEMIG_STATE_XSAVE]);
	if (!r)
		r = vcpu_set(vcpu, KVM_SET_REGS, rec_data(rec[LIVEMIG_STATE_REGS]),
			     "KVM_SET_REGS");
	if (!r)
		r = vcpu_set(vcpu, KVM_SET_DEBUGREGS,
			     rec_data(rec[LIVEMIG_STATE_DEBUGREGS]),
			     "KVM_SET_DEBUGREGS");
	if (!r && rec[LIVEMIG_STATE_LAPIC])
		r = vcpu_set(vcpu, KVM_SET_LAPIC, rec_data(rec[LIVEMIG_STATE_LAPIC]),
			     "KVM_SET_LAPIC");
	if (!r && has_deadline)
		r = vcpu_msr(vcpu, KVM_SET_MSRS, MSR_IA32_TSC_DEADLINE, &deadline);
	if (!r)
		r = vcpu_set(vcpu, KVM_SET_MP_STATE,
			     rec_data(rec[LIVEMIG_STATE_MP_STATE]),
			     "KVM_SET_MP_STATE");
	if (!r)
		r = load_events(vcpu, rec[LIVEMIG_STATE_EVENTS]);
	return r;
}

/*
 * The clock of the moment the source paused, moved on by the wall-clock
 * time since when both hosts can say it (KVM_CLOCK_REALTIME): the guest's
 * clock then covers the pause, as it would have on one host.
 */
static int load_clock(struct vm *vm, const struct livemig_state_rec *rec)
{
	int cap = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_ADJUST_CLOCK);
	struct kvm_clock_data clock;

	memcpy(&clock, rec_data(rec), sizeof(clock));
	clock.flags &= KVM_CLOCK_REALTIME;
	if (cap < 0 || !(cap & KVM_CLOCK_REALTIME))
		clock.flags = 0;
	if (ioctl(vm->fd, KVM_SET_CLOCK, &clock) < 0) {
		int r = -errno;

		vm_err(vm, "KVM_SET_CLOCK: %s", strerror(-r));
		return r;
	}
	return 0;
}

int __vm_state_load(struct vm *vm, const void *state, size_t len,
		    const void **devp, uint32_t *dev_lenp)
{
	struct state_index *ix = malloc(sizeof(*ix));
	const struct livemig_state_rec *dev;
	const uint8_t *buf;
	unsigned int i;
	void *copy;
	int r;

	*devp = NULL;
	*dev_lenp = 0;
	if (!ix)
		return -ENOMEM;
	r = state_aligned(state, len, &buf, &copy);
	if (!r)
		r = state_check(vm, buf, len, ix);
	for (i = 0; i < vm->nr_vcpus && !r; i++)
		r = load_vcpu(vm->vcpus[i], ix->vcpu[i]);
	if (!r)
		r = load_clock(vm, ix->vm[LIVEMIG_STATE_CLOCK]);
	dev = ix->vm[LIVEMIG_STATE_DEVICE];
	if (!r && dev) {
		/* Into the caller's buffer, not our aligned copy. */
		*devp = (const uint8_t *)state + ((const uint8_t *)rec_data(dev) - buf);
		*dev_lenp = dev->len;
	}
	free(copy);
	free(ix);
	return r;
}

int __vm_state_append(struct vm_state *st, uint32_t type, uint32_t vcpu,
		      const void *data, uint32_t len)
{
	return state_put(NULL, st, type, vcpu, data, len);
}

struct livemig_state_rec *vm_state_find(const void *state, size_t len,
					uint32_t type, uint32_t vcpu)
{
	size_t off = 0;

	while (len - off >= HDR) {
		struct livemig_state_rec *rec =
			(struct livemig_state_rec *)((uintptr_t)state + off);

		if (rec->type == type && rec->vcpu == vcpu)
			return rec;
		if (ALIGN8(rec->len) > len - off - HDR)
			break;
		off += HDR + ALIGN8(rec->len);
	}
	return NULL;
}
