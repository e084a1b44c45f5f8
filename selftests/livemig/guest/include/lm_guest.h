/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between the livemig test guest and whoever runs it (the test
 * VMM in ../lib, or QEMU with -kernel).
 *
 * Memory, all identity mapped by the guest:
 *
 *   0x000000 +----------------------------+
 *            | loader data (MBI, cmdline) |  never written by the guest
 *   0x100000 +----------------------------+  LM_GUEST_LOAD_ADDR
 *            | image, page tables, stack  |
 *            |            ...             |
 *   0x1FF000 +----------------------------+  LM_STATE_GPA
 *            | struct lm_guest_state      |  the guest's own record
 *   0x200000 +----------------------------+  LM_PATTERN_START (default)
 *            | pattern pages              |  rewritten every pass
 *            +----------------------------+  (start + pages=, if given)
 *            | not touched by the guest   |  the test VMM's device area
 *   ram end  +----------------------------+
 *
 * Each pass writes generation G = pass number (1, 2, ...) into every page of
 * the pattern range, in ascending order.  Before it overwrites a page it
 * checks that the page still holds what the previous pass left there (gfn,
 * G - 1, check words), so a page that was lost or mixed up by a migration is
 * caught at its next visit, whether it lies behind or ahead of the point
 * where the guest was paused.  Pass 1 checks nothing: RAM starts undefined.
 *
 * A page of generation G (64-bit words):
 *   [LM_W_GFN] gfn, [LM_W_GEN] G, [LM_W_CHECK] and [LM_W_LAST]
 *   lm_page_check(gfn, G); the words between them are
 *   - fill=pattern (default): left as they are, never checked (cheap:
 *     four words per page, whatever a migration did to the rest);
 *   - fill=random: the stream lm_fill_next() draws from lm_fill_seed(gfn,
 *     G), and every word of the page is checked: one wrong byte anywhere is
 *     caught, and the pages do not compress (honest benchmarks).
 * Zeroed pages (zero=N): from pass LM_ZERO_GEN on, N pages (every
 * zero_step-th from the first, see lm_page_zeroed()) are written all
 * zero, in every pass, instead of their pattern, and checked to be all
 * zero: a page that turned to zeros after a migration's first round.
 * An idle guest (idle=1) writes pass 1 only, then reads its pattern back
 * again and again (check sweeps): it verifies without dirtying.  Either way
 * it bumps lm_guest_state.counter all the time, a heartbeat.
 *
 * Under KVM the guest enables kvmclock (KVM_FEATURE_CLOCKSOURCE2), so KVM
 * itself writes guest memory (the clock record, inside the image); the
 * clock also paces rate=.  Without it (QEMU TCG) rate= is ignored, with a
 * warning, and lm_guest_state.clock stays 0.
 *
 * Resumes: a guest cannot tell by itself that it was paused and moved, so
 * the VMM tells it.  The guest reads LM_PORT_EPOCH every LM_EPOCH_POLL_NS of
 * kvmclock time (every LM_EPOCH_POLL_PAGES pages without kvmclock), always
 * between two pages, where its record is exact.  The VMM changes the epoch
 * before it lets a paused guest run again (livemig's RESUME on the source,
 * RUN on the destination); a guest that sees a new epoch checks at once
 * every page it wrote against its record (pages below next_gfn hold gen,
 * the others gen - 1) and reports the count on LM_PORT_VERIFIED, after a
 * LM_PORT_ERROR for each wrong page.  Under QEMU the unassigned port reads
 * the same value every time: the guest never thinks it was resumed.
 *
 * Ports (QEMU ignores the livemig ones):
 *   LM_PORT_DEBUG    OUT byte   debug console characters (QEMU -debugcon)
 *   LM_PORT_PASS     OUT dword  pass G done; every pattern page holds G
 *   LM_PORT_ERROR    OUT dword  mismatch in the page with this gfn; the
 *                               details are in lm_guest_state.bad_*
 *   LM_PORT_EXIT     OUT dword  guest finished: 0 ok, 1 mismatches seen,
 *                               2 bad options or boot info, 3 no long mode
 *                               (QEMU's isa-debug-exit exits with
 *                               2 * code + 1)
 *   LM_PORT_EPOCH    IN dword   the VMM's resume epoch
 *   LM_PORT_VERIFIED OUT dword  after a new epoch: this many pages were
 *                               checked; lm_guest_state.verify_errors of
 *                               them were wrong (each reported before)
 *   LM_PORT_BURST    IN dword   1 while the VMM lifts rate= (the guest
 *                               writes as fast as it can), else 0; read
 *                               at each epoch poll by a rate-limited guest
 *
 * Command line (multiboot), space separated key=value, unknown keys warned:
 *   passes=N   passes to run, 0 = forever (default 0)
 *   start=N    first pattern byte in MiB, at least 2 (default 2)
 *   pages=N    pattern pages, 0 = up to the end of RAM (default 0)
 *   verify=B   check pages before overwriting them (default 1)
 *   rate=N     write about N pattern pages per second, 0 = as fast as it
 *              can (default 0; needs kvmclock)
 *   idle=B     write the pattern once, then only check it (default 0)
 *   fill=F     pattern or random: what fills a page between its check
 *              words (default pattern; see above)
 *   zero=N     pages zeroed from pass LM_ZERO_GEN on (default 0; at most
 *              the pattern pages; no effect with idle=1)
 */
