/* cloudsyaml.c - clouds.yaml / secure.yaml into a small tree of our own.
 *
 * libyaml does the YAML: yaml_parser_load builds a document in which an
 * alias is the very node its anchor names (one shared node; `&a [*a]` is
 * even a cycle).  This file turns that document into struct osfs_yaml_node
 * trees, copying a shared node wherever it is used, and applies the `<<`
 * merge key.  Three passes:
 *
 *  1. osfs_yaml_guard pulls libyaml's events once and keeps nothing: syntax
 *     errors, a second document, nesting deeper than OSFS_YAML_MAX_DEPTH,
 *     more than OSFS_YAML_MAX_NODES nodes as written and more than
 *     OSFS_YAML_MAX_ANCHORS anchors stop there, at the event that crosses the
 *     cap.  The loader would read to the end first, and libyaml is quadratic
 *     in flow nesting (1 MiB of "[" keeps yaml_parser_load busy for more than
 *     ten minutes) and in anchors (it compares each new one with all before:
 *     1 MiB of them takes half a minute), so the caps come first.
 *  2. yaml_parser_load builds the document: at most the caps' worth of nodes.
 *  3. osfs_yaml_build walks it from the root.  Every node made (copies
 *     included) counts against OSFS_YAML_MAX_NODES and every key and scalar
 *     against OSFS_YAML_MAX_TEXT, and depth is checked again, so the work of
 *     walking aliases of aliases ("billion laughs") is bounded, not only the
 *     memory.  A collection met again while it is being built is a cycle.
 *     Whether a scalar had a tag comes from pass 1: the loader gives an
 *     untagged scalar the tag of "!!str", and "!!str null" is text.
 *
 * A node reached through an alias keeps the line where its anchor wrote it.
 */
#include "cloudsyaml.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

struct yaml_build {
	const char *name;            /* prefixes messages */
	const char *buf;             /* the input: lines, anchor names, tags */
	size_t len;
	struct osfs_err *err;
	yaml_document_t doc;
	unsigned char *flags;        /* by node id - 1: YAML_NODE_* */
	size_t nflags, flags_cap;    /* nodes numbered by the guard pass */
	size_t nodes, text;          /* made so far, alias copies included */
};

/* What the document does not say about a node.  The loader numbers nodes in
 * the order of their events, so the guard pass can number them too. */
enum {
	YAML_NODE_TAGGED = 1,        /* a scalar written with a tag */
	YAML_NODE_OPEN = 2,          /* a collection being built */
};

/* What the guard pass counts as the events go by. */
struct yaml_guard {
	int depth, docs;
	size_t nodes, anchors;
};

