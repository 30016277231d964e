/* jscan.h - byte ranges of JSON values, without building a tree.
 *
 * A list page of 1000 servers is 1.5 MiB of JSON of which the tree shows a
 * few fields per item: model.c checks the page once with osfs_jscan_check
 * (strict RFC 8259 grammar, a depth cap), then walks it by spans (pointers
 * into the caller's text, never copied) and hands json-c only the small
 * values that need it.  Everything here reads only inside the span it is
 * given and allocates nothing.  The iterators and osfs_jscan_get expect a
 * span that osfs_jscan_check accepted (or a part of one).
 */
#ifndef OSFS_JSCAN_H
#define OSFS_JSCAN_H

#include <stdbool.h>
#include <stddef.h>

struct osfs_jspan {
	const char *p;  /* first byte of the value ('{', '"', 't', ...) */
	size_t n;       /* bytes of the value */
};

enum osfs_jtype {
	OSFS_J_NONE, OSFS_J_OBJECT, OSFS_J_ARRAY, OSFS_J_STRING, OSFS_J_NUMBER,
	OSFS_J_TRUE, OSFS_J_FALSE, OSFS_J_NULL,
};

/* Is text[0..len) exactly one JSON value, with whitespace around it and
 * arrays/objects nested at most max_depth deep?  0 and *v = the value, or
 * -1 (not JSON, or more than this scanner vouches for). */
int osfs_jscan_check(const char *text, size_t len, int max_depth, struct osfs_jspan *v);

/* The type of a checked value, by its first byte. */
enum osfs_jtype osfs_jscan_type(struct osfs_jspan v);

/* Walks the members of an object or the elements of an array. */
struct osfs_jiter {
	const char *p, *end;
};

void osfs_jscan_iter(struct osfs_jiter *it, struct osfs_jspan container);

/* The next member: key = its bytes between the quotes, still escaped.
 * false at the end. */
bool osfs_jscan_member(struct osfs_jiter *it, struct osfs_jspan *key, struct osfs_jspan *val);

/* The next element; false at the end. */
bool osfs_jscan_elem(struct osfs_jiter *it, struct osfs_jspan *val);

/* A container whose length is not known yet can be walked from a span that
 * runs on past it (as osfs_jscan_elem_start gives): the walk ends at its
 * closing bracket, and then osfs_jscan_closed is the byte after that. */
const char *osfs_jscan_closed(const struct osfs_jiter *it);

/* For a caller that walks each element itself: *rest = the text from the
 * next element's first byte to the end of the container; the caller then
 * says where the element ended with osfs_jscan_resume.  false at the end. */
bool osfs_jscan_elem_start(struct osfs_jiter *it, struct osfs_jspan *rest);
void osfs_jscan_resume(struct osfs_jiter *it, const char *after);

/* The value at the start of rest (rest may run on past it). */
struct osfs_jspan osfs_jscan_value(struct osfs_jspan rest);

/* The value of the LAST member of object obj named key[0..klen) (the one
 * json-c keeps when a key repeats): 1 found, 0 no such member, -1 some key
 * of obj holds an escape, so the answer needs a real decoder. */
int osfs_jscan_get(struct osfs_jspan obj, const char *key, size_t klen, struct osfs_jspan *val);

/* Does a string span hold a backslash (an escape)? */
bool osfs_jscan_escaped(struct osfs_jspan s);

/* Copies checked value v to out (v.n bytes of room) without the
 * whitespace between tokens; returns the bytes written. */
size_t osfs_jscan_minify(struct osfs_jspan v, char *out);

#endif