#ifndef LIVEMIG_LM_GUEST_H
#define LIVEMIG_LM_GUEST_H

#define LM_PORT_DEBUG		0xE9
#define LM_PORT_EXIT		0xF4
#define LM_PORT_PASS		0x510
#define LM_PORT_ERROR		0x514
#define LM_PORT_EPOCH		0x518
#define LM_PORT_VERIFIED	0x51C
#define LM_PORT_BURST		0x520

#define LM_EXIT_OK		0
#define LM_EXIT_MISMATCH	1
#define LM_EXIT_BAD_SETUP	2
#define LM_EXIT_NO_LONG_MODE	3

#define LM_STATE_GPA_ASM	0x1FF000	/* for the linker script */

#ifndef __ASSEMBLER__
#include <stdint.h>

#define LM_GUEST_LOAD_ADDR	0x100000ull
#define LM_STATE_GPA		0x1FF000ull
#define LM_PATTERN_START	0x200000ull
#define LM_GUEST_MAX_RAM	0x100000000ull	/* the guest maps 4 GiB */
#define LM_PAGE_SIZE		4096ull

#define LM_STATE_MAGIC		0x4554415453474d4cull	/* "LMGSTATE" */
#define LM_STATE_VERSION	4

#define LM_EPOCH_POLL_NS	10000000ull	/* 10 ms: a resume is seen soon */
#define LM_EPOCH_POLL_PAGES	1024		/* without kvmclock */

/* Word indices inside a pattern page (64-bit words). */
#define LM_W_GFN		0
#define LM_W_GEN		1
#define LM_W_CHECK		2
#define LM_W_LAST		511	/* also holds the check word */
#define LM_PAGE_WORDS		512

/* lm_guest_state.fill */
#define LM_FILL_PATTERN		0
#define LM_FILL_RANDOM		1

/* The pass that zeroes the zero= pages: the first one after pass 1. */
#define LM_ZERO_GEN		2