/* Scalars may be passwords: wipe them before they go back to malloc. */
static void osfs_yaml_wipe(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void osfs_yaml_free_list(struct osfs_yaml_node *n)
{
	while (n) {
		struct osfs_yaml_node *next = n->next;

		osfs_yaml_free_list(n->child);
		free(n->key);
		osfs_yaml_wipe(n->value);
		free(n);
		n = next;
	}
}

void osfs_yaml_free(struct osfs_yaml_node *node)
{
	if (!node)
		return;
	osfs_yaml_free_list(node->child);
	free(node->key);
	osfs_yaml_wipe(node->value);
	free(node);
}

static int osfs_yaml_error(struct yaml_build *b, int ret, unsigned line,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int osfs_yaml_error(struct yaml_build *b, int ret, unsigned line,
			   const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!b->err)
		return ret;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		return osfs_err_set(b->err, ret, "%s:%u: %s", b->name, line, msg);
	return osfs_err_set(b->err, ret, "%s: %s", b->name, msg);
}

static unsigned osfs_yaml_line_at(const struct yaml_build *b, size_t offset)
{
	unsigned line = 1;

	for (size_t i = 0; i < offset && i < b->len; i++)
		if (b->buf[i] == '\n')
			line++;
	return line;
}

static unsigned osfs_yaml_line(const yaml_node_t *node)
{
	return (unsigned)node->start_mark.line + 1;
}

/* libyaml's marks count characters: the byte where character `chars` of the
 * (UTF-8) input starts; a byte order mark is not counted. */
static size_t osfs_yaml_byte_at(const struct yaml_build *b, size_t chars)
{
	size_t i = b->len >= 3 && memcmp(b->buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

	for (; i < b->len; i++)
		if (((unsigned char)b->buf[i] & 0xc0) != 0x80 && chars-- == 0)
			break;
	return i;
}

/* "found undefined alias" at the `*` of the alias: name it. */
static int osfs_yaml_unknown_anchor(struct yaml_build *b, const yaml_parser_t *ps)
{
	size_t at = osfs_yaml_byte_at(b, ps->problem_mark.index) + 1, n = 0;

	while (at + n < b->len && n < 64 &&
	       (isalnum((unsigned char)b->buf[at + n]) ||
		b->buf[at + n] == '-' || b->buf[at + n] == '_'))
		n++;
	return osfs_yaml_error(b, -EINVAL, (unsigned)ps->problem_mark.line + 1,
			       "unknown anchor '%.*s'", (int)n, b->buf + at);
}

/* Turn libyaml's error state into our message.  libyaml's texts are fixed
 * strings; none of them quotes the input, so no secret can leak here. */
static int osfs_yaml_parser_error(struct yaml_build *b, const yaml_parser_t *ps)
{
	const char *problem = ps->problem ? ps->problem : "syntax error";
	unsigned line = (unsigned)ps->problem_mark.line + 1;

	if (ps->error == YAML_MEMORY_ERROR)
		return osfs_yaml_error(b, -ENOMEM, 0, "out of memory");
	if (ps->error == YAML_READER_ERROR)
		return osfs_yaml_error(b, -EINVAL,
				       osfs_yaml_line_at(b, ps->problem_offset),
				       "%s", problem);
	if (ps->error == YAML_COMPOSER_ERROR &&
	    strcmp(problem, "found undefined alias") == 0)
		return osfs_yaml_unknown_anchor(b, ps);
	if (ps->context)
		return osfs_yaml_error(b, -EINVAL, line, "%s (%s at line %u)",
				       problem, ps->context,
				       (unsigned)ps->context_mark.line + 1);
	return osfs_yaml_error(b, -EINVAL, line, "%s", problem);
}

static int osfs_yaml_too_deep(struct yaml_build *b, unsigned line)
{
	return osfs_yaml_error(b, -EFBIG, line, "nested deeper than %d levels",
			       OSFS_YAML_MAX_DEPTH);
}

/* ---- pass 1: the caps, before anything is built ---- */

/* Flags for the node the loader will make next. */
static int osfs_yaml_number(struct yaml_build *b, unsigned char flags)
{
	if (b->nflags == b->flags_cap) {
		size_t cap = b->flags_cap ? 2 * b->flags_cap : 64;
		unsigned char *f = realloc(b->flags, cap);

		if (!f)
			return osfs_yaml_error(b, -ENOMEM, 0, "out of memory");
		b->flags = f;
		b->flags_cap = cap;
	}
	b->flags[b->nflags++] = flags;
	return 0;
}

static int osfs_yaml_guard_event(struct yaml_build *b, struct yaml_guard *g,
				 const yaml_event_t *ev)
{
	unsigned line = (unsigned)ev->start_mark.line + 1;
	const yaml_char_t *anchor = NULL;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++g->docs > 1)
			return osfs_yaml_error(b, -EINVAL, line,
					       "more than one YAML document");
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		g->depth--;
		return 0;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (g->depth++ >= OSFS_YAML_MAX_DEPTH)
			return osfs_yaml_too_deep(b, line);
		anchor = ev->type == YAML_SEQUENCE_START_EVENT ?
			 ev->data.sequence_start.anchor :
			 ev->data.mapping_start.anchor;
		break;
	case YAML_SCALAR_EVENT:   /* may be a password */
		explicit_bzero(ev->data.scalar.value, ev->data.scalar.length);
		anchor = ev->data.scalar.anchor;
		break;
	case YAML_ALIAS_EVENT:
		break;
	default:
		return 0;
	}
	if (++g->nodes > OSFS_YAML_MAX_NODES)
		return osfs_yaml_error(b, -EFBIG, line, "more than %d nodes",
				       OSFS_YAML_MAX_NODES);
	if (anchor && ++g->anchors > OSFS_YAML_MAX_ANCHORS)
		return osfs_yaml_error(b, -EFBIG, line, "more than %d anchors",
				       OSFS_YAML_MAX_ANCHORS);
	if (ev->type == YAML_ALIAS_EVENT)
		return 0;
	return osfs_yaml_number(b, ev->type == YAML_SCALAR_EVENT &&
				   ev->data.scalar.tag ? YAML_NODE_TAGGED : 0);
}

