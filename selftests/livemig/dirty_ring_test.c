// SPDX-License-Identifier: GPL-2.0
/*
 * dirty_ring_test: the test VMM, the test guest and KVM's dirty ring agree.
 *
 *   test VMM (this program)                 test guest (long mode)
 *   -----------------------                 ----------------------
 *   slot 0: RAM 0..16 MiB, dirty logged     pass G writes G into every
 *   dirty ring per vCPU        <-- ring --  page from 2 MiB up, after
 *   collect + KVM_RESET_DIRTY_RINGS         checking it still holds G-1
 *                              <-- port --  "pass G done" / "page X bad"
 *
 * Everything livemig will rely on is checked from both sides: every page the
 * guest writes shows up in the ring, again after a reset; the VMM sees the
 * guest's pattern in memory; the guest catches a page changed behind its
 * back; a ring smaller than a pass fills, and the guest continues once the
 * VMM harvests and resets.
 *
 * -m MUTATION breaks the VMM on purpose; the test must then fail:
 *   no-log          RAM slot without KVM_MEM_LOG_DIRTY_PAGES
 *   skip-reset      collect the ring but never call KVM_RESET_DIRTY_RINGS
 *   bad-gpa         read guest memory one page off
 *   guest-noverify  start the guest with verify=0
 *   no-cpuid        give the vCPU no CPUID (the guest finds no long mode)
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lm_guest.h"
#include "vmm.h"

#define RAM_SIZE	(16ull << 20)
#define EVENT_TIMEOUT_MS 60000
#define STUCK_LIMIT	3	/* ring-full exits in a row that free nothing */
#define SHOW_MAX	5	/* examples printed for a failed check */

enum mutation {
	MUT_NONE,
	MUT_NO_LOG,
	MUT_SKIP_RESET,
	MUT_BAD_GPA,
	MUT_GUEST_NOVERIFY,
	MUT_NO_CPUID,
};

static const char *const mutation_names[] = {
	[MUT_NONE] = "none",
	[MUT_NO_LOG] = "no-log",
	[MUT_SKIP_RESET] = "skip-reset",
	[MUT_BAD_GPA] = "bad-gpa",
	[MUT_GUEST_NOVERIFY] = "guest-noverify",
	[MUT_NO_CPUID] = "no-cpuid",
};

struct test {
	struct ktap ktap;
	char image[PATH_MAX];
	enum mutation mut;
	bool verbose;
};

/**
 * struct harvest - what the rings reported since it was last cleared
 * @vm:		the VM whose slots the entries name
 * @start_gfn:	first page of the guest's pattern
 * @end_gfn:	one past its last page
 * @seen:	per pattern page, whether the ring reported it
 * @entries:	entries collected
 * @outside:	entries for pages outside the pattern (gfn 0, page tables...)
 * @bad_slot:	entries naming no slot of @vm
 */
struct harvest {
	struct vm *vm;
	uint64_t start_gfn;
	uint64_t end_gfn;
	bool *seen;
	uint64_t entries;
	uint64_t outside;
	uint64_t bad_slot;
};

/* The guest VM under test and the events it produced so far. */
struct guest {
	struct vm *vm;
	struct vcpu *vcpu;
	struct harvest h;
	uint64_t mismatches;
	uint64_t first_mismatch_gfn;
	struct lm_guest_state *state;
};

static void harvest_entry(void *arg, uint32_t slot, uint64_t offset)
{
	struct harvest *h = arg;
	uint64_t gfn;

	h->entries++;
	if (vm_ring_to_gfn(h->vm, slot, offset, &gfn)) {
		h->bad_slot++;
		return;
	}
	if (gfn < h->start_gfn || gfn >= h->end_gfn) {
		h->outside++;
		return;
	}
	h->seen[gfn - h->start_gfn] = true;
}

