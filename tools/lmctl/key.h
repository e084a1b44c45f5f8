/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lmctl: pre-shared keys: making them and reading key files.
 */
#ifndef LMCTL_KEY_H
#define LMCTL_KEY_H

#include <stddef.h>
#include <stdint.h>

int lm_key_read(const char *path, uint8_t *key, char *abs, size_t abslen);

#endif /* LMCTL_KEY_H */