static int osfs_yaml_guard(struct yaml_build *b)
{
	struct yaml_guard g = { 0 };
	yaml_parser_t ps;
	yaml_event_t ev;
	bool end = false;
	int ret = 0;

	if (!yaml_parser_initialize(&ps))
		return osfs_yaml_error(b, -ENOMEM, 0, "out of memory");
	yaml_parser_set_input_string(&ps, (const unsigned char *)b->buf, b->len);
	while (!ret && !end) {
		if (!yaml_parser_parse(&ps, &ev)) {
			ret = osfs_yaml_parser_error(b, &ps);
			break;
		}
		ret = osfs_yaml_guard_event(b, &g, &ev);
		end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&ps);
	return ret;
}

/* ---- pass 2: libyaml's document ---- */

/* Load the one document into b->doc; on failure b->doc holds nothing. */
static int osfs_yaml_load(struct yaml_build *b)
{
	yaml_parser_t ps;
	int ret = 0;

	if (!yaml_parser_initialize(&ps))
		return osfs_yaml_error(b, -ENOMEM, 0, "out of memory");
	yaml_parser_set_input_string(&ps, (const unsigned char *)b->buf, b->len);
	if (!yaml_parser_load(&ps, &b->doc))
		ret = osfs_yaml_parser_error(b, &ps);
	yaml_parser_delete(&ps);
	return ret;
}

static void osfs_yaml_doc_free(yaml_document_t *doc)
{
	for (yaml_node_t *n = doc->nodes.start; n && n < doc->nodes.top; n++)
		if (n->type == YAML_SCALAR_NODE)
			explicit_bzero(n->data.scalar.value, n->data.scalar.length);
	yaml_document_delete(doc);
}

/* ---- pass 3: our tree ---- */

static int osfs_yaml_charge(struct yaml_build *b, unsigned line, size_t textlen)
{
	if (++b->nodes > OSFS_YAML_MAX_NODES)
		return osfs_yaml_error(b, -EFBIG, line,
				       "more than %d nodes (alias expansion?)",
				       OSFS_YAML_MAX_NODES);
	b->text += textlen;
	if (b->text > OSFS_YAML_MAX_TEXT)
		return osfs_yaml_error(b, -EFBIG, line,
				       "more than %d bytes of text (alias expansion?)",
				       OSFS_YAML_MAX_TEXT);
	return 0;
}

/* A new node, charged with the `textlen` bytes it is to hold. */
static int osfs_yaml_new(struct yaml_build *b, enum osfs_yaml_type type,
			 unsigned line, size_t textlen, struct osfs_yaml_node **out)
{
	struct osfs_yaml_node *n;
	int ret = osfs_yaml_charge(b, line, textlen);

	if (ret)
		return ret;
	n = calloc(1, sizeof(*n));
	if (!n)
		return osfs_yaml_error(b, -ENOMEM, 0, "out of memory");
	n->type = type;
	n->line = line;
	*out = n;
	return 0;
}