static void harvest_clear(struct harvest *h)
{
	memset(h->seen, 0, (h->end_gfn - h->start_gfn) * sizeof(*h->seen));
	h->entries = 0;
	h->outside = 0;
	h->bad_slot = 0;
}

/* Collect, then reset: a write after the collect is caught next time. */
static uint32_t harvest_rings(struct test *t, struct guest *g)
{
	uint32_t n = 0;
	unsigned int i;

	for (i = 0; i < g->vm->nr_vcpus; i++)
		n += vcpu_ring_collect(g->vm->vcpus[i], harvest_entry, &g->h);
	if (t->mut != MUT_SKIP_RESET)
		vm_reset_dirty_rings(g->vm);
	return n;
}

static uint64_t harvest_missing(const struct harvest *h, uint64_t *first)
{
	uint64_t i, missing = 0;

	for (i = 0; i < h->end_gfn - h->start_gfn; i++) {
		if (h->seen[i])
			continue;
		if (!missing++)
			*first = h->start_gfn + i;
	}
	return missing;
}

static void guest_destroy(struct guest *g)
{
	free(g->h.seen);
	vm_destroy(g->vm);
	memset(g, 0, sizeof(*g));
}

static int guest_start(struct test *t, struct guest *g, uint32_t ring_entries,
		       const char *options)
{
	struct guest_config cfg = {
		.image = t->image,
		.ram_size = RAM_SIZE,
		.ring_entries = ring_entries,
		.slot_flags = t->mut == MUT_NO_LOG ? 0 : KVM_MEM_LOG_DIRTY_PAGES,
		.no_cpuid = t->mut == MUT_NO_CPUID,
	};
	char cmdline[128], err[VM_ERR_LEN];
	int r;

	memset(g, 0, sizeof(*g));
	snprintf(cmdline, sizeof(cmdline), "%s%s", options,
		 t->mut == MUT_GUEST_NOVERIFY ? " verify=0" : "");
	cfg.cmdline = cmdline;
	r = __vm_create_guest(&g->vm, &g->vcpu, &cfg, err, sizeof(err));
	if (r) {
		ktap_diag("%s", err);
		return r;
	}
	g->vcpu->console_echo = t->verbose;
	g->state = vm_gpa_to_hva(g->vm, LM_STATE_GPA, sizeof(*g->state));
	/* The expectation comes from the layout, not from the guest's word. */
	g->h.vm = g->vm;
	g->h.start_gfn = LM_PATTERN_START / LM_PAGE_SIZE;
	g->h.end_gfn = RAM_SIZE / LM_PAGE_SIZE;
	g->h.seen = calloc(g->h.end_gfn - g->h.start_gfn, sizeof(*g->h.seen));
	TEST_ASSERT(g->h.seen, "out of memory");
	return 0;
}

/*
 * Runs the guest until it reports a pass done (true) or stops, fails or
 * hangs (false, with a diagnostic).  Full rings are harvested and reset on
 * the way; mismatch reports are counted.
 */
static bool run_to_pass(struct test *t, struct guest *g, uint64_t *pass)
{
	unsigned int stuck = 0;
	struct guest_event ev;

	for (;;) {
		int r = __vcpu_run_guest(g->vcpu, &ev, EVENT_TIMEOUT_MS);

		if (r) {
			ktap_diag("vcpu%u: %s", g->vcpu->id, g->vcpu->err);
			vcpu_dump(g->vcpu);
			return false;
		}
		switch (ev.kind) {
		case GUEST_PASS:
			*pass = ev.value;
			return true;
		case GUEST_MISMATCH:
			if (!g->mismatches++)
				g->first_mismatch_gfn = ev.value;
			break;
		case GUEST_RING_FULL:
			if (harvest_rings(t, g)) {
				stuck = 0;
				break;
			}
			if (++stuck < STUCK_LIMIT)
				break;
			ktap_diag("the ring stays full: %u ring-full exits in a row freed nothing",
				  STUCK_LIMIT);
			return false;
		case GUEST_EXIT:
			ktap_diag("the guest exited with code %" PRIu64 " before the pass ended",
				  ev.value);
			vcpu_dump(g->vcpu);
			return false;
		case GUEST_HLT:
			ktap_diag("the guest halted before the pass ended");
			vcpu_dump(g->vcpu);
			return false;
		}
	}
}

