/* jscan.c - a strict JSON checker and span walker (see jscan.h).
 *
 * Two halves: the checker validates once, recursively (depth is capped by
 * the caller, so the stack is bounded); the walkers then trust what the
 * checker passed and only track strings and brackets to find where a value
 * ends.  Nothing reads past a span's end, whatever the bytes. */
#include "jscan.h"

#include <stdint.h>
#include <string.h>

/* Byte classes, so the hot loops test one table entry per byte. */
enum { C_PLAIN, C_QUOTE, C_BACKSLASH, C_CONTROL, C_OPEN, C_CLOSE };

/* Inside a string: what ends a run of plain bytes. */
static const unsigned char in_string[256] = {
	[0x00 ... 0x1f] = C_CONTROL, ['"'] = C_QUOTE, ['\\'] = C_BACKSLASH,
};

/* Inside a container being skipped: what changes the depth. */
static const unsigned char in_container[256] = {
	['"'] = C_QUOTE, ['{'] = C_OPEN, ['['] = C_OPEN, ['}'] = C_CLOSE, [']'] = C_CLOSE,
};

/* Past the plain bytes of a string from p: to the first '"', '\\' or
 * control byte, or to end.  Eight bytes at a time while none is there
 * (the "has a byte below n" test works bytewise, with no false alarms
 * when it says none). */
static const char *plain_run(const char *p, const char *end)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;

	while (end - p >= 8) {
		uint64_t w, q, b;
		memcpy(&w, p, 8);
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		if ((((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w)) & high)
			break;
		p += 8;
	}
	while (p < end && in_string[(unsigned char)*p] == C_PLAIN)
		p++;
	return p;
}

/* ---- the checker ---- */

struct cur {
	const char *p, *end;
	int max_depth;
};

static bool is_ws(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static void skip_ws(struct cur *c)
{
	while (c->p < c->end && is_ws(*c->p))
		c->p++;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int check_escape(struct cur *c)
{
	if (c->p >= c->end)
		return -1;
	switch (*c->p++) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		return 0;
	case 'u':
		for (int i = 0; i < 4; i++)
			if (c->p >= c->end || !is_hex(*c->p++))
				return -1;
		return 0;
	default:
		return -1;
	}
}

static int check_string(struct cur *c)
{
	const char *p = c->p + 1, *end = c->end; /* past the opening quote */

	for (;;) {
		p = plain_run(p, end);
		if (p >= end)
			return -1;
		switch (in_string[(unsigned char)*p]) {
		case C_QUOTE:
			c->p = p + 1;
			return 0;
		case C_BACKSLASH:
			c->p = p + 1;
			if (check_escape(c) < 0)
				return -1;
			p = c->p;
			break;
		default:
			return -1; /* a raw control character */
		}
	}
}

static int check_digits(struct cur *c)
{
	const char *start = c->p;

	while (c->p < c->end && is_digit(*c->p))
		c->p++;
	return c->p > start ? 0 : -1;
}

static int check_number(struct cur *c)
{
	if (*c->p == '-')
		c->p++;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else if (check_digits(c) < 0)
		return -1;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (check_digits(c) < 0)
			return -1;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (check_digits(c) < 0)
			return -1;
	}
	return 0;
}

static int check_word(struct cur *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return -1;
	c->p += n;
	return 0;
}

static int check_value(struct cur *c, int depth);

/* The members of an object or elements of an array, after its opening
 * bracket; `close` is '}' or ']'. */
static int check_container(struct cur *c, int depth, char close)
{
	if (depth >= c->max_depth)
		return -1;
	c->p++;
	skip_ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			if (c->p >= c->end || *c->p != '"' || check_string(c) < 0)
				return -1;
			skip_ws(c);
			if (c->p >= c->end || *c->p++ != ':')
				return -1;
			skip_ws(c);
		}
		if (check_value(c, depth + 1) < 0)
			return -1;
		skip_ws(c);
		if (c->p >= c->end)
			return -1;
		if (*c->p == close) {
			c->p++;
			return 0;
		}
		if (*c->p++ != ',')
			return -1;
		skip_ws(c);
	}
}

static int check_value(struct cur *c, int depth)
{
	if (c->p >= c->end)
		return -1;
	switch (*c->p) {
	case '{': return check_container(c, depth, '}');
	case '[': return check_container(c, depth, ']');
	case '"': return check_string(c);
	case 't': return check_word(c, "true");
	case 'f': return check_word(c, "false");
	case 'n': return check_word(c, "null");
	default:  return check_number(c);
	}
}

int osfs_jscan_check(const char *text, size_t len, int max_depth, struct osfs_jspan *v)
{
	struct cur c = { text, text + len, max_depth };
	const char *start;

	skip_ws(&c);
	start = c.p;
	if (check_value(&c, 0) < 0)
		return -1;
	v->p = start;
	v->n = (size_t)(c.p - start);
	skip_ws(&c);
	return c.p == c.end ? 0 : -1;
}

/* ---- walkers over checked text ---- */