static void osfs_yaml_append(struct osfs_yaml_node **head,
			     struct osfs_yaml_node **tail,
			     struct osfs_yaml_node *n)
{
	if (*tail)
		(*tail)->next = n;
	else
		*head = n;
	*tail = n;
}

static bool osfs_yaml_is_null(const yaml_node_t *node, bool tagged)
{
	static const char *const words[] = { "", "~", "null", "Null", "NULL" };
	const char *tag = (const char *)node->tag;
	const char *v = (const char *)node->data.scalar.value;

	if (strcmp(tag, YAML_NULL_TAG) == 0)
		return true;
	if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    strcmp(tag, YAML_DEFAULT_SCALAR_TAG) != 0)
		return false;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(v, words[i]) == 0)
			return !tagged;
	return false;
}

static int osfs_yaml_scalar(struct yaml_build *b, int id,
			    struct osfs_yaml_node **out)
{
	const yaml_node_t *node = yaml_document_get_node(&b->doc, id);
	unsigned line = osfs_yaml_line(node);
	size_t len = node->data.scalar.length;
	struct osfs_yaml_node *n = NULL;
	int ret;

	*out = NULL;
	if (memchr(node->data.scalar.value, '\0', len))
		return osfs_yaml_error(b, -EINVAL, line, "a NUL character in a string");
	if (osfs_yaml_is_null(node, b->flags[id - 1] & YAML_NODE_TAGGED))
		return osfs_yaml_new(b, OSFS_YAML_NULL, line, 0, out);
	ret = osfs_yaml_new(b, OSFS_YAML_SCALAR, line, len, &n);
	if (ret)
		goto out;
	n->value = malloc(len + 1);
	if (!n->value) {
		ret = osfs_yaml_error(b, -ENOMEM, 0, "out of memory");
		goto out;
	}
	memcpy(n->value, node->data.scalar.value, len);
	n->value[len] = '\0';
out:
	if (ret)
		osfs_yaml_free(n);
	else
		*out = n;
	return ret;
}

/* The text of map key `id` (a null is ""); *is_merge for a plain `<<`. */
static int osfs_yaml_key(struct yaml_build *b, int id, char **key, bool *is_merge)
{
	const yaml_node_t *node = yaml_document_get_node(&b->doc, id);
	struct osfs_yaml_node *k;
	int ret;

	*key = NULL;
	if (node->type != YAML_SCALAR_NODE)
		return osfs_yaml_error(b, -EINVAL, osfs_yaml_line(node),
				       "a map key must be a plain string");
	*is_merge = node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    strcmp((const char *)node->data.scalar.value, "<<") == 0;
	ret = osfs_yaml_scalar(b, id, &k);
	if (ret)
		return ret;
	*key = k->value ? k->value : strdup("");
	k->value = NULL;
	osfs_yaml_free(k);
	if (!*key)
		return osfs_yaml_error(b, -ENOMEM, 0, "out of memory");
	return 0;
}

static bool osfs_yaml_has_key(const struct osfs_yaml_node *list, const char *key)
{
	for (; list; list = list->next)
		if (strcmp(list->key, key) == 0)
			return true;
	return false;
}

/* Move the entries of `src` (a map merged by `<<`) whose key is neither in
 * `explicit` nor already merged to the end of *merged. */
static int osfs_yaml_take(struct yaml_build *b, struct osfs_yaml_node *src,
			  const struct osfs_yaml_node *explicit,
			  struct osfs_yaml_node **merged,
			  struct osfs_yaml_node **tail)
{
	struct osfs_yaml_node **pp = &src->child;

	if (src->type != OSFS_YAML_MAP)
		return osfs_yaml_error(b, -EINVAL, src->line,
				       "'<<' needs a map or a list of maps");
	while (*pp) {
		struct osfs_yaml_node *e = *pp;

		if (osfs_yaml_has_key(explicit, e->key) ||
		    osfs_yaml_has_key(*merged, e->key)) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		e->next = NULL;
		osfs_yaml_append(merged, tail, e);
	}
	return 0;
}