static bool check_pass(struct test *t, struct guest *g, uint64_t expect)
{
	uint64_t pass = 0;

	if (!run_to_pass(t, g, &pass))
		return false;
	if (pass != expect || g->state->pass != expect) {
		ktap_diag("expected pass %" PRIu64 ", the guest reported %"
			  PRIu64 " and recorded %" PRIu64,
			  expect, pass,
			  g->state->pass);
		return false;
	}
	return true;
}

/* Test 1: the guest boots, enters long mode and finishes a pass. */
static bool test_boot(struct test *t, struct guest *g)
{
	struct kvm_sregs sregs;

	if (!check_pass(t, g, 1))
		return false;
	vcpu_get_sregs(g->vcpu, &sregs);
	if (!(sregs.efer & X86_EFER_LMA) || !sregs.cs.l) {
		ktap_diag("not in 64-bit mode: efer %#llx cs.l %u",
			  sregs.efer, sregs.cs.l);
		return false;
	}
	if (g->state->magic != LM_STATE_MAGIC ||
	    g->state->start_gfn != g->h.start_gfn ||
	    g->state->end_gfn != g->h.end_gfn) {
		ktap_diag("guest state: magic %#" PRIx64 " pages %#" PRIx64
			  "-%#" PRIx64 ", expected pages %#" PRIx64 "-%#" PRIx64,
			  g->state->magic,
			  g->state->start_gfn,
			  g->state->end_gfn,
			  g->h.start_gfn,
			  g->h.end_gfn);
		return false;
	}
	return true;
}

/* Tests 2 and 3: every page of the pass came through the ring. */
static bool test_ring_complete(struct test *t, struct guest *g)
{
	uint64_t missing, first = 0;

	harvest_rings(t, g);
	missing = harvest_missing(&g->h, &first);
	ktap_diag("%" PRIu64 " ring entries: %" PRIu64 " outside the pattern, %"
		  PRIu64 " in unknown slots; %" PRIu64 " ring-full exits so far",
		  g->h.entries,
		  g->h.outside,
		  g->h.bad_slot,
		  g->vcpu->ring_full_exits);
	if (missing)
		ktap_diag("%" PRIu64 " of %" PRIu64
			  " pattern pages missing from the ring, first gfn %#"
			  PRIx64,
			  missing,
			  (g->h.end_gfn - g->h.start_gfn),
			  first);
	harvest_clear(&g->h);
	return !missing && !g->h.bad_slot;
}

/* Test 4: the VMM sees the pattern of @gen, the guest saw no mismatch. */
static bool test_memory(struct test *t, struct guest *g, uint64_t gen)
{
	uint64_t gfn, bad = 0;
	uint64_t skew = t->mut == MUT_BAD_GPA ? LM_PAGE_SIZE : 0;

	for (gfn = g->h.start_gfn; gfn < g->h.end_gfn; gfn++) {
		const uint64_t *p = vm_gpa_to_hva(g->vm, gfn * LM_PAGE_SIZE + skew,
						  LM_PAGE_SIZE);
		uint64_t check = lm_page_check(gfn, gen);

		if (p && p[LM_W_GFN] == gfn && p[LM_W_GEN] == gen &&
		    p[LM_W_CHECK] == check && p[LM_W_LAST] == check)
			continue;
		if (bad++ < SHOW_MAX)
			ktap_diag("page %#" PRIx64 " holds gfn %#" PRIx64 " gen %"
				  PRIu64 ", expected gen %" PRIu64,
				  gfn,
				  p ? p[LM_W_GFN] : 0,
				  p ? p[LM_W_GEN] : 0,
				  gen);
	}
	if (bad)
		ktap_diag("%" PRIu64 " pattern pages wrong", bad);
	if (g->mismatches)
		ktap_diag("the guest reported %" PRIu64 " mismatches, first gfn %#" PRIx64,
			  g->mismatches,
			  g->first_mismatch_gfn);
	return !bad && !g->mismatches;
}

