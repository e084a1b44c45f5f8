// SPDX-License-Identifier: GPL-2.0
/*
 * The livemig test guest, in long mode (boot.S got us here).
 *
 * It writes generation after generation of a known pattern over its RAM and
 * checks, page by page, that what it wrote last time is still there, at a
 * given rate (unless its VMM lifts it for a while) or as fast as it can;
 * or, idle, writes it once and keeps checking it.  Told by its VMM that it
 * was resumed after a pause (a new epoch), it checks every page it wrote at
 * once.  See lm_guest.h for the memory layout, the page format (with its
 * random fill and zeroed pages), the ports and the command line.
 * Freestanding: no libc, no SSE, no interrupts.
 */
#include <stdint.h>
#include <stddef.h>

#include "clock.h"
#include "multiboot.h"
#include "lm_guest.h"

#define CMDLINE_MAX	256
#define ERRORS_PRINTED	8
#define RATE_MAX	NSEC_PER_SEC	/* keeps the pacing arithmetic in 64 bits */

struct options {
	uint64_t passes;
	uint64_t start_mib;
	uint64_t pages;
	uint64_t verify;
	uint64_t rate;
	uint64_t idle;
	uint64_t fill;
	uint64_t zero;
};

/**
 * struct pacer - holds writes to about @rate pages per second
 * @rate:	pages per second, 0 = no limit
 * @t0:		start of the current second, ns
 * @done:	pages written since @t0
 * @lifted:	the VMM lifted the limit (LM_PORT_BURST): no pacing now
 *
 * Each second has its own budget: time lost (the vCPU not running, a
 * pause for migration) is not made up by a burst afterwards, nor is a
 * burst the VMM asked for paid back after it.
 */
struct pacer {
	uint64_t rate;
	uint64_t t0;
	uint64_t done;
	int lifted;
};

/**
 * struct poller - when to look at the VMM's resume epoch next
 * @next_ns:	kvmclock time of the next look (with kvmclock)
 * @left:	pages to visit before the next look (without)
 */
struct poller {
	uint64_t next_ns;
	uint64_t left;
};

/**
 * struct guest - what the loops share
 * @st:		the guest's record, in RAM the VMM reads
 * @pacer:	the rate limiter
 * @poller:	the resume check
 */
struct guest {
	struct lm_guest_state *st;
	struct pacer pacer;
	struct poller poller;
};

void guest_main(uint32_t mbi_addr);

