/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lmctl unit tests: the KTAP reporting that every test file shares
 * (lmctl_unit.c has main() and the settings tests, mig_unit.c the
 * migration tests, agent_unit.c the agent's).
 */
#ifndef LMCTL_UNIT_H
#define LMCTL_UNIT_H

/**
 * struct ktap - one suite being reported
 * @name: the suite
 * @n: test points so far
 * @failed: failed test points
 */
struct ktap {
	const char *name;
	int n;
	int failed;
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void suite_begin(struct ktap *t, const char *name, int plan);
void suite_end(struct ktap *t);
void point(struct ktap *t, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int split(char *words, char **argv, int max);

/* mig_unit.c and agent_unit.c, and how many suites each reports. */
#define LM_MIG_SUITES	8
void test_migrations(void);
#define LM_AGENT_SUITES	3
void test_agent(void);

#endif /* LMCTL_UNIT_H */
