// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl: a tiny JSON writer. One compact document per call site, a
 * newline after the top-level value; member order is the caller's, and is
 * part of the stable form.
 */
#include <string.h>

#include "json.h"

void lm_json_init(struct lm_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

/**
 * lm_json_string() - write @s as a JSON string, escaped
 * @f: where
 * @s: UTF-8 text (bytes >= 0x80 pass through)
 */
void lm_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* The comma and the member name before a value. */
static void lm_json_key(struct lm_json *j, const char *key)
{
	if (j->count[j->depth]++)
		fputc(',', j->f);
	if (key) {
		lm_json_string(j->f, key);
		fputc(':', j->f);
	}
}

static void lm_json_open(struct lm_json *j, const char *key, char c)
{
	lm_json_key(j, key);
	fputc(c, j->f);
	if (j->depth < LM_JSON_DEPTH - 1)
		j->depth++;
	j->count[j->depth] = 0;
}

static void lm_json_close(struct lm_json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
	if (!j->depth)
		fputc('\n', j->f);
}

void lm_json_obj(struct lm_json *j, const char *key)
{
	lm_json_open(j, key, '{');
}

void lm_json_arr(struct lm_json *j, const char *key)
{
	lm_json_open(j, key, '[');
}

void lm_json_end_obj(struct lm_json *j)
{
	lm_json_close(j, '}');
}

void lm_json_end_arr(struct lm_json *j)
{
	lm_json_close(j, ']');
}

void lm_json_str(struct lm_json *j, const char *key, const char *val)
{
	lm_json_key(j, key);
	lm_json_string(j->f, val);
}

void lm_json_u64(struct lm_json *j, const char *key, uint64_t val)
{
	lm_json_key(j, key);
	fprintf(j->f, "%llu", (unsigned long long)val);
}

void lm_json_bool(struct lm_json *j, const char *key, bool val)
{
	lm_json_key(j, key);
	fputs(val ? "true" : "false", j->f);
}

void lm_json_null(struct lm_json *j, const char *key)
{
	lm_json_key(j, key);
	fputs("null", j->f);
}
