// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_state_test: a guest moved by hand from one VM to another in one
 * process, as livemig moves it between hosts, but without livemig: the
 * state list of the VMM contract is complete and loads in the right order.
 *
 *   this process
 *   +-------------------------------+      +-------------------------------+
 *   | source vmm (32 MiB, kvmclock, |      | destination vmm: the machine  |
 *   | fill=random, zeroed pages,    |      | of the parsed description,    |
 *   | test device writing its area) |      | empty; broken states refused  |
 *   | passes 1, 2, ... then pause   |      |                               |
 *   |   __vmm_save() --- records ---+----->|   __vmm_load()                |
 *   |   guest RAM ------ memcpy ----+----->|   (memory digests compared)   |
 *   | (destroyed)                   |      |   new epoch, run: the guest   |
 *   +-------------------------------+      |   checks every page it wrote, |
 *                                          |   whole; goes on; so does the |
 *                                          |   device; a byte flipped in a |
 *                                          |   page is caught              |
 *                                          +-------------------------------+
 *
 * What would pass on a broken migrator does not count here: the guest
 * checks its own pages against its own record of generations, at once
 * after the move and again on its next full pass; the destination's vCPU
 * state is read back and compared record by record; the guest's clock
 * must have moved forward and never back; the device checks the pages it
 * wrote on the source.  The refusals each need their own sentence.  And
 * the checks themselves must be able to fail: a byte flipped in the
 * destination's copy changes the memory digest in that page's line, and
 * one flipped inside a page's random fill, or in a zeroed page, is found
 * by the guest.
 *
 * The description and hash cases need no KVM and always run.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "lm_guest.h"
#include "memdigest.h"
#include "testdev.h"
#include "vmm.h"
#include "vmm_desc.h"
#include "vmm_run.h"
#include "vmstate.h"

#define RAM_SIZE	(32ull << 20)
#define DEV_RATE	200		/* device pages per second */
#define ZERO_PAGES	500		/* pages the guest zeroes from pass 2 */
#define SRC_PASSES	2		/* before the pause: zeroes written */
/*
 * Pages per second.  Unthrottled, a guest past its first touch rewrites
 * its 32 MiB in some 50 ms here: planted bytes could be found twice
 * before they are put back (test_planted()).
 */
#define SRC_RATE	4000
#define PASS_WAIT_MS	180000		/* a pass under nested TCG: seconds */
#define POLL_MS		50
#define FLIP_WORD	300		/* a word inside the random fill */
#define NR_PURE_CASES	7		/* description and hash */
#define NR_BAD_STATES	14
#define NR_TESTS	(NR_PURE_CASES + 4 + NR_BAD_STATES + 8)

/**
 * struct test - everything the cases share (no globals)
 * @ktap:	the results
 * @image:	the guest image
 * @verbose:	echo the guest consoles
 * @src:	the source, until its RAM is copied
 * @src_dev:	its test device
 * @dst:	the destination
 * @dst_dev:	its test device, once restored
 * @cfg:	how the source was made
 * @desc:	the destination's description, parsed from the source's text
 * @state:	the saved state
 * @at_pause:	the guest's own record at the pause
 * @clock:	the CLOCK record
 * @tsc:	vCPU 0's TSC record
 * @ds:		the devices' state as loaded
 * @planted:	wrong pages put in the destination's RAM on purpose
 * @dir:	where the memory digests go
 */
struct test {
	struct ktap ktap;
	char image[PATH_MAX];
	bool verbose;
	struct vmm *src;
	struct testdev *src_dev;
	struct vmm *dst;
	struct testdev *dst_dev;
	struct vmm_config cfg;
	struct vmm_desc desc;
	struct vm_state state;
	struct lm_guest_state at_pause;
	struct kvm_clock_data clock;
	uint64_t tsc;
	struct vmm_devstate ds;
	uint64_t planted;
	char dir[64];
};

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool contains(const char *s, const char *part)
{
	return strstr(s, part) != NULL;
}

/* --- the machine description (no KVM) -------------------------------- */

static void desc_sample(struct vmm_desc *d)
{
	*d = (struct vmm_desc){
		.ram_size = RAM_SIZE, .vcpus = 1, .irqchip = true,
		.ring_entries = 4096, .image = "/x/livemig-guest.elf",
		.cmdline = "pages=7936 fill=random zero=500",
		.fill = LM_FILL_RANDOM, .zero_pages = ZERO_PAGES,
		.reserved_pages = TESTDEV_AREA_PAGES,
		.regions = { { .slot = 0, .gpa = 0, .size = RAM_SIZE } },
		.nr_regions = 1, .device = true,
		.device_gpa = RAM_SIZE - TESTDEV_AREA_PAGES * LM_PAGE_SIZE,
		.device_pages = TESTDEV_AREA_PAGES, .device_rate = DEV_RATE,
	};
}

static void test_desc_roundtrip(struct test *t)
{
	struct vmm_desc d, back;
	char text[VMM_DESC_MAX], err[VM_ERR_LEN] = "";
	size_t len;
	bool ok;

	desc_sample(&d);
	ok = !vmm_desc_format(&d, text, sizeof(text), &len) &&
	     !__vmm_desc_parse(&back, text, len, err, sizeof(err)) &&
	     !memcmp(&d, &back, sizeof(d));
	if (!ok)
		ktap_diag("%s", err[0] ? err : "parsed back differently");
	ktap_result(&t->ktap, ok, "a machine description with a test device formats and parses back to the same machine");
}

