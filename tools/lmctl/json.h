/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lmctl: a tiny JSON writer for the stable machine form (-j).
 */
#ifndef LMCTL_JSON_H
#define LMCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LM_JSON_DEPTH	8

/**
 * struct lm_json - state of one JSON document being written
 * @f: where it goes
 * @depth: open objects and arrays
 * @count: values written so far at each depth (for the commas)
 */
struct lm_json {
	FILE *f;
	int depth;
	unsigned int count[LM_JSON_DEPTH];
};

/*
 * Every writer takes @key: the member name inside an object, NULL inside
 * an array or for the top-level value.
 */
void lm_json_init(struct lm_json *j, FILE *f);
void lm_json_obj(struct lm_json *j, const char *key);
void lm_json_arr(struct lm_json *j, const char *key);
void lm_json_end_obj(struct lm_json *j);
void lm_json_end_arr(struct lm_json *j);
void lm_json_str(struct lm_json *j, const char *key, const char *val);
void lm_json_u64(struct lm_json *j, const char *key, uint64_t val);
void lm_json_bool(struct lm_json *j, const char *key, bool val);
void lm_json_null(struct lm_json *j, const char *key);
void lm_json_string(FILE *f, const char *s);

#endif /* LMCTL_JSON_H */