/*
 * Test 5: a page changed behind the guest's back (by the VMM, as a broken
 * migration would) is reported by the guest with its gfn, and only that one.
 */
static bool test_guest_verifies(struct test *t, struct guest *g)
{
	uint64_t victim = (g->h.start_gfn + g->h.end_gfn) / 2;
	uint64_t *p = vm_gpa_to_hva(g->vm, victim * LM_PAGE_SIZE, LM_PAGE_SIZE);
	uint64_t expect_gen = g->state->pass;
	struct guest_event ev;
	int r;

	p[LM_W_GEN] = 99;
	if (!check_pass(t, g, expect_gen + 1))
		return false;
	harvest_rings(t, g);
	harvest_clear(&g->h);
	if (g->mismatches != 1 || g->first_mismatch_gfn != victim ||
	    g->state->errors != 1 || g->state->bad_gfn != victim ||
	    g->state->bad_expected_gen != expect_gen ||
	    g->state->bad_word[1] != 99) {
		ktap_diag("corrupted page %#" PRIx64 "; the guest reported %"
			  PRIu64 " mismatches (first %#" PRIx64 "), recorded %"
			  PRIu64 " (last %#" PRIx64 ", expected gen %" PRIu64
			  ", found %" PRIu64 ")",
			  victim,
			  g->mismatches,
			  g->first_mismatch_gfn,
			  g->state->errors,
			  g->state->bad_gfn,
			  g->state->bad_expected_gen,
			  g->state->bad_word[1]);
		return false;
	}
	/* The guest ran its passes; it must now say it saw a mismatch. */
	r = __vcpu_run_guest(g->vcpu, &ev, EVENT_TIMEOUT_MS);
	if (r || ev.kind != GUEST_EXIT || ev.value != LM_EXIT_MISMATCH) {
		ktap_diag("expected the guest to exit with code %u: %s",
			  LM_EXIT_MISMATCH, r ? g->vcpu->err : "other event");
		return false;
	}
	return true;
}

/*
 * Test 6: with a ring much smaller than a pass, the vCPU exits with
 * KVM_EXIT_DIRTY_RING_FULL, continues after each harvest + reset, and no
 * page goes missing.  Intel's PML reserves more entries, hence the retry
 * with larger rings.
 */
static bool test_ring_full(struct test *t)
{
	static const uint32_t sizes[] = { 256, 512, 1024 };
	uint64_t missing, first = 0, pass, expect;
	struct guest_event ev;
	struct guest g;
	unsigned int i;
	bool ok = false;
	int r = -EINVAL;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && r; i++)
		r = guest_start(t, &g, sizes[i], "passes=2");
	if (r)
		return false;
	ktap_diag("ring of %u entries, %" PRIu64 " pattern pages",
		  g.vm->ring_entries,
		  (g.h.end_gfn - g.h.start_gfn));
	for (expect = 1; expect <= 2; expect++) {
		if (!run_to_pass(t, &g, &pass))
			goto out;
		harvest_rings(t, &g);
		missing = harvest_missing(&g.h, &first);
		ktap_diag("pass %" PRIu64 ": %" PRIu64
			  " ring-full exits so far, %" PRIu64 " pages missing",
			  pass,
			  g.vcpu->ring_full_exits,
			  missing);
		if (pass != expect || missing) {
			if (missing)
				ktap_diag("first missing gfn %#" PRIx64,
					  first);
			goto out;
		}
		harvest_clear(&g.h);
	}
	r = __vcpu_run_guest(g.vcpu, &ev, EVENT_TIMEOUT_MS);
	if (r || ev.kind != GUEST_EXIT || ev.value != LM_EXIT_OK) {
		ktap_diag("expected the guest to exit with code 0: %s",
			  r ? g.vcpu->err : "other event");
		goto out;
	}
	ok = g.vcpu->ring_full_exits > 0 && !g.mismatches;
	if (!ok)
		ktap_diag("ring-full exits %" PRIu64 ", mismatches %" PRIu64,
			  g.vcpu->ring_full_exits,
			  g.mismatches);