/* Parses @text; true if refused with a sentence holding @part. */
static bool desc_refused(const char *text, const char *part)
{
	char err[VM_ERR_LEN] = "";
	struct vmm_desc d;
	int r = __vmm_desc_parse(&d, text, strlen(text), err, sizeof(err));

	ktap_diag("refused: \"%s\"", err);
	return r == -EINVAL && contains(err, part);
}

static void test_desc_refusals(struct test *t)
{
	struct vmm_desc d;
	char text[VMM_DESC_MAX], bad[VMM_DESC_MAX + 64], want[64];
	size_t len;
	char *p;

	desc_sample(&d);
	TEST_ASSERT(!vmm_desc_format(&d, text, sizeof(text), &len), "format");

	snprintf(bad, sizeof(bad), "%scolour=blue\n", text);
	ktap_result(&t->ktap, desc_refused(bad, "unknown key colour"),
		    "a description with an unknown key is refused, naming the line");

	p = strstr(text, "mem=");
	snprintf(bad, sizeof(bad), "%.*s%s", (int)(p - text), text,
		 strchr(p, '\n') + 1);
	ktap_result(&t->ktap, desc_refused(bad, "mem= is missing"),
		    "a description without mem= is refused");

	p = strstr(text, "region.0.size=");
	snprintf(bad, sizeof(bad), "%.*s%s", (int)(p - text), text,
		 strchr(p, '\n') + 1);
	ktap_result(&t->ktap, desc_refused(bad, "region 0 lacks"),
		    "a description with a region without its size is refused");

	snprintf(bad, sizeof(bad), "livemig-test-vmm 1\n%s",
		 strchr(text, '\n') + 1);
	snprintf(want, sizeof(want), "is not \"%s %d\"", VMM_DESC_FORMAT,
		 VMM_DESC_VERSION);
	ktap_result(&t->ktap, desc_refused(bad, want),
		    "a description of another format version is refused");

	p = strstr(text, "guest.fill=random");
	snprintf(bad, sizeof(bad), "%.*sguest.fill=blue%s", (int)(p - text),
		 text, strchr(p, '\n'));
	ktap_result(&t->ktap, desc_refused(bad, "guest.fill=blue is neither"),
		    "a description with a guest fill this VMM does not know is refused");
}

/* The digest's hash is XXH64: the reference's own test vectors. */
static void test_xxh64(struct test *t)
{
	static const struct {
		const char *in;
		uint64_t h;
	} vec[] = {
		{ "", 0xEF46DB3751D8E999ull },
		{ "a", 0xD24EC4F1A98C6E5Bull },
		{ "abc", 0x44BC2CF5AD770999ull },
		{ "Nobody inspects the spammish repetition",
		  0xFBCEA83C8A378BF1ull },	/* a stripe and every tail */
	};
	unsigned int i;
	bool ok = true;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		uint64_t h = xxh64(vec[i].in, strlen(vec[i].in), 0);

		if (h == vec[i].h)
			continue;
		ktap_diag("XXH64(\"%s\") = %016" PRIx64 ", not %016" PRIx64,
			  vec[i].in, h, vec[i].h);
		ok = false;
	}
	ktap_result(&t->ktap, ok, "the memory digest's hash gives XXH64's reference values");
}

/* --- the source ---------------------------------------------------- */

static bool wait_stats(struct vmm *vmm, bool (*done)(const struct vmm_stats *,
						     const void *),
		       const void *arg, struct vmm_stats *st)
{
	unsigned int waited;

	for (waited = 0; waited < PASS_WAIT_MS; waited += POLL_MS) {
		vmm_stats(vmm, st);
		if (st->failed || st->guest_exit >= 0)
			break;
		if (done(st, arg))
			return true;
		sleep_ms(POLL_MS);
	}
	if (st->failed)
		ktap_diag("the VM failed: %s", vmm_why(vmm));
	else if (st->guest_exit >= 0)
		ktap_diag("the guest exited with code %" PRId64, st->guest_exit);
	else
		ktap_diag("nothing after %u ms", PASS_WAIT_MS);
	vcpu_dump(vmm->vcpu);
	return false;
}

static bool passes_reached(const struct vmm_stats *st, const void *arg)
{
	return st->passes >= *(const uint64_t *)arg;
}

static uint64_t device_gpa(void)
{
	return RAM_SIZE - TESTDEV_AREA_PAGES * LM_PAGE_SIZE;
}

/* Runs the source to SRC_PASSES passes, with its device writing. */
static bool test_source_runs(struct test *t)
{
	uint64_t want = SRC_PASSES;
	struct vmm_stats st;
	char err[VM_ERR_LEN];
	bool ok;
	int r;

	t->cfg = (struct vmm_config){
		.image = t->image, .ram_size = RAM_SIZE,
		.ring_entries = VM_RING_DEFAULT,
		.fill = LM_FILL_RANDOM, .zero_pages = ZERO_PAGES,
		.rate = SRC_RATE, .reserved_pages = TESTDEV_AREA_PAGES,
		.console_echo = t->verbose,
	};
	r = __vmm_create(&t->src, &t->cfg, err, sizeof(err));
	if (r) {
		ktap_diag("creating the source: %s", err);
		ktap_result(&t->ktap, false, "the source guest runs");
		return false;
	}
	vm_alloc_dirty_bitmaps(t->src->vm);
	t->src_dev = testdev_start(t->src->vm, device_gpa(), TESTDEV_AREA_PAGES,
				   DEV_RATE);
	vmm_start(t->src);
	ok = wait_stats(t->src, passes_reached, &want, &st) && st.clock &&
	     !st.mismatches && testdev_writes(t->src_dev) &&
	     !testdev_errors(t->src_dev);
	ok = ok && t->src->state->fill == LM_FILL_RANDOM &&
	     t->src->state->zero_step;
	ktap_result(&t->ktap, ok,
		    "the source guest runs %" PRIu64 " passes with kvmclock (%s), random fill and %" PRIu64 " zeroed pages while its test device writes (%" PRIu64 " pages), without an error",
		    st.passes, st.clock ? "on" : "off",
		    t->src->state->zero_pages, testdev_writes(t->src_dev));
	return ok;
}