/* Apply the values of map `n`'s `<<` keys (`merges`, a list of maps or lists
 * of maps, emptied of what is used): explicit entries win, then the first
 * merged map to have a key.  Merged entries go first, as lookups take the
 * last of equal keys. */
static int osfs_yaml_apply_merges(struct yaml_build *b, struct osfs_yaml_node *n,
				  struct osfs_yaml_node *merges)
{
	struct osfs_yaml_node *merged = NULL, *tail = NULL;
	int ret = 0;

	for (struct osfs_yaml_node *m = merges; m && !ret; m = m->next) {
		if (m->type != OSFS_YAML_SEQ) {
			ret = osfs_yaml_take(b, m, n->child, &merged, &tail);
			continue;
		}
		for (struct osfs_yaml_node *s = m->child; s && !ret; s = s->next)
			ret = osfs_yaml_take(b, s, n->child, &merged, &tail);
	}
	if (ret) {
		osfs_yaml_free_list(merged);
		return ret;
	}
	if (tail) {
		tail->next = n->child;
		n->child = merged;
	}
	return 0;
}

static int osfs_yaml_build(struct yaml_build *b, int id, int depth,
			   struct osfs_yaml_node **out);

static int osfs_yaml_seq(struct yaml_build *b, const yaml_node_t *node,
			 int depth, struct osfs_yaml_node *n)
{
	struct osfs_yaml_node *tail = NULL, *item;
	int ret = 0;

	for (const yaml_node_item_t *i = node->data.sequence.items.start;
	     !ret && i < node->data.sequence.items.top; i++) {
		ret = osfs_yaml_build(b, *i, depth + 1, &item);
		if (!ret)
			osfs_yaml_append(&n->child, &tail, item);
	}
	return ret;
}

static int osfs_yaml_map(struct yaml_build *b, const yaml_node_t *node,
			 int depth, struct osfs_yaml_node *n)
{
	struct osfs_yaml_node *tail = NULL, *merges = NULL, *mtail = NULL, *val;
	char *key = NULL;
	bool is_merge = false;
	int ret = 0;

	for (const yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     !ret && p < node->data.mapping.pairs.top; p++) {
		ret = osfs_yaml_key(b, p->key, &key, &is_merge);
		if (!ret)
			ret = osfs_yaml_build(b, p->value, depth + 1, &val);
		if (ret)
			break;
		if (is_merge) {   /* a wrong value is named at its `<<` */
			val->line = osfs_yaml_line(yaml_document_get_node(&b->doc, p->key));
			osfs_yaml_append(&merges, &mtail, val);
			free(key);
		} else {
			val->key = key;
			osfs_yaml_append(&n->child, &tail, val);
		}
		key = NULL;
	}
	if (!ret && merges)
		ret = osfs_yaml_apply_merges(b, n, merges);
	free(key);
	osfs_yaml_free_list(merges);
	return ret;
}

/* Our copy of document node `id`, placed at nesting `depth`. */
static int osfs_yaml_build(struct yaml_build *b, int id, int depth,
			   struct osfs_yaml_node **out)
{
	const yaml_node_t *node = yaml_document_get_node(&b->doc, id);
	bool is_seq = node->type == YAML_SEQUENCE_NODE;
	unsigned line = osfs_yaml_line(node);
	struct osfs_yaml_node *n = NULL;
	int ret;

	*out = NULL;
	if (node->type == YAML_SCALAR_NODE)
		return osfs_yaml_scalar(b, id, out);
	if (depth >= OSFS_YAML_MAX_DEPTH)
		return osfs_yaml_too_deep(b, line);
	if (b->flags[id - 1] & YAML_NODE_OPEN)
		return osfs_yaml_error(b, -EINVAL, line,
				       "an alias inside its own anchor");
	ret = osfs_yaml_new(b, is_seq ? OSFS_YAML_SEQ : OSFS_YAML_MAP, line, 0, &n);
	if (ret)
		return ret;
	b->flags[id - 1] |= YAML_NODE_OPEN;
	ret = is_seq ? osfs_yaml_seq(b, node, depth, n) :
		       osfs_yaml_map(b, node, depth, n);
	b->flags[id - 1] &= (unsigned char)~YAML_NODE_OPEN;
	if (ret)
		osfs_yaml_free(n);
	else
		*out = n;
	return ret;
}