out:
	guest_destroy(&g);
	return ok;
}

static void usage(const char *prog)
{
	unsigned int i;

	fprintf(stderr, "usage: %s [-v] [-g GUEST_IMAGE] [-m MUTATION]\n"
		"  -v  echo the guest's console\n"
		"  -g  guest image (default: livemig-guest.elf next to this program)\n"
		"  -m  break the VMM on purpose, the test must fail:",
		prog);
	for (i = 1; i < sizeof(mutation_names) / sizeof(mutation_names[0]); i++)
		fprintf(stderr, " %s", mutation_names[i]);
	fputc('\n', stderr);
	exit(KSFT_FAIL);
}

static void parse_args(struct test *t, int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "vg:m:h")) != -1) {
		unsigned int i;

		switch (opt) {
		case 'v':
			t->verbose = true;
			break;
		case 'g':
			snprintf(t->image, sizeof(t->image), "%s", optarg);
			break;
		case 'm':
			for (i = 0; i < sizeof(mutation_names) /
					sizeof(mutation_names[0]); i++) {
				if (!strcmp(optarg, mutation_names[i]))
					break;
			}
			if (i == sizeof(mutation_names) / sizeof(mutation_names[0]))
				usage(argv[0]);
			t->mut = i;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (t->image[0])
		return;
	guest_image_default(t->image, sizeof(t->image));
}

int main(int argc, char **argv)
{
	static const char *const names[] = {
		"guest boots into long mode and completes pass 1",
		"dirty ring reports every page written in pass 1",
		"after KVM_RESET_DIRTY_RINGS, pass 2 is reported again",
		"guest memory holds page numbers and generation 2",
		"guest reports a page changed behind its back",
		"small ring: ring-full exits, harvest and reset, no page lost",
	};
	struct test t = { 0 };
	struct guest g;
	bool booted, pass2;
	int r;

	parse_args(&t, argc, argv);
	ktap_skip_unless_guest_runs(t.image);

	ktap_start(&t.ktap, sizeof(names) / sizeof(names[0]));
	if (t.mut != MUT_NONE)
		ktap_diag("mutation %s: this run must fail", mutation_names[t.mut]);

	r = guest_start(&t, &g, VM_RING_DEFAULT, "passes=3");
	booted = !r && test_boot(&t, &g);
	ktap_result(&t.ktap, booted, "%s", names[0]);
	if (booted) {
		ktap_result(&t.ktap, test_ring_complete(&t, &g), "%s", names[1]);
		pass2 = check_pass(&t, &g, 2);
		ktap_result(&t.ktap, pass2 && test_ring_complete(&t, &g), "%s",
			    names[2]);
		if (pass2) {
			ktap_result(&t.ktap, test_memory(&t, &g, 2), "%s",
				    names[3]);
			ktap_result(&t.ktap, test_guest_verifies(&t, &g), "%s",
				    names[4]);
		} else {
			ktap_skip(&t.ktap, names[3], "pass 2 did not complete");
			ktap_skip(&t.ktap, names[4], "pass 2 did not complete");
		}
	} else {
		for (unsigned int i = 1; i < 5; i++)
			ktap_skip(&t.ktap, names[i], "the guest did not boot");
	}
	if (!r)
		guest_destroy(&g);
	ktap_result(&t.ktap, test_ring_full(&t), "%s", names[5]);
	return ktap_finish(&t.ktap);
}