static void rec_copy(const struct vm_state *s, uint32_t type, void *out,
		     size_t len)
{
	const struct livemig_state_rec *rec =
		vm_state_find(s->buf, s->len, type, 0);

	TEST_ASSERT(rec && rec->len == len, "no %s record of %zu bytes",
		    vm_state_type_name(type), len);
	memcpy(out, rec + 1, len);
}

/* Pause anywhere in a pass and save: every record of the list is there. */
static bool test_pause_save(struct test *t)
{
	static const uint32_t types[] = {
		LIVEMIG_STATE_REGS, LIVEMIG_STATE_SREGS, LIVEMIG_STATE_XSAVE,
		LIVEMIG_STATE_XCRS, LIVEMIG_STATE_MSRS, LIVEMIG_STATE_LAPIC,
		LIVEMIG_STATE_EVENTS, LIVEMIG_STATE_MP_STATE,
		LIVEMIG_STATE_DEBUGREGS, LIVEMIG_STATE_TSC_KHZ,
		LIVEMIG_STATE_TSC, LIVEMIG_STATE_CPUID, LIVEMIG_STATE_CLOCK,
		LIVEMIG_STATE_DEVICE,
	};
	char err[VM_ERR_LEN];
	unsigned int i;
	bool ok;
	int r;

	testdev_stop(t->src_dev);
	r = __vmm_pause(t->src, err, sizeof(err));
	if (!r)
		r = __vmm_save(t->src, t->src_dev, &t->state, err, sizeof(err));
	if (r) {
		ktap_diag("%s", err);
		ktap_result(&t->ktap, false, "the source pauses and saves its state");
		return false;
	}
	memcpy(&t->at_pause, t->src->state, sizeof(t->at_pause));
	ok = true;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (vm_state_find(t->state.buf, t->state.len, types[i], 0))
			continue;
		ktap_diag("no %s record", vm_state_type_name(types[i]));
		ok = false;
	}
	if (ok) {
		rec_copy(&t->state, LIVEMIG_STATE_CLOCK, &t->clock,
			 sizeof(t->clock));
		rec_copy(&t->state, LIVEMIG_STATE_TSC, &t->tsc, sizeof(t->tsc));
		ktap_diag("paused in pass %" PRIu64 " at page %#" PRIx64 ", counter %" PRIu64 ", kvmclock %" PRIu64 " ns, KVM clock flags %#x",
			  t->at_pause.gen, t->at_pause.next_gfn,
			  t->at_pause.counter, t->at_pause.clock_ns,
			  t->clock.flags);
	}
	ktap_result(&t->ktap, ok,
		    "paused mid-pass and saved: %zu bytes, a record of every type for vCPU 0 and the VM",
		    t->state.len);
	return ok;
}

/* The destination, from the source's description as text, and its RAM. */
static bool test_destination_built(struct test *t)
{
	char text[VMM_DESC_MAX], err[VM_ERR_LEN] = "";
	struct vmm_config cfg;
	struct vmm_desc d;
	unsigned int i;
	size_t len;
	int r;

	vmm_desc_of(&d, t->src, &t->cfg);
	d.device = true;
	d.device_gpa = device_gpa();
	d.device_pages = TESTDEV_AREA_PAGES;
	d.device_rate = DEV_RATE;
	r = vmm_desc_format(&d, text, sizeof(text), &len);
	if (!r)
		r = __vmm_desc_parse(&t->desc, text, len, err, sizeof(err));
	if (!r)
		r = __vmm_desc_config(&t->desc, &cfg, err, sizeof(err));
	if (!r)
		r = __vmm_create(&t->dst, &cfg, err, sizeof(err));
	if (!r && strcmp(t->dst->cmdline, t->desc.cmdline)) {
		snprintf(err, sizeof(err), "its guest options \"%.100s\" are not the source's \"%.100s\"",
			 t->dst->cmdline, t->desc.cmdline);
		r = -EINVAL;
	}
	if (!r)
		r = __vm_alloc_dirty_bitmaps(t->dst->vm);
	for (i = 0; !r && i < t->src->vm->nr_regions; i++) {
		const struct vm_region *s = &t->src->vm->regions[i];
		struct vm_region *dr = vm_find_region(t->dst->vm, s->slot);

		if (!dr || dr->gpa != s->gpa || dr->size != s->size) {
			snprintf(err, sizeof(err), "region %u differs", s->slot);
			r = -EINVAL;
			break;
		}
		memcpy(dr->hva, s->hva, s->size);
	}
	if (r)
		ktap_diag("%s", err);
	if (t->dst)
		t->dst->vcpu->console_echo = t->verbose;
	ktap_result(&t->ktap, !r,
		    "the destination is built from the source's description, with the same regions, and gets a copy of its RAM");
	return !r;
}