int osfs_yaml_parse(const char *buf, size_t len, const char *name,
		    struct osfs_yaml_node **root, struct osfs_err *err)
{
	struct yaml_build b = {
		.name = name ? name : "<yaml>", .buf = buf, .len = len,
		.err = err,
	};
	struct osfs_yaml_node *doc = NULL;
	bool loaded = false;
	int ret;

	*root = NULL;
	osfs_err_clear(err);
	if (len > OSFS_YAML_MAX_FILE) {
		ret = osfs_yaml_error(&b, -EFBIG, 0, "larger than %d KiB",
				      OSFS_YAML_MAX_FILE / 1024);
		goto out;
	}
	ret = osfs_yaml_guard(&b);
	if (!ret)
		ret = osfs_yaml_load(&b);
	if (ret)
		goto out;
	loaded = true;
	if ((size_t)(b.doc.nodes.top - b.doc.nodes.start) != b.nflags) {
		ret = osfs_yaml_error(&b, -EINVAL, 0, "libyaml made %zu nodes from %zu node events",
				      (size_t)(b.doc.nodes.top - b.doc.nodes.start), b.nflags);
		goto out;
	}
	if (yaml_document_get_root_node(&b.doc)) {
		ret = osfs_yaml_build(&b, 1, 0, &doc);
		if (ret)
			goto out;
	}
	if (!doc)   /* an empty file */
		ret = osfs_yaml_new(&b, OSFS_YAML_MAP, 1, 0, &doc);
	else if (doc->type == OSFS_YAML_NULL)
		doc->type = OSFS_YAML_MAP;   /* "---" alone: an empty map */
out:
	free(b.flags);
	if (loaded)
		osfs_yaml_doc_free(&b.doc);
	if (ret)
		osfs_yaml_free(doc);
	else
		*root = doc;
	return ret;
}