/**
 * struct lm_guest_state - the guest's record, at LM_STATE_GPA
 * @magic:	LM_STATE_MAGIC once the record is valid
 * @version:	LM_STATE_VERSION
 * @ram_end:	end of RAM as the loader reported it, bytes
 * @start_gfn:	first pattern page
 * @end_gfn:	one past the last pattern page
 * @passes:	requested passes, 0 = forever
 * @verify:	whether pages are checked before being overwritten
 * @pass:	completed passes; the pattern holds this generation when idle
 * @gen:	generation being written (@pass + 1 while a pass runs)
 * @next_gfn:	next page the current pass writes; pages below it hold @gen,
 *		pages from it on hold @gen - 1
 * @errors:	mismatches seen so far
 * @bad_gfn:	page of the last mismatch
 * @bad_expected_gen: generation it should have held
 * @bad_word:	its words LM_W_GFN, LM_W_GEN, LM_W_CHECK, LM_W_LAST as found
 * @counter:	heartbeat, bumped for every page visited and every pause of
 *		the rate limiter (version 2 on)
 * @checks:	check sweeps completed by an idle guest
 * @rate:	rate= as given
 * @idle:	idle= as given
 * @clock:	1 when kvmclock runs (rate= is honoured), else 0
 * @epoch:	the VMM's resume epoch as last read (version 3 on)
 * @verifies:	full checks done because the epoch changed
 * @verified_pages: pages the last of them checked
 * @verify_errors: wrong pages it found
 * @clock_ns:	kvmclock at the last epoch poll, 0 without kvmclock
 * @clock_back:	epoch polls that found kvmclock behind the one before
 * @fill:	LM_FILL_* as fill= gave it (version 4 on)
 * @zero_pages:	zero= as given (0 when idle)
 * @zero_step:	pages from one zeroed page to the next, 0 = none
 * @bad_index:	the first wrong word of the last mismatch
 * @bursts:	times the guest found rate= lifted (LM_PORT_BURST)
 */
struct lm_guest_state {
	uint64_t magic;
	uint64_t version;
	uint64_t ram_end;
	uint64_t start_gfn;
	uint64_t end_gfn;
	uint64_t passes;
	uint64_t verify;
	uint64_t pass;
	uint64_t gen;
	uint64_t next_gfn;
	uint64_t errors;
	uint64_t bad_gfn;
	uint64_t bad_expected_gen;
	uint64_t bad_word[4];
	uint64_t counter;
	uint64_t checks;
	uint64_t rate;
	uint64_t idle;
	uint64_t clock;
	uint64_t epoch;
	uint64_t verifies;
	uint64_t verified_pages;
	uint64_t verify_errors;
	uint64_t clock_ns;
	uint64_t clock_back;
	uint64_t fill;
	uint64_t zero_pages;
	uint64_t zero_step;
	uint64_t bad_index;
	uint64_t bursts;
};

/* The check word ties a page's number to its generation. */
static inline uint64_t lm_page_check(uint64_t gfn, uint64_t gen)
{
	return (gfn * 0x9E3779B97F4A7C15ull) ^ (gen * 0xC2B2AE3D27D4EB4Full) ^
	       0x4C4D504147450000ull;
}

/* fill=random: the first state of a page's stream (never 0). */
static inline uint64_t lm_fill_seed(uint64_t gfn, uint64_t gen)
{
	return lm_page_check(gfn, gen) | 1;
}

/* xorshift64*: the next state of @x; the word to store is this times M. */
static inline uint64_t lm_fill_next(uint64_t x)
{
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	return x;
}

#define LM_FILL_MUL		0x2545F4914F6CDD1Dull

/*
 * Whether page @gfn, at generation @gen, is one of the zeroed pages: the
 * record's every @zero_step-th page from @start_gfn, @zero_pages of them,
 * once they reached generation LM_ZERO_GEN.
 */
static inline int lm_page_zeroed(const struct lm_guest_state *st,
				 uint64_t gfn, uint64_t gen)
{
	uint64_t i = gfn - st->start_gfn;

	return st->zero_step && gen >= LM_ZERO_GEN &&
	       i % st->zero_step == 0 && i / st->zero_step < st->zero_pages;
}
#endif /* __ASSEMBLER__ */

#endif /* LIVEMIG_LM_GUEST_H */
