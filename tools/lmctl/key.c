// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl: pre-shared keys. genkey prints 32 random bytes in base64; a key
 * file holds exactly that (a trailing newline is fine). Keys only pass
 * through lmctl on their way to the kernel: every buffer that held one is
 * wiped with explicit_bzero() before it is released.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "key.h"
#include "lmctl.h"
#include "parse.h"

/* A key file is small; anything longer is not one of ours. */
#define LM_KEY_FILE_MAX	256

int lmctl_cmd_genkey(const struct lmctl_opts *opts, int argc, char **argv)
{
	uint8_t key[LIVEMIG_PSK_LEN];
	char text[LIVEMIG_PSK_LEN * 2];
	struct stat st;
	ssize_t n;

	(void)opts;
	if (argc)
		return lmctl_arg_error(lmctl_find("genkey"), argv[0]);

	/* As wg genkey does: warn before writing a key where others can read it. */
	if (!fstat(STDOUT_FILENO, &st) && S_ISREG(st.st_mode) &&
	    (st.st_mode & (S_IRWXG | S_IRWXO)))
		fprintf(stderr, "lmctl: warning: writing a key to a file that group or others can read (use umask 077)\n");

	n = getrandom(key, sizeof(key), 0);
	if (n != (ssize_t)sizeof(key)) {
		fprintf(stderr, "lmctl: genkey: getrandom: %s\n",
			n < 0 ? strerror(errno) : "short read");
		explicit_bzero(key, sizeof(key));
		return LMCTL_EXIT_ERROR;
	}
	lm_base64_encode(text, key, sizeof(key));
	explicit_bzero(key, sizeof(key));
	n = printf("%s\n", text);
	explicit_bzero(text, sizeof(text));
	if (n < 0 || fflush(stdout)) {
		fprintf(stderr, "lmctl: genkey: cannot write the key: %s\n", strerror(errno));
		return LMCTL_EXIT_ERROR;
	}
	return LMCTL_EXIT_OK;
}

/**
 * lm_key_read() - read a key file
 * @path: as the user gave it
 * @key: %LIVEMIG_PSK_LEN bytes, the key; the caller wipes it after use
 * @abs: the file's absolute path (realpath), for LIVEMIG_A_PSK_FILE
 * @abslen: room in @abs
 *
 * Warns when group or others may read the file. Messages go to stderr.
 *
 * Return: an lmctl exit code (%LMCTL_EXIT_ERROR when the file cannot be
 * read or does not hold exactly one key).
 */
int lm_key_read(const char *path, uint8_t *key, char *abs, size_t abslen)
{
	char text[LM_KEY_FILE_MAX + 1];
	uint8_t buf[LM_KEY_FILE_MAX];
	char real[PATH_MAX];
	size_t len = 0, got = 0;
	int ret = LMCTL_EXIT_ERROR;
	struct stat st;
	ssize_t n;
	int fd;

	if (!realpath(path, real)) {
		fprintf(stderr, "lmctl: %s: %s\n", path, strerror(errno));
		return LMCTL_EXIT_ERROR;
	}
	if (strlen(real) >= abslen) {
		fprintf(stderr, "lmctl: %s: path too long (at most %zu bytes)\n",
			real, abslen - 1);
		return LMCTL_EXIT_ERROR;
	}
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fprintf(stderr, "lmctl: %s: %s\n", real, strerror(errno));
		return LMCTL_EXIT_ERROR;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "lmctl: %s: not a regular file\n", real);
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		fprintf(stderr, "lmctl: warning: %s can be read by group or others; chmod 600 it\n",
			real);

	while (len < sizeof(text)) {
		n = read(fd, text + len, sizeof(text) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "lmctl: %s: %s\n", real, strerror(errno));
			goto out;
		}
		if (!n)
			break;
		len += n;
	}
	if (len > LM_KEY_FILE_MAX) {
		fprintf(stderr, "lmctl: %s: not a key file: too long (a key is 44 characters of base64, as lmctl genkey prints)\n",
			real);
		goto out;
	}
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
		       text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	text[len] = '\0';

	if (lm_base64_decode(text, len, buf, sizeof(buf), &got)) {
		fprintf(stderr, "lmctl: %s: not a key file: not base64 (a key is 44 characters of base64, as lmctl genkey prints)\n",
			real);
		goto out;
	}
	if (got != LIVEMIG_PSK_LEN) {
		fprintf(stderr, "lmctl: %s: wrong key length: %zu bytes, a key is %d bytes (44 characters of base64, as lmctl genkey prints)\n",
			real, got, LIVEMIG_PSK_LEN);
		goto out;
	}
	memcpy(key, buf, LIVEMIG_PSK_LEN);
	strcpy(abs, real);
	ret = LMCTL_EXIT_OK;
out:
	explicit_bzero(text, sizeof(text));
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return ret;
}
