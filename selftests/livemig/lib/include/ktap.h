/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal KTAP output for livemig's C selftests, in the kselftest format:
 *
 *   TAP version 13
 *   1..N
 *   # diagnostic
 *   ok 1 - description
 *   not ok 2 - description
 *   ok 3 - description # SKIP reason
 *
 * Exit codes as kselftest: 0 all passed, 1 something failed, 4 skipped.
 * The counters live in a struct ktap the test owns, not in globals.
 */
#ifndef LIVEMIG_KTAP_H
#define LIVEMIG_KTAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

struct ktap {
	unsigned int planned;
	unsigned int done;
	unsigned int passed;
	unsigned int failed;
	unsigned int skipped;
};

static inline void ktap_start(struct ktap *t, unsigned int planned)
{
	*t = (struct ktap){ .planned = planned };
	printf("TAP version 13\n1..%u\n", planned);
	fflush(stdout);
}

static inline void __attribute__((format(printf, 1, 2)))
ktap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static inline void __attribute__((format(printf, 3, 4)))
ktap_result(struct ktap *t, bool ok, const char *fmt, ...)
{
	va_list ap;

	t->done++;
	if (ok)
		t->passed++;
	else
		t->failed++;
	printf("%sok %u - ", ok ? "" : "not ", t->done);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static inline void ktap_skip(struct ktap *t, const char *desc, const char *why)
{
	t->done++;
	t->skipped++;
	printf("ok %u - %s # SKIP %s\n", t->done, desc, why);
	fflush(stdout);
}

/* Prints the totals and returns the exit code. */
static inline int ktap_finish(struct ktap *t)
{
	if (t->done != t->planned) {
		ktap_diag("planned %u tests but ran %u", t->planned, t->done);
		t->failed++;
	}
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
	       t->passed, t->failed, t->skipped);
	fflush(stdout);
	if (t->failed)
		return KSFT_FAIL;
	return t->passed ? KSFT_PASS : KSFT_SKIP;
}

/* Nothing can run here: say why and leave with KSFT_SKIP. */
static inline void __attribute__((noreturn, format(printf, 1, 2)))
ktap_exit_skip(const char *fmt, ...)
{
	va_list ap;

	printf("TAP version 13\n1..0 # SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	exit(KSFT_SKIP);
}

#endif /* LIVEMIG_KTAP_H */