enum osfs_jtype osfs_jscan_type(struct osfs_jspan v)
{
	if (!v.n)
		return OSFS_J_NONE;
	switch (v.p[0]) {
	case '{': return OSFS_J_OBJECT;
	case '[': return OSFS_J_ARRAY;
	case '"': return OSFS_J_STRING;
	case 't': return OSFS_J_TRUE;
	case 'f': return OSFS_J_FALSE;
	case 'n': return OSFS_J_NULL;
	default:  return OSFS_J_NUMBER;
	}
}

/* Past the string whose opening quote is at p (checked text: a backslash
 * always has a character after it). */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; (p = plain_run(p, end)) < end; p += 2) {
		if (*p == '"')
			return p + 1;
		/* else a backslash and the byte it escapes */
	}
	return end;
}

static const char *skip_value(const char *p, const char *end)
{
	int depth = 0;

	if (p >= end)
		return end;
	if (*p == '"')
		return skip_string(p, end);
	if (*p != '{' && *p != '[') {
		while (p < end && !is_ws(*p) && *p != ',' && *p != '}' && *p != ']' && *p != ':')
			p++;
		return p;
	}
	while (p < end) {
		switch (in_container[(unsigned char)*p]) {
		case C_QUOTE:
			p = skip_string(p, end);
			continue;
		case C_OPEN:
			depth++;
			break;
		case C_CLOSE:
			if (--depth == 0)
				return p + 1;
			break;
		}
		p++;
	}
	return end;
}

void osfs_jscan_iter(struct osfs_jiter *it, struct osfs_jspan container)
{
	enum osfs_jtype t = osfs_jscan_type(container);

	if ((t == OSFS_J_OBJECT || t == OSFS_J_ARRAY) && container.n >= 2) {
		it->p = container.p + 1;
		it->end = container.p + container.n - 1; /* the closing bracket */
	} else {
		it->p = it->end = container.p;
	}
}

/* To the start of the next entry; false at the end. */
static bool next_entry(struct osfs_jiter *it)
{
	while (it->p < it->end && (is_ws(*it->p) || *it->p == ','))
		it->p++;
	return it->p < it->end && *it->p != '}' && *it->p != ']';
}

const char *osfs_jscan_closed(const struct osfs_jiter *it)
{
	return it->p + (it->p <= it->end && (*it->p == '}' || *it->p == ']'));
}

struct osfs_jspan osfs_jscan_value(struct osfs_jspan rest)
{
	struct osfs_jspan v = { rest.p, (size_t)(skip_value(rest.p, rest.p + rest.n) - rest.p) };

	return v;
}

bool osfs_jscan_elem_start(struct osfs_jiter *it, struct osfs_jspan *rest)
{
	if (!next_entry(it))
		return false;
	rest->p = it->p;
	rest->n = (size_t)(it->end - it->p) + 1; /* up to and with the closing bracket */
	return true;
}

void osfs_jscan_resume(struct osfs_jiter *it, const char *after)
{
	it->p = after;
}

static void take_value(struct osfs_jiter *it, struct osfs_jspan *val)
{
	const char *e = skip_value(it->p, it->end);

	val->p = it->p;
	val->n = (size_t)(e - it->p);
	it->p = e;
}

bool osfs_jscan_member(struct osfs_jiter *it, struct osfs_jspan *key, struct osfs_jspan *val)
{
	const char *e;

	if (!next_entry(it) || *it->p != '"')
		return false;
	e = skip_string(it->p, it->end);
	key->p = it->p + 1;
	key->n = e > key->p ? (size_t)(e - 1 - key->p) : 0;
	it->p = e;
	while (it->p < it->end && (is_ws(*it->p) || *it->p == ':'))
		it->p++;
	if (it->p >= it->end)
		return false;
	take_value(it, val);
	return true;
}

bool osfs_jscan_elem(struct osfs_jiter *it, struct osfs_jspan *val)
{
	if (!next_entry(it))
		return false;
	take_value(it, val);
	return true;
}

int osfs_jscan_get(struct osfs_jspan obj, const char *key, size_t klen, struct osfs_jspan *val)
{
	struct osfs_jiter it;
	struct osfs_jspan k, v;
	bool found = false, escaped = false;

	osfs_jscan_iter(&it, obj);
	while (osfs_jscan_member(&it, &k, &v)) {
		if (memchr(k.p, '\\', k.n))
			escaped = true;
		else if (k.n == klen && memcmp(k.p, key, klen) == 0) {
			*val = v;
			found = true;
		}
	}
	return escaped ? -1 : found;
}

bool osfs_jscan_escaped(struct osfs_jspan s)
{
	return memchr(s.p, '\\', s.n) != NULL;
}

size_t osfs_jscan_minify(struct osfs_jspan v, char *out)
{
	const char *p = v.p, *end = v.p + v.n;
	char *o = out;

	while (p < end) {
		if (*p == '"') {
			const char *e = skip_string(p, end);
			memcpy(o, p, (size_t)(e - p));
			o += e - p;
			p = e;
		} else if (is_ws(*p)) {
			p++;
		} else {
			*o++ = *p++;
		}
	}
	return (size_t)(o - out);
}