static inline void outb(uint16_t port, uint8_t val)
{
	__asm__ volatile("outb %0, %1" : : "a"(val), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t val)
{
	__asm__ volatile("outl %0, %1" : : "a"(val), "Nd"(port) : "memory");
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t val;

	__asm__ volatile("inl %1, %0" : "=a"(val) : "Nd"(port) : "memory");
	return val;
}

static void put_str(const char *s)
{
	while (*s)
		outb(LM_PORT_DEBUG, *s++);
}

static void put_u64(uint64_t v)
{
	char buf[21];
	int i = sizeof(buf) - 1;

	buf[i] = '\0';
	do {
		buf[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	put_str(&buf[i]);
}

static void put_hex(uint64_t v)
{
	char buf[19];
	int i = sizeof(buf) - 1;

	buf[i] = '\0';
	do {
		buf[--i] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	buf[--i] = 'x';
	buf[--i] = '0';
	put_str(&buf[i]);
}

static void __attribute__((noreturn)) finish(uint32_t code)
{
	outl(LM_PORT_EXIT, code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void __attribute__((noreturn)) fail(const char *what)
{
	put_str("livemig-guest: ");
	put_str(what);
	put_str("\n");
	finish(LM_EXIT_BAD_SETUP);
}

static int str_eq(const char *a, const char *b, size_t n)
{
	while (n--) {
		if (*a++ != *b)
			return 0;
		if (!*b++)
			return 1;
	}
	return *b == '\0';
}

/* Parses a decimal number in [s, end); returns -1 unless all of it is one. */
static int parse_u64(const char *s, const char *end, uint64_t *val)
{
	uint64_t v = 0;

	if (s == end)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*val = v;
	return 0;
}

/*
 * Words without '=' are ignored (QEMU puts the image path first); unknown
 * keys are reported but tolerated, so older guests accept newer options.
 */
static void parse_cmdline(const char *s, struct options *opt)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "passes", offsetof(struct options, passes) },
		{ "start", offsetof(struct options, start_mib) },
		{ "pages", offsetof(struct options, pages) },
		{ "verify", offsetof(struct options, verify) },
		{ "rate", offsetof(struct options, rate) },
		{ "idle", offsetof(struct options, idle) },
		{ "zero", offsetof(struct options, zero) },
	};

	while (*s) {
		const char *word, *eq = NULL, *end;
		size_t i;

		while (*s == ' ')
			s++;
		word = s;
		while (*s && *s != ' ') {
			if (*s == '=' && !eq)
				eq = s;
			s++;
		}
		end = s;
		if (!eq)
			continue;
		if (str_eq(word, "fill", eq - word)) {
			if (str_eq(eq + 1, "random", end - eq - 1))
				opt->fill = LM_FILL_RANDOM;
			else if (str_eq(eq + 1, "pattern", end - eq - 1))
				opt->fill = LM_FILL_PATTERN;
			else
				fail("fill= is neither pattern nor random");
			continue;
		}
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (str_eq(word, keys[i].key, eq - word))
				break;
		}
		if (i == sizeof(keys) / sizeof(keys[0])) {
			put_str("livemig-guest: ignoring unknown option ");
			while (word < end)
				outb(LM_PORT_DEBUG, *word++);
			put_str("\n");
			continue;
		}
		if (parse_u64(eq + 1, end, (uint64_t *)((char *)opt + keys[i].off)))
			fail("bad number in an option");
	}
}

/* @zeroed: the page should hold zeros, not generation @expected_gen. */
static void report_mismatch(struct lm_guest_state *st, uint64_t gfn,
			    const volatile uint64_t *page,
			    uint64_t expected_gen, int zeroed, uint64_t index)
{
	st->bad_gfn = gfn;
	st->bad_expected_gen = zeroed ? 0 : expected_gen;
	st->bad_index = index;
	st->bad_word[0] = page[LM_W_GFN];
	st->bad_word[1] = page[LM_W_GEN];
	st->bad_word[2] = page[LM_W_CHECK];
	st->bad_word[3] = page[LM_W_LAST];
	st->errors++;
	if (st->errors <= ERRORS_PRINTED) {
		put_str("livemig-guest: page ");
		put_hex(gfn);
		put_str(" holds gfn ");
		put_hex(st->bad_word[0]);
		put_str(" gen ");
		put_u64(st->bad_word[1]);
		if (zeroed) {
			put_str(", expected zeros");
		} else {
			put_str(", expected gen ");
			put_u64(expected_gen);
		}
		put_str(", first wrong word ");
		put_u64(index);
		put_str("\n");
	}
	/* The gfn fits: the guest maps 4 GiB, i.e. 2^20 pages. */
	outl(LM_PORT_ERROR, (uint32_t)gfn);
}

static void resume_poll(struct guest *g);

/* Waits, bumping the heartbeat, until the next page fits the rate. */
static void pace(struct guest *g)
{
	struct pacer *p = &g->pacer;

	if (!p->rate)
		return;
	if (p->lifted)
		return;
	for (;;) {
		uint64_t elapsed = clock_ns() - p->t0;

		if (elapsed >= NSEC_PER_SEC) {
			p->t0 += elapsed;
			p->done = 0;
			elapsed = 0;
		}
		/* done / rate <= elapsed / 1 s, both sides below 2^64 */
		if (p->done * NSEC_PER_SEC <= elapsed * p->rate)
			break;
		g->st->counter++;
		/* A slow guest waits here most of the time: look here too. */
		resume_poll(g);
		if (p->lifted)
			return;
		__asm__ volatile("pause");
	}
	p->done++;
}

/*
 * volatile pages: these are observations of memory others may have changed
 * (a migration, the test VMM); every read and write must really happen, in
 * this order.
 */

/* The first word of a zeroed page that is not zero, or LM_PAGE_WORDS. */
static uint64_t zero_mismatch(const volatile uint64_t *page)
{
	uint64_t i;

	for (i = 0; i < LM_PAGE_WORDS; i++) {
		if (page[i])
			break;
	}
	return i;
}

/* The first wrong word of a page of generation @gen, or LM_PAGE_WORDS. */
static uint64_t page_mismatch(const struct lm_guest_state *st, uint64_t gfn,
			      uint64_t gen, const volatile uint64_t *page)
{
	uint64_t check = lm_page_check(gfn, gen), x, i;

	if (page[LM_W_GFN] != gfn)
		return LM_W_GFN;
	if (page[LM_W_GEN] != gen)
		return LM_W_GEN;
	if (page[LM_W_CHECK] != check)
		return LM_W_CHECK;
	if (st->fill == LM_FILL_RANDOM) {
		x = lm_fill_seed(gfn, gen);
		for (i = LM_W_CHECK + 1; i < LM_W_LAST; i++) {
			x = lm_fill_next(x);
			if (page[i] != x * LM_FILL_MUL)
				return i;
		}
	}
	if (page[LM_W_LAST] != check)
		return LM_W_LAST;
	return LM_PAGE_WORDS;
}

static void check_page(struct lm_guest_state *st, uint64_t gfn, uint64_t gen)
{
	volatile uint64_t *page = (volatile uint64_t *)(gfn * LM_PAGE_SIZE);
	int zeroed = lm_page_zeroed(st, gfn, gen);
	uint64_t bad = zeroed ? zero_mismatch(page) :
			       page_mismatch(st, gfn, gen, page);

	if (bad < LM_PAGE_WORDS)
		report_mismatch(st, gfn, page, gen, zeroed, bad);
}

/* Page @gfn as generation @gen has it: its pattern, or all zeros. */
static void write_page(const struct lm_guest_state *st, uint64_t gfn,
		       uint64_t gen)
{
	volatile uint64_t *page = (volatile uint64_t *)(gfn * LM_PAGE_SIZE);
	uint64_t check = lm_page_check(gfn, gen), x, i;

	if (lm_page_zeroed(st, gfn, gen)) {
		for (i = 0; i < LM_PAGE_WORDS; i++)
			page[i] = 0;
		return;
	}
	page[LM_W_GFN] = gfn;
	page[LM_W_GEN] = gen;
	page[LM_W_CHECK] = check;
	if (st->fill == LM_FILL_RANDOM) {
		x = lm_fill_seed(gfn, gen);
		for (i = LM_W_CHECK + 1; i < LM_W_LAST; i++) {
			x = lm_fill_next(x);
			page[i] = x * LM_FILL_MUL;
		}
	}
	page[LM_W_LAST] = check;
}

/*
 * After a resume: every page written so far must hold what the record
 * says, whether the pass went past it (@gen) or not yet (@gen - 1).  Pages
 * of generation 0 were never written.  Called between pages only, where
 * the record is exact.
 */
static void verify_all(struct lm_guest_state *st)
{
	uint64_t errors = st->errors, pages = 0, gfn;

	for (gfn = st->start_gfn; st->verify && gfn < st->end_gfn; gfn++) {
		uint64_t gen = gfn < st->next_gfn ? st->gen : st->gen - 1;

		if (!st->gen || !gen)
			continue;
		check_page(st, gfn, gen);
		pages++;
	}
	st->verified_pages = pages;
	st->verify_errors = st->errors - errors;
	st->verifies++;
	put_str("livemig-guest: resumed (epoch ");
	put_u64(st->epoch);
	put_str("): ");
	put_u64(pages);
	put_str(" pages checked, ");
	put_u64(st->verify_errors);
	put_str(" wrong\n");
	outl(LM_PORT_VERIFIED, (uint32_t)pages);
}

/*
 * Asks the VMM whether the guest was resumed since the last look: every
 * LM_EPOCH_POLL_NS of kvmclock time, or every LM_EPOCH_POLL_PAGES calls
 * without it, so that the exits stay rare.  The clock is also watched:
 * across a migration it may jump forward, never back.
 */
static void resume_poll(struct guest *g)
{
	struct lm_guest_state *st = g->st;
	struct poller *p = &g->poller;
	uint32_t epoch;

	if (st->clock) {
		uint64_t now = clock_ns();

		if (now < p->next_ns)
			return;
		if (now < st->clock_ns)
			st->clock_back++;
		st->clock_ns = now;
		p->next_ns = now + LM_EPOCH_POLL_NS;
	} else if (--p->left) {
		return;
	} else {
		p->left = LM_EPOCH_POLL_PAGES;
	}
	/* Only a rate-limited guest has a limit to lift. */
	if (g->pacer.rate) {
		int lifted = inl(LM_PORT_BURST) == 1;

		if (lifted && !g->pacer.lifted)
			st->bursts++;
		if (!lifted && g->pacer.lifted) {
			/* The burst is not paid back: a new second starts. */
			g->pacer.t0 = clock_ns();
			g->pacer.done = 0;
		}
		g->pacer.lifted = lifted;
	}
	epoch = inl(LM_PORT_EPOCH);
	if (epoch == st->epoch)
		return;
	st->epoch = epoch;
	verify_all(st);
}

/*
 * One pass: every page is checked against the previous generation, then
 * rewritten with the new one.  @next_gfn moves after each page, so after a
 * pause anywhere the record says which generation each page must hold.
 */
static void run_pass(struct guest *g)
{
	struct lm_guest_state *st = g->st;
	uint64_t gen = st->pass + 1;
	uint64_t gfn;

	/* The record is right at every instant: no page holds @gen yet. */
	st->next_gfn = st->start_gfn;
	__asm__ volatile("" ::: "memory");
	st->gen = gen;
	for (gfn = st->start_gfn; gfn < st->end_gfn; gfn++) {
		pace(g);
		st->counter++;
		if (st->verify && gen > 1)
			check_page(st, gfn, gen - 1);
		write_page(st, gfn, gen);
		st->next_gfn = gfn + 1;
		resume_poll(g);
	}
	st->pass = gen;
	put_str("livemig-guest: pass ");
	put_u64(gen);
	put_str(" done\n");
	outl(LM_PORT_PASS, (uint32_t)gen);
}

/* An idle guest's sweep: read the pattern back, write nothing but @st. */
static void check_sweep(struct guest *g)
{
	struct lm_guest_state *st = g->st;
	uint64_t gfn;

	for (gfn = st->start_gfn; gfn < st->end_gfn; gfn++) {
		st->counter++;
		check_page(st, gfn, st->pass);
		resume_poll(g);
	}
	st->checks++;
}

void guest_main(uint32_t mbi_addr)
{
	const struct mb_info *mbi = (const struct mb_info *)(uintptr_t)mbi_addr;
	struct lm_guest_state *st = (struct lm_guest_state *)LM_STATE_GPA;
	struct options opt = { .passes = 0, .start_mib = 2, .verify = 1 };
	struct guest g = { .st = st, .poller.left = LM_EPOCH_POLL_PAGES };
	char cmdline[CMDLINE_MAX];
	uint64_t ram_end, start, end;

	if (!(mbi->flags & MB_IF_MEMORY))
		fail("the loader gave no memory size");
	ram_end = 0x100000ull + (uint64_t)mbi->mem_upper * 1024;
	if (ram_end > LM_GUEST_MAX_RAM)
		ram_end = LM_GUEST_MAX_RAM;

	/* Copy the command line before touching memory that may hold it. */
	cmdline[0] = '\0';
	if (mbi->flags & MB_IF_CMDLINE) {
		const char *src = (const char *)(uintptr_t)mbi->cmdline;
		size_t i;

		for (i = 0; i < CMDLINE_MAX - 1 && src[i]; i++)
			cmdline[i] = src[i];
		cmdline[i] = '\0';
	}
	parse_cmdline(cmdline, &opt);

	if (opt.start_mib < LM_PATTERN_START >> 20 ||
	    opt.start_mib > ram_end >> 20)
		fail("start= lies outside the free RAM");
	start = opt.start_mib << 20;
	end = ram_end & ~(LM_PAGE_SIZE - 1);
	if (opt.pages && opt.pages < (end - start) / LM_PAGE_SIZE)
		end = start + opt.pages * LM_PAGE_SIZE;
	if (end <= start)
		fail("the pattern range is empty");
	if (opt.rate > RATE_MAX)
		fail("rate= above 10^9 pages per second");
	if (opt.zero > (end - start) / LM_PAGE_SIZE)
		fail("zero= above the number of pattern pages");

	st->magic = 0;
	st->version = LM_STATE_VERSION;
	st->ram_end = ram_end;
	st->start_gfn = start / LM_PAGE_SIZE;
	st->end_gfn = end / LM_PAGE_SIZE;
	st->passes = opt.passes;
	st->verify = !!opt.verify;
	st->pass = 0;
	st->gen = 0;
	st->next_gfn = st->start_gfn;
	st->errors = 0;
	st->bad_gfn = 0;
	st->bad_expected_gen = 0;
	st->counter = 0;
	st->checks = 0;
	st->rate = opt.rate;
	st->idle = !!opt.idle;
	st->clock = clock_init();
	st->verifies = 0;
	st->verified_pages = 0;
	st->verify_errors = 0;
	st->clock_ns = st->clock ? clock_ns() : 0;
	st->clock_back = 0;
	st->fill = opt.fill;
	/* An idle guest writes one pass: nothing it would zero. */
	st->zero_pages = st->idle ? 0 : opt.zero;
	st->zero_step = st->zero_pages ?
			(st->end_gfn - st->start_gfn) / st->zero_pages : 0;
	st->bad_index = 0;
	st->bursts = 0;
	/* Whatever it is now: only a change means a resume. */
	st->epoch = inl(LM_PORT_EPOCH);
	st->magic = LM_STATE_MAGIC;

	if (st->clock) {
		g.pacer.rate = opt.rate;
		g.pacer.t0 = clock_ns();
	} else if (opt.rate) {
		put_str("livemig-guest: no kvmclock: rate= ignored\n");
	}

	put_str("livemig-guest: long mode, RAM ");
	put_u64(ram_end >> 10);
	put_str(" KiB, pages ");
	put_hex(st->start_gfn);
	put_str("-");
	put_hex(st->end_gfn - 1);
	put_str(", passes ");
	put_u64(opt.passes);
	put_str(opt.verify ? ", verify" : ", no verify");
	put_str(st->fill == LM_FILL_RANDOM ? ", fill random" :
					     ", fill pattern");
	if (st->zero_pages) {
		put_str(", ");
		put_u64(st->zero_pages);
		put_str(" pages zeroed from pass 2 (every ");
		put_u64(st->zero_step);
		put_str(")");
	}
	if (g.pacer.rate) {
		put_str(", rate ");
		put_u64(g.pacer.rate);
	}
	put_str(st->idle ? ", idle\n" : "\n");

	if (st->idle) {
		/* One pass to write the pattern, then only reads, forever. */
		run_pass(&g);
		for (;;) {
			if (st->verify) {
				check_sweep(&g);
			} else {
				st->counter++;
				resume_poll(&g);
			}
		}
	}
	while (!st->passes || st->pass < st->passes)
		run_pass(&g);
	put_str(st->errors ? "livemig-guest: FAILED\n" : "livemig-guest: OK\n");
	finish(st->errors ? LM_EXIT_MISMATCH : LM_EXIT_OK);
}