/* Read the whole regular file open on `fd` (at most OSFS_YAML_MAX_FILE). */
static int osfs_yaml_read_fd(int fd, const char *path, const struct stat *st,
			     char **buf, size_t *len, struct osfs_err *err)
{
	size_t cap, n = 0;
	char *b = NULL;
	int ret = 0;

	*buf = NULL;
	if (st->st_size > OSFS_YAML_MAX_FILE)
		goto too_big;
	cap = (size_t)st->st_size + 1;
	b = malloc(cap);
	if (!b) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {   /* the file grew since fstat */
			char *nb;

			if (cap > OSFS_YAML_MAX_FILE)
				goto too_big;
			cap = cap * 2 > OSFS_YAML_MAX_FILE + 1 ?
			      OSFS_YAML_MAX_FILE + 1 : cap * 2;
			nb = realloc(b, cap);
			if (!nb) {
				ret = -ENOMEM;
				goto out;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			osfs_err_set(err, ret, "%s: %s", path, strerror(-ret));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > OSFS_YAML_MAX_FILE)
		goto too_big;
	*buf = b;
	*len = n;
	b = NULL;
	goto out;
too_big:
	ret = -EFBIG;
	osfs_err_set(err, ret, "%s: larger than %d KiB", path,
			 OSFS_YAML_MAX_FILE / 1024);
out:
	if (ret == -ENOMEM)
		osfs_err_set(err, ret, "%s: out of memory", path);
	free(b);
	return ret;
}

int osfs_yaml_load_file(const char *path, struct osfs_yaml_node **root,
			mode_t *mode, struct osfs_err *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, ret;

	*root = NULL;
	osfs_err_clear(err);
	/* O_NONBLOCK: a FIFO named clouds.yaml must not hang us */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		osfs_err_set(err, ret, "%s: %s", path, strerror(-ret));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		osfs_err_set(err, ret, "%s: %s", path, strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		osfs_err_set(err, ret, "%s: not a regular file", path);
		goto out;
	}
	ret = osfs_yaml_read_fd(fd, path, &st, &buf, &len, err);
	if (ret)
		goto out;
	ret = osfs_yaml_parse(buf, len, path, root, err);
	if (!ret && mode)
		*mode = st.st_mode;
out:
	if (fd >= 0)
		close(fd);
	if (buf)
		explicit_bzero(buf, len);
	free(buf);
	return ret;
}

static void osfs_yaml_merge_map(struct osfs_yaml_node *dst,
				struct osfs_yaml_node *src)
{
	struct osfs_yaml_node *s;

	while ((s = src->child)) {
		struct osfs_yaml_node **slot = NULL, **pp, *d;

		src->child = s->next;
		s->next = NULL;
		for (pp = &dst->child; *pp; pp = &(*pp)->next)
			if (strcmp((*pp)->key, s->key) == 0)
				slot = pp;
		if (!slot) {
			*pp = s;   /* pp is the end of dst's list */
			continue;
		}
		d = *slot;
		if (d->type == OSFS_YAML_MAP && s->type == OSFS_YAML_MAP) {
			osfs_yaml_merge_map(d, s);
			osfs_yaml_free(s);
			continue;
		}
		s->next = d->next;
		*slot = s;
		d->next = NULL;
		osfs_yaml_free(d);
	}
}

void osfs_yaml_merge(struct osfs_yaml_node **dst, struct osfs_yaml_node *src)
{
	if (!src)
		return;
	if (!*dst || (*dst)->type != OSFS_YAML_MAP || src->type != OSFS_YAML_MAP) {
		osfs_yaml_free(*dst);
		*dst = src;
		return;
	}
	osfs_yaml_merge_map(*dst, src);
	osfs_yaml_free(src);
}

static bool osfs_yaml_key_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		char ca = *a == '-' ? '_' : *a;
		char cb = *b == '-' ? '_' : *b;

		if (ca != cb)
			return false;
		if (!ca)
			return true;
	}
}

const struct osfs_yaml_node *osfs_yaml_get(const struct osfs_yaml_node *map,
					   const char *key)
{
	const struct osfs_yaml_node *found = NULL;

	if (!map || map->type != OSFS_YAML_MAP || !key)
		return NULL;
	for (const struct osfs_yaml_node *c = map->child; c; c = c->next)
		if (osfs_yaml_key_eq(c->key, key))
			found = c;
	return found;
}

const struct osfs_yaml_node *
osfs_yaml_get_exact(const struct osfs_yaml_node *map, const char *key)
{
	const struct osfs_yaml_node *found = NULL;

	if (!map || map->type != OSFS_YAML_MAP || !key)
		return NULL;
	for (const struct osfs_yaml_node *c = map->child; c; c = c->next)
		if (strcmp(c->key, key) == 0)
			found = c;
	return found;
}

static const struct osfs_yaml_node *
osfs_yaml_vpath(const struct osfs_yaml_node *node, va_list ap)
{
	const char *key;

	while (node && (key = va_arg(ap, const char *)))
		node = osfs_yaml_get(node, key);
	return node;
}

const struct osfs_yaml_node *osfs_yaml_path(const struct osfs_yaml_node *node,
					    ...)
{
	va_list ap;

	va_start(ap, node);
	node = osfs_yaml_vpath(node, ap);
	va_end(ap);
	return node;
}

const char *osfs_yaml_path_str(const struct osfs_yaml_node *node, ...)
{
	va_list ap;

	va_start(ap, node);
	node = osfs_yaml_vpath(node, ap);
	va_end(ap);
	return node && node->type == OSFS_YAML_SCALAR ? node->value : NULL;
}

int osfs_yaml_bool(const struct osfs_yaml_node *node, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	if (!node || node->type != OSFS_YAML_SCALAR)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(node->value, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(node->value, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}
