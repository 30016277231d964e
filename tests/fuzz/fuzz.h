/* fuzz.h - small helpers shared by the libFuzzer targets.
 *
 * Every target is one LLVMFuzzerTestOneInput over one parser of outside
 * input.  Inputs are bytes; the parsers take NUL-terminated text, so
 * fuzz_text() copies them (a NUL inside the input ends the text early, as
 * it would for the daemon, which reads bodies as C strings).
 */
#ifndef OSFS_FUZZ_H
#define OSFS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Parsers log what they refuse; millions of inputs need no log.  Put
 * FUZZ_QUIET once in a target. */
#define FUZZ_QUIET \
	int LLVMFuzzerInitialize(int *argc, char ***argv) \
	{ \
		osfs_log_set_level(-1); \
		return 0; \
	}

/* A NUL-terminated copy of data[0..size); caller frees.  Aborts on ENOMEM
 * (the fuzzer reports it as a crash, which is what we want). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Split data at the first occurrence of the byte sep: the part before in
 * *a (copied, NUL-terminated), the rest in *b (copied; "" if no sep). */
static inline void fuzz_split(const uint8_t *data, size_t size, uint8_t sep, char **a, char **b)
{
	const uint8_t *p = memchr(data, sep, size);
	size_t n = p ? (size_t)(p - data) : size;

	*a = fuzz_text(data, n);
	*b = p ? fuzz_text(p + 1, size - n - 1) : fuzz_text(data, 0);
}

/* A check that must hold: print what broke and abort, so libFuzzer keeps
 * the input as a crash. */
#define FUZZ_ASSERT(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz assertion failed: %s: ", #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} \
} while (0)

#endif