/* From here on only the copy exists, as after a migration. */
static void drop_source(struct test *t)
{
	testdev_destroy(t->src_dev);
	t->src_dev = NULL;
	vmm_destroy(t->src);
	t->src = NULL;
}

/* --- the memory digest --------------------------------------------------- */

static void digest_path(const struct test *t, const char *name, char *buf,
			size_t len)
{
	snprintf(buf, len, "%s/%s", t->dir, name);
}

/*
 * Lines that differ between two digests (a missing line counts); the
 * first of them in @first.
 */
static int digest_diff(const char *a, const char *b, char *first, size_t len)
{
	FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
	char la[128], lb[128];
	int n = 0;

	first[0] = '\0';
	if (!fa || !fb) {
		n = -1;
		goto out;
	}
	for (;;) {
		char *ra = fgets(la, sizeof(la), fa);
		char *rb = fgets(lb, sizeof(lb), fb);

		if (!ra && !rb)
			break;
		if (ra && rb && !strcmp(la, lb))
			continue;
		if (!n++)
			snprintf(first, len, "%.*s", (int)strcspn(ra ? la : lb, "\n"),
				 ra ? la : lb);
	}
out:
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return n;
}

/*
 * The source's digest at the pause and the destination's of its copy are
 * the same file; a byte flipped in one page of the copy changes that
 * page's line and no other.
 */
static void test_digest(struct test *t)
{
	uint64_t gfn = t->src->start_gfn + 100;
	char src[128], dst[128], flip[128], first[128], want[64];
	uint8_t *byte = vm_gpa_to_hva(t->dst->vm, gfn * LM_PAGE_SIZE + 2345, 1);
	struct timespec t0, t1;
	int same, flipped = -1, r;

	digest_path(t, "src.dig", src, sizeof(src));
	digest_path(t, "dst.dig", dst, sizeof(dst));
	digest_path(t, "flip.dig", flip, sizeof(flip));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = __vm_mem_digest(t->src->vm, src);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!r)
		r = __vm_mem_digest(t->dst->vm, dst);
	if (!r) {
		*byte ^= 0x40;
		r = __vm_mem_digest(t->dst->vm, flip);
		*byte ^= 0x40;
	}
	if (r) {
		ktap_diag("%s", t->src->vm->err[0] ? t->src->vm->err :
			  t->dst->vm->err);
		ktap_result(&t->ktap, false, "memory digests of source and copy");
		return;
	}
	ktap_diag("a digest of %llu MiB took %ld ms", RAM_SIZE >> 20,
		  (t1.tv_sec - t0.tv_sec) * 1000 +
		  (t1.tv_nsec - t0.tv_nsec) / 1000000);
	same = digest_diff(src, dst, first, sizeof(first));
	if (!same)
		flipped = digest_diff(dst, flip, first, sizeof(first));
	snprintf(want, sizeof(want), "0 %" PRIu64 " ", gfn);
	ktap_diag("one byte flipped in page %#" PRIx64 ": %d line(s) differ, the first %s",
		  gfn, flipped, first);
	ktap_result(&t->ktap, !same && flipped == 1 &&
		    !strncmp(first, want, strlen(want)),
		    "the source's memory digest at the pause equals the copy's (%d lines differ); one byte flipped in the copy changes that page's line only",
		    same);
}

/* --- states the destination must refuse --------------------------------- */

#define ALIGN8(x)	(((x) + 7) & ~(size_t)7)
#define DROP		UINT32_MAX

/*
 * A copy of @src in which the record (@type, @vcpu) has @data of @len bytes
 * instead (DROP: no record at all).
 */
static void state_edit(const struct vm_state *src, struct vm_state *out,
		       uint32_t type, uint32_t vcpu, const void *data,
		       uint32_t len)
{
	size_t off = 0;

	*out = (struct vm_state){ 0 };
	while (off < src->len) {
		const struct livemig_state_rec *rec =
			(const void *)(src->buf + off);
		bool hit = rec->type == type && rec->vcpu == vcpu;
		int r = 0;

		if (!hit)
			r = __vm_state_append(out, rec->type, rec->vcpu, rec + 1,
					      rec->len);
		else if (len != DROP)
			r = __vm_state_append(out, type, vcpu, data, len);
		TEST_ASSERT(!r, "building a state: %s", strerror(-r));
		off += sizeof(*rec) + ALIGN8(rec->len);
	}
}

static void state_dup(const struct vm_state *src, struct vm_state *out)
{
	out->buf = malloc(src->len);
	TEST_ASSERT(out->buf, "out of memory");
	memcpy(out->buf, src->buf, src->len);
	out->len = out->cap = src->len;
}

/* A copy of the payload of (@type, vCPU 0), @extra bytes larger. */
static void *payload_copy(const struct test *t, uint32_t type, size_t extra,
			  uint32_t *len)
{
	const struct livemig_state_rec *rec =
		vm_state_find(t->state.buf, t->state.len, type, 0);
	void *p;

	TEST_ASSERT(rec, "no %s record", vm_state_type_name(type));
	p = calloc(1, rec->len + extra);
	TEST_ASSERT(p, "out of memory");
	memcpy(p, rec + 1, rec->len);
	*len = rec->len;
	return p;
}

static void expect_refused(struct test *t, struct vm_state *bad,
			   const char *part, const char *what)
{
	char err[VM_ERR_LEN] = "";
	struct vmm_devstate ds;
	int r = __vmm_load(t->dst, bad->buf, bad->len, &ds, err, sizeof(err));

	ktap_diag("%s", r ? err : "it loaded");
	ktap_result(&t->ktap, r < 0 && contains(err, part),
		    "a state %s is refused, saying so", what);
	vm_state_free(bad);
}

static void test_bad_framing(struct test *t)
{
	const struct livemig_state_rec *clock =
		vm_state_find(t->state.buf, t->state.len, LIVEMIG_STATE_CLOCK, 0);
	struct livemig_state_rec *rec;
	struct kvm_regs regs = { 0 };
	struct vm_state bad;
	uint32_t tsc = 1;

	state_dup(&t->state, &bad);
	bad.len -= 12;
	expect_refused(t, &bad, "truncated", "cut inside its last record");

	state_dup(&t->state, &bad);
	bad.len = (const uint8_t *)clock - t->state.buf + 8;
	expect_refused(t, &bad, "inside a record header",
		       "cut inside a record header");

	state_dup(&t->state, &bad);
	TEST_ASSERT(!__vm_state_append(&bad, 99, 0, &tsc, sizeof(tsc)), "append");
	expect_refused(t, &bad, "type 99", "with a record of an unknown type");

	state_edit(&t->state, &bad, LIVEMIG_STATE_REGS, 0, NULL, DROP);
	expect_refused(t, &bad, "no REGS record for vCPU 0",
		       "without vCPU 0's registers");

	state_dup(&t->state, &bad);
	TEST_ASSERT(!__vm_state_append(&bad, LIVEMIG_STATE_TSC, 0, &t->tsc,
				       sizeof(t->tsc)), "append");
	expect_refused(t, &bad, "two TSC records", "with a record twice");

	state_dup(&t->state, &bad);
	TEST_ASSERT(!__vm_state_append(&bad, LIVEMIG_STATE_REGS, 3, &regs,
				       sizeof(regs)), "append");
	expect_refused(t, &bad, "vCPU 3", "for a vCPU this VM does not have");

	state_dup(&t->state, &bad);
	rec = vm_state_find(bad.buf, bad.len, LIVEMIG_STATE_TSC_KHZ, 0);
	((uint8_t *)(rec + 1))[rec->len] = 1;
	expect_refused(t, &bad, "nonzero", "with garbage in a record's padding");
}

static void test_bad_contents(struct test *t)
{
	struct kvm_msrs *msrs;
	struct vm_state bad;
	uint32_t len;
	void *p;

	p = payload_copy(t, LIVEMIG_STATE_MSRS, 0, &len);
	msrs = p;
	msrs->nmsrs++;
	state_edit(&t->state, &bad, LIVEMIG_STATE_MSRS, 0, p, len);
	expect_refused(t, &bad, "entries",
		       "whose MSRS record counts more entries than it holds");
	free(p);

	p = payload_copy(t, LIVEMIG_STATE_SREGS, 0, &len);
	state_edit(&t->state, &bad, LIVEMIG_STATE_SREGS, 0, p, len - 8);
	expect_refused(t, &bad, "expects", "with a short SREGS record");
	free(p);

	state_dup(&t->state, &bad);
	p = vm_state_find(bad.buf, bad.len, LIVEMIG_STATE_DEVICE, 0);
	((uint8_t *)((struct livemig_state_rec *)p + 1))[0] ^= 0xff;	/* magic */
	expect_refused(t, &bad, "DEVICE record",
		       "whose DEVICE record is not this VMM's");
}

/* The compatibility checks: the source's CPU, KVM and MSRs vs. ours. */
static void test_incompatible(struct test *t)
{
	struct kvm_cpuid2 *cpuid;
	struct kvm_msrs *msrs;
	struct vm_state bad;
	unsigned int i;
	uint32_t len;
	int here;
	void *p;

	p = payload_copy(t, LIVEMIG_STATE_CPUID, 0, &len);
	cpuid = p;
	for (i = 0; i < cpuid->nent && cpuid->entries[i].function != 1; i++)
		;
	TEST_ASSERT(i < cpuid->nent, "no CPUID leaf 1");
	cpuid->entries[i].ecx ^= 1;	/* SSE3 */
	state_edit(&t->state, &bad, LIVEMIG_STATE_CPUID, 0, p, len);
	expect_refused(t, &bad, "CPUID leaf 0x1.0 ecx differs",
		       "from a CPU with other features (CPUID leaf 1)");
	free(p);

	p = payload_copy(t, LIVEMIG_STATE_CPUID, sizeof(cpuid->entries[0]),
			 &len);
	cpuid = p;
	cpuid->entries[cpuid->nent++] = (struct kvm_cpuid_entry2){
		.function = 0x4fffff00, .eax = 1,
	};
	state_edit(&t->state, &bad, LIVEMIG_STATE_CPUID, 0, p,
		   len + sizeof(cpuid->entries[0]));
	expect_refused(t, &bad, "missing here",
		       "from a CPU with a CPUID leaf this one lacks");
	free(p);

	here = ioctl(t->dst->vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	if (here < (int)sizeof(struct kvm_xsave))
		here = sizeof(struct kvm_xsave);
	p = calloc(1, here + 64);
	TEST_ASSERT(p, "out of memory");
	state_edit(&t->state, &bad, LIVEMIG_STATE_XSAVE, 0, p, here + 64);
	expect_refused(t, &bad, "takes at most",
		       "with more xsave state than KVM here holds");
	free(p);

	p = payload_copy(t, LIVEMIG_STATE_MSRS, sizeof(msrs->entries[0]), &len);
	msrs = p;
	msrs->entries[msrs->nmsrs++] = (struct kvm_msr_entry){
		.index = 0x4c4d0000,
	};
	state_edit(&t->state, &bad, LIVEMIG_STATE_MSRS, 0, p,
		   len + sizeof(msrs->entries[0]));
	expect_refused(t, &bad, "MSR 0x4c4d0000",
		       "with an MSR KVM here does not know");
	free(p);
}

/* --- the move ----------------------------------------------------------- */

static bool test_load(struct test *t)
{
	char err[VM_ERR_LEN] = "";
	int r;

	r = __vmm_load(t->dst, t->state.buf, t->state.len, &t->ds, err,
		       sizeof(err));
	if (r)
		ktap_diag("%s", err);
	ktap_result(&t->ktap, !r,
		    "the state loads into the destination after all those refusals");
	return !r;
}

/* Records that must read back as they were saved, byte for byte. */
static bool same_record(const struct vm_state *a, const struct vm_state *b,
			uint32_t type)
{
	const struct livemig_state_rec *ra = vm_state_find(a->buf, a->len, type, 0);
	const struct livemig_state_rec *rb = vm_state_find(b->buf, b->len, type, 0);
	struct kvm_lapic_state la, lb;
	size_t n;

	if (!ra || !rb) {
		ktap_diag("%s: %s", vm_state_type_name(type),
			  ra ? "not read back" : "not saved");
		return !ra && !rb;
	}
	n = ra->len < rb->len ? ra->len : rb->len;
	if (type == LIVEMIG_STATE_LAPIC) {
		/* The timer's current count moves by itself. */
		memcpy(&la, ra + 1, sizeof(la));
		memcpy(&lb, rb + 1, sizeof(lb));
		memset(&la.regs[0x390], 0, 4);
		memset(&lb.regs[0x390], 0, 4);
		if (!memcmp(&la, &lb, sizeof(la)))
			return true;
	} else if (ra->len == rb->len || type == LIVEMIG_STATE_XSAVE) {
		if (!memcmp(ra + 1, rb + 1, n))
			return true;
	}
	ktap_diag("%s differs after the load", vm_state_type_name(type));
	return false;
}

/* Read-only counters KVM derives from the clock: they only move on. */
static bool msr_counts_time(uint32_t index)
{
	return index == 0x40000010 ||	/* Hyper-V VP_RUNTIME */
	       index == 0x40000020;	/* Hyper-V TIME_REF_COUNT */
}

static bool same_msrs(const struct vm_state *a, const struct vm_state *b)
{
	const struct livemig_state_rec *ra =
		vm_state_find(a->buf, a->len, LIVEMIG_STATE_MSRS, 0);
	const struct livemig_state_rec *rb =
		vm_state_find(b->buf, b->len, LIVEMIG_STATE_MSRS, 0);
	const struct kvm_msrs *ma = (const void *)(ra + 1);
	const struct kvm_msrs *mb = (const void *)(rb + 1);
	unsigned int i, j, bad = 0;

	for (i = 0; i < ma->nmsrs; i++) {
		for (j = 0; j < mb->nmsrs; j++) {
			if (mb->entries[j].index == ma->entries[i].index)
				break;
		}
		if (j < mb->nmsrs && (mb->entries[j].data == ma->entries[i].data ||
				      (msr_counts_time(ma->entries[i].index) &&
				       mb->entries[j].data > ma->entries[i].data)))
			continue;
		if (bad++ < 5)
			ktap_diag("MSR %#x: %#llx saved, %s %#llx", ma->entries[i].index,
				  (unsigned long long)ma->entries[i].data,
				  j < mb->nmsrs ? "read back" : "missing,",
				  j < mb->nmsrs ?
				  (unsigned long long)mb->entries[j].data : 0ull);
	}
	return !bad;
}

/* The destination's vCPU, read back before it runs, is the source's. */
static void test_read_back(struct test *t)
{
	static const uint32_t types[] = {
		LIVEMIG_STATE_REGS, LIVEMIG_STATE_SREGS, LIVEMIG_STATE_XSAVE,
		LIVEMIG_STATE_XCRS, LIVEMIG_STATE_LAPIC, LIVEMIG_STATE_EVENTS,
		LIVEMIG_STATE_MP_STATE, LIVEMIG_STATE_DEBUGREGS,
		LIVEMIG_STATE_TSC_KHZ, LIVEMIG_STATE_CPUID,
	};
	struct kvm_clock_data clock;
	struct vm_state back = { 0 };
	bool same = true;
	unsigned int i;
	uint64_t tsc;
	int r;

	r = __vm_state_save(t->dst->vm, NULL, 0, &back);
	if (r) {
		ktap_diag("reading the destination back: %s", t->dst->vm->err);
		ktap_result(&t->ktap, false, "the destination's vCPU reads back as the source's");
		ktap_result(&t->ktap, false, "the destination's clocks are not behind");
		return;
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		same &= same_record(&t->state, &back, types[i]);
	same &= same_msrs(&t->state, &back);
	ktap_result(&t->ktap, same,
		    "read back before it runs, the destination's vCPU is the source's: registers, segments, xsave, XCRs, MSRs, local APIC, events, MP state, debug registers, TSC frequency, CPUID");

	rec_copy(&back, LIVEMIG_STATE_TSC, &tsc, sizeof(tsc));
	rec_copy(&back, LIVEMIG_STATE_CLOCK, &clock, sizeof(clock));
	ktap_diag("TSC %" PRIu64 " -> %" PRIu64 ", KVM clock %llu -> %llu ns (%s)",
		  t->tsc, tsc, t->clock.clock, clock.clock,
		  (t->clock.flags & KVM_CLOCK_REALTIME) ?
		  "wall-clock time of the pause added" : "no KVM_CLOCK_REALTIME here");
	ktap_result(&t->ktap, tsc >= t->tsc && clock.clock >= t->clock.clock,
		    "the destination's TSC and KVM clock are not behind the source's at the pause");
	vm_state_free(&back);
}

static bool verified(const struct vmm_stats *st, const void *arg)
{
	(void)arg;
	return st->verifies > 0;
}

static bool verified_again(const struct vmm_stats *st, const void *arg)
{
	return st->verifies > *(const uint64_t *)arg;
}

/* How many pages the guest had written when it was paused. */
static uint64_t pages_written(const struct lm_guest_state *gs)
{
	if (gs->gen > 1)
		return gs->end_gfn - gs->start_gfn;
	return gs->gen ? gs->next_gfn - gs->start_gfn : 0;
}

static bool test_verified(struct test *t)
{
	uint64_t want = pages_written(&t->at_pause);
	struct vmm_stats st;
	char err[VM_ERR_LEN];
	bool ok;
	int r;

	vmm_new_epoch(t->dst);
	r = __testdev_restore(&t->dst_dev, t->dst->vm, &t->ds.testdev);
	if (r) {
		snprintf(err, sizeof(err), "%s", t->dst->vm->err);
		ktap_diag("the test device: %s", err);
	}
	vmm_start(t->dst);
	ok = !r && wait_stats(t->dst, verified, NULL, &st) &&
	     st.verified_pages == want && !st.verify_errors;
	ktap_result(&t->ktap, ok,
		    "told of a new epoch, the guest checks every page it wrote: %" PRIu64 " of %" PRIu64 ", %" PRIu64 " wrong",
		    st.verified_pages, want, st.verify_errors);
	return ok;
}

/* The page behind the pass's cursor, going down, that is (not) zeroed. */
static uint64_t page_behind(const struct lm_guest_state *gs, bool zeroed)
{
	uint64_t gfn;

	for (gfn = gs->next_gfn; gfn-- > gs->start_gfn;) {
		if (lm_page_zeroed(gs, gfn, gs->gen) == zeroed)
			return gfn;
	}
	return 0;
}

/*
 * The guest's check of whole pages can fail.  With its vCPU stopped
 * while its pass is mid-way, one byte inside the random fill of a page
 * and one of a zeroed page are changed, both behind the pass's cursor
 * (their next rewrite is a pass away); a new epoch makes the guest check
 * every page: it must find exactly those two, at those words.  Then they
 * are put back, well before the guest (at SRC_RATE) comes back to them.
 */
static void test_planted(struct test *t)
{
	const struct lm_guest_state *gs = t->dst->state;
	uint64_t fill_gfn = 0, zero_gfn = 0, verifies;
	volatile uint8_t *fill_b = NULL, *zero_b = NULL;
	uint8_t fill_old = 0, zero_old = 0;
	struct vmm_stats st;
	unsigned int tries;
	bool ok;

	vmm_stats(t->dst, &st);
	verifies = st.verifies;
	/* Far enough from the pass's end that the next pass is far away. */
	for (tries = 1;; tries++) {
		vmm_stop(t->dst);
		if (gs->gen >= LM_ZERO_GEN + 1 &&
		    gs->next_gfn > gs->start_gfn + 2 * gs->zero_step &&
		    gs->next_gfn + 3000 < gs->end_gfn)
			break;
		if (tries == 500) {
			ktap_diag("the pass was never mid-way when looked at");
			break;
		}
		vmm_start(t->dst);
		sleep_ms(20);
	}
	if (tries < 500) {
		fill_gfn = page_behind(gs, false);
		zero_gfn = page_behind(gs, true);
	}
	if (fill_gfn && zero_gfn) {
		fill_b = vm_gpa_to_hva(t->dst->vm, fill_gfn * LM_PAGE_SIZE +
				       FLIP_WORD * 8 + 3, 1);
		zero_b = vm_gpa_to_hva(t->dst->vm, zero_gfn * LM_PAGE_SIZE +
				       77 * 8, 1);
		fill_old = *fill_b;
		zero_old = *zero_b;
		*fill_b ^= 0x01;
		*zero_b = 0x20;
		t->planted = 2;
		ktap_diag("planted: byte %u of page %#" PRIx64 " (random fill), byte %u of page %#" PRIx64 " (zeroed); the pass is at %#" PRIx64 ", generation %" PRIu64,
			  FLIP_WORD * 8 + 3, fill_gfn, 77 * 8, zero_gfn,
			  gs->next_gfn, gs->gen);
	}
	vmm_new_epoch(t->dst);
	vmm_start(t->dst);
	ok = t->planted && wait_stats(t->dst, verified_again, &verifies, &st);
	vmm_stop(t->dst);
	if (t->planted) {
		*fill_b = fill_old;
		*zero_b = zero_old;
	}
	vmm_start(t->dst);
	ok = ok && st.verify_errors == 2 &&
	     ((gs->bad_gfn == fill_gfn && gs->bad_index == FLIP_WORD) ||
	      (gs->bad_gfn == zero_gfn && gs->bad_index == 77));
	ktap_result(&t->ktap, ok,
		    "a byte changed inside a page's random fill and one in a zeroed page are both found by the guest's check (%" PRIu64 " wrong of %" PRIu64 "; the last at page %#" PRIx64 ", word %" PRIu64 ")",
		    st.verify_errors, st.verified_pages, gs->bad_gfn,
		    gs->bad_index);
}

static void test_goes_on(struct test *t)
{
	uint64_t want = t->at_pause.pass + 2, dev_wrote;
	struct lm_guest_state now;
	struct vmm_stats st;
	bool ok;

	ok = wait_stats(t->dst, passes_reached, &want, &st);
	memcpy(&now, t->dst->state, sizeof(now));
	if (st.mismatches != t->planted)
		ktap_diag("the guest reported %" PRIu64 " wrong page(s), the last %#" PRIx64 " at word %" PRIu64,
			  st.mismatches, now.bad_gfn, now.bad_index);
	ok = ok && st.mismatches == t->planted &&
	     now.counter > t->at_pause.counter;
	ktap_result(&t->ktap, ok,
		    "the guest goes on where it was: passes %" PRIu64 " and %" PRIu64 " complete on the destination, no page wrong (but the %" PRIu64 " planted), counter %" PRIu64 " -> %" PRIu64,
		    t->at_pause.pass + 1, want, t->planted, t->at_pause.counter,
		    now.counter);

	ok = now.clock_ns > t->at_pause.clock_ns && !now.clock_back &&
	     now.clock;
	ktap_result(&t->ktap, ok,
		    "the guest's kvmclock went on forward (%" PRIu64 " -> %" PRIu64 " ns) and never back (%" PRIu64 " times)",
		    t->at_pause.clock_ns, now.clock_ns, now.clock_back);

	dev_wrote = t->ds.testdev.gen > 1 ? t->ds.testdev.nr_pages :
					    t->ds.testdev.next;
	ok = t->dst_dev && testdev_writes(t->dst_dev) > t->ds.testdev.writes &&
	     !testdev_errors(t->dst_dev) && dev_wrote &&
	     t->dst_dev->verified == dev_wrote;
	ktap_result(&t->ktap, ok,
		    "the test device checks the %" PRIu64 " pages it wrote on the source before going on (%" PRIu64 " of %" PRIu64 "), goes on from its saved place (%" PRIu64 " -> %" PRIu64 " pages) and finds every page right (%" PRIu64 " errors)",
		    dev_wrote, t->dst_dev ? t->dst_dev->verified : 0, dev_wrote,
		    t->ds.testdev.writes, testdev_writes(t->dst_dev),
		    testdev_errors(t->dst_dev));
}

/* --- main ----------------------------------------------------------- */

static void skip_rest(struct test *t, const char *why)
{
	while (t->ktap.done < t->ktap.planned)
		ktap_skip(&t->ktap, "moving a guest by hand", why);
}

static void run_kvm_cases(struct test *t)
{
	if (!test_source_runs(t) || !test_pause_save(t) ||
	    !test_destination_built(t)) {
		skip_rest(t, "no VM to move (see above)");
		return;
	}
	test_digest(t);
	drop_source(t);
	test_bad_framing(t);
	test_bad_contents(t);
	test_incompatible(t);
	if (!test_load(t)) {
		skip_rest(t, "the state did not load");
		return;
	}
	test_read_back(t);
	if (!test_verified(t)) {
		skip_rest(t, "the guest did not verify");
		return;
	}
	test_planted(t);
	test_goes_on(t);
}

static void remove_digests(const struct test *t)
{
	static const char *const names[] = { "src.dig", "dst.dig", "flip.dig" };
	char path[128];
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		digest_path(t, names[i], path, sizeof(path));
		unlink(path);
	}
	rmdir(t->dir);
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-v] [-g GUEST_IMAGE]\n"
		"  -v  echo the guests' consoles\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	char why[VM_ERR_LEN + PATH_MAX];
	struct test *t = calloc(1, sizeof(*t));
	int opt, rc;

	TEST_ASSERT(t, "out of memory");
	setvbuf(stdout, NULL, _IOLBF, 0);
	guest_image_default(t->image, sizeof(t->image));
	while ((opt = getopt(argc, argv, "vg:")) != -1) {
		switch (opt) {
		case 'v':
			t->verbose = true;
			break;
		case 'g':
			snprintf(t->image, sizeof(t->image), "%s", optarg);
			break;
		default:
			usage(argv[0]);
		}
	}
	ktap_start(&t->ktap, NR_TESTS);
	test_desc_roundtrip(t);
	test_desc_refusals(t);
	test_xxh64(t);
	snprintf(t->dir, sizeof(t->dir), "/tmp/vmm_state_test.XXXXXX");
	TEST_ASSERT(mkdtemp(t->dir), "mkdtemp: %s", strerror(errno));
	if (guest_cannot_run(t->image, why, sizeof(why)))
		skip_rest(t, why);
	else
		run_kvm_cases(t);

	testdev_destroy(t->dst_dev);
	vmm_destroy(t->dst);
	testdev_destroy(t->src_dev);
	vmm_destroy(t->src);
	vm_state_free(&t->state);
	remove_digests(t);
	rc = ktap_finish(&t->ktap);
	free(t);
	return rc;
}
