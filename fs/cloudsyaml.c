/* cloudsyaml.c - clouds.yaml / secure.yaml into a small tree of our own.
 *
 * libyaml's event parser drives a recursive descent (parse_node) that builds
 * struct osfs_yaml_node trees.  Events are pulled one at a time, so the
 * depth cap stops a hostile "[[[[..." before libyaml has read far.  Every
 * node made (alias copies included) is counted against OSFS_YAML_MAX_NODES
 * and every key and scalar against OSFS_YAML_MAX_TEXT, which bounds alias
 * expansion ("billion laughs").
 *
 * Anchors point at finished nodes of the tree being built: scalars are
 * registered when read, collections when complete, so an alias inside its own
 * anchor is "unknown" rather than a cycle.  Nodes that leave the tree during
 * the parse (values of `<<` merge keys, key nodes) are parked on a `spent`
 * list until the end, so anchors into them stay valid.
 */
#include "cloudsyaml.h"

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

struct yaml_anchor {
	char *name;
	const struct osfs_yaml_node *node;   /* borrowed: in the tree or spent */
};

struct yaml_parse {
	yaml_parser_t parser;
	const char *name;
	const char *buf;
	size_t len;
	char *err;
	size_t errlen;
	size_t nodes, text;
	struct yaml_anchor *anchors;
	size_t nanchors, anchors_cap;
	struct osfs_yaml_node *spent;        /* owned; freed at the end */
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

static int osfs_yaml_error(struct yaml_parse *p, int ret, unsigned line,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int osfs_yaml_error(struct yaml_parse *p, int ret, unsigned line,
			   const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!p->err || !p->errlen)
		return ret;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(p->err, p->errlen, "%s:%u: %s", p->name, line, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->name, msg);
	return ret;
}

static unsigned osfs_yaml_line_at(const struct yaml_parse *p, size_t offset)
{
	unsigned line = 1;

	for (size_t i = 0; i < offset && i < p->len; i++)
		if (p->buf[i] == '\n')
			line++;
	return line;
}

/* Turn libyaml's error state into our message.  libyaml's texts are fixed
 * strings; none of them quotes the input, so no secret can leak here. */
static int osfs_yaml_parser_error(struct yaml_parse *p)
{
	const yaml_parser_t *ps = &p->parser;
	const char *problem = ps->problem ? ps->problem : "syntax error";

	switch (ps->error) {
	case YAML_MEMORY_ERROR:
		return osfs_yaml_error(p, -ENOMEM, 0, "out of memory");
	case YAML_READER_ERROR:
		return osfs_yaml_error(p, -EINVAL,
				       osfs_yaml_line_at(p, ps->problem_offset),
				       "%s", problem);
	default:
		if (ps->context)
			return osfs_yaml_error(p, -EINVAL,
					       (unsigned)ps->problem_mark.line + 1,
					       "%s (%s at line %u)", problem,
					       ps->context,
					       (unsigned)ps->context_mark.line + 1);
		return osfs_yaml_error(p, -EINVAL,
				       (unsigned)ps->problem_mark.line + 1,
				       "%s", problem);
	}
}

static int osfs_yaml_next(struct yaml_parse *p, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&p->parser, ev))
		return osfs_yaml_parser_error(p);
	return 0;
}

/* Count a new node and `textlen` bytes of text against the caps. */
static int osfs_yaml_charge(struct yaml_parse *p, unsigned line, size_t textlen)
{
	if (++p->nodes > OSFS_YAML_MAX_NODES)
		return osfs_yaml_error(p, -EFBIG, line,
				       "more than %d nodes (alias expansion?)",
				       OSFS_YAML_MAX_NODES);
	p->text += textlen;
	if (p->text > OSFS_YAML_MAX_TEXT)
		return osfs_yaml_error(p, -EFBIG, line,
				       "more than %d bytes of text (alias expansion?)",
				       OSFS_YAML_MAX_TEXT);
	return 0;
}

static int osfs_yaml_new(struct yaml_parse *p, enum osfs_yaml_type type,
			 unsigned line, struct osfs_yaml_node **out)
{
	struct osfs_yaml_node *n;
	int ret = osfs_yaml_charge(p, line, 0);

	if (ret)
		return ret;
	n = calloc(1, sizeof(*n));
	if (!n)
		return osfs_yaml_error(p, -ENOMEM, 0, "out of memory");
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

static void osfs_yaml_park(struct yaml_parse *p, struct osfs_yaml_node *n)
{
	n->next = p->spent;
	p->spent = n;
}

static int osfs_yaml_add_anchor(struct yaml_parse *p, const yaml_char_t *name,
				const struct osfs_yaml_node *node)
{
	if (!name)
		return 0;
	if (p->nanchors == p->anchors_cap) {
		size_t cap = p->anchors_cap ? 2 * p->anchors_cap : 8;
		struct yaml_anchor *a = reallocarray(p->anchors, cap, sizeof(*a));

		if (!a)
			return osfs_yaml_error(p, -ENOMEM, 0, "out of memory");
		p->anchors = a;
		p->anchors_cap = cap;
	}
	p->anchors[p->nanchors].name = strdup((const char *)name);
	if (!p->anchors[p->nanchors].name)
		return osfs_yaml_error(p, -ENOMEM, 0, "out of memory");
	p->anchors[p->nanchors++].node = node;
	return 0;
}

static const struct osfs_yaml_node *
osfs_yaml_find_anchor(const struct yaml_parse *p, const yaml_char_t *name)
{
	for (size_t i = p->nanchors; i > 0; i--)
		if (strcmp(p->anchors[i - 1].name, (const char *)name) == 0)
			return p->anchors[i - 1].node;
	return NULL;
}

static int osfs_yaml_strdup(struct yaml_parse *p, const char *s, char **out)
{
	*out = strdup(s);
	if (!*out)
		return osfs_yaml_error(p, -ENOMEM, 0, "out of memory");
	return 0;
}

/* Deep copy of `src` (an alias) placed at nesting `depth`; `line` is the
 * alias's line, given to the copy's root for messages. */
static int osfs_yaml_copy(struct yaml_parse *p, const struct osfs_yaml_node *src,
			  int depth, unsigned line, struct osfs_yaml_node **out)
{
	struct osfs_yaml_node *n = NULL, *tail = NULL;
	int ret;

	*out = NULL;
	if (src->type >= OSFS_YAML_SEQ && depth >= OSFS_YAML_MAX_DEPTH)
		return osfs_yaml_error(p, -EFBIG, line,
				       "nested deeper than %d levels",
				       OSFS_YAML_MAX_DEPTH);
	ret = osfs_yaml_new(p, src->type, line, &n);
	if (ret)
		goto out;
	if (src->key) {
		ret = osfs_yaml_charge(p, line, strlen(src->key));
		if (!ret)
			ret = osfs_yaml_strdup(p, src->key, &n->key);
		if (ret)
			goto out;
	}
	if (src->value) {
		ret = osfs_yaml_charge(p, line, strlen(src->value));
		if (!ret)
			ret = osfs_yaml_strdup(p, src->value, &n->value);
		if (ret)
			goto out;
	}
	for (const struct osfs_yaml_node *c = src->child; c; c = c->next) {
		struct osfs_yaml_node *cc;

		ret = osfs_yaml_copy(p, c, depth + 1, line, &cc);
		if (ret)
			goto out;
		osfs_yaml_append(&n->child, &tail, cc);
	}
out:
	if (ret)
		osfs_yaml_free(n);
	else
		*out = n;
	return ret;
}

static bool osfs_yaml_is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;

	if (tag && strcmp(tag, YAML_NULL_TAG) == 0)
		return true;
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || tag)
		return false;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") ||
	       !strcmp(v, "Null") || !strcmp(v, "NULL");
}

static int osfs_yaml_scalar(struct yaml_parse *p, const yaml_event_t *ev,
			    struct osfs_yaml_node **out)
{
	unsigned line = (unsigned)ev->start_mark.line + 1;
	size_t len = ev->data.scalar.length;
	struct osfs_yaml_node *n = NULL;
	int ret;

	*out = NULL;
	if (memchr(ev->data.scalar.value, '\0', len))
		return osfs_yaml_error(p, -EINVAL, line, "a NUL character in a string");
	if (osfs_yaml_is_null(ev))
		return osfs_yaml_new(p, OSFS_YAML_NULL, line, out);
	ret = osfs_yaml_new(p, OSFS_YAML_SCALAR, line, &n);
	if (!ret)
		ret = osfs_yaml_charge(p, line, len);
	if (ret)
		goto out;
	n->value = malloc(len + 1);
	if (!n->value) {
		ret = osfs_yaml_error(p, -ENOMEM, 0, "out of memory");
		goto out;
	}
	memcpy(n->value, ev->data.scalar.value, len);
	n->value[len] = '\0';
out:
	if (ret)
		osfs_yaml_free(n);
	else
		*out = n;
	return ret;
}

static int osfs_yaml_node_of(struct yaml_parse *p, const yaml_event_t *ev,
			     int depth, struct osfs_yaml_node **out);

static int osfs_yaml_seq(struct yaml_parse *p, const yaml_event_t *start,
			 int depth, struct osfs_yaml_node **out)
{
	struct osfs_yaml_node *n = NULL, *tail = NULL, *item;
	yaml_event_t ev;
	int ret;

	*out = NULL;
	ret = osfs_yaml_new(p, OSFS_YAML_SEQ,
			    (unsigned)start->start_mark.line + 1, &n);
	while (!ret) {
		ret = osfs_yaml_next(p, &ev);
		if (ret)
			break;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		ret = osfs_yaml_node_of(p, &ev, depth + 1, &item);
		yaml_event_delete(&ev);
		if (!ret)
			osfs_yaml_append(&n->child, &tail, item);
	}
	if (!ret)
		ret = osfs_yaml_add_anchor(p, start->data.sequence_start.anchor, n);
	if (ret)
		osfs_yaml_free(n);
	else
		*out = n;
	return ret;
}

static bool osfs_yaml_has_key(const struct osfs_yaml_node *list, const char *key)
{
	for (; list; list = list->next)
		if (strcmp(list->key, key) == 0)
			return true;
	return false;
}

/* Apply the values of `<<` keys (`merges`, a list) to a map whose explicit
 * entries are `entries`: entries of the merged maps whose key is not
 * already present are copied into *merged (earlier maps win). */
static int osfs_yaml_apply_merges(struct yaml_parse *p, int depth,
				  const struct osfs_yaml_node *entries,
				  const struct osfs_yaml_node *merges,
				  struct osfs_yaml_node **merged)
{
	struct osfs_yaml_node *tail = NULL;
	int ret = 0;

	for (const struct osfs_yaml_node *m = merges; m && !ret; m = m->next) {
		const struct osfs_yaml_node *one = m->type == OSFS_YAML_MAP ? m : NULL;
		const struct osfs_yaml_node *src = m->type == OSFS_YAML_SEQ ?
						   m->child : one;

		if (m->type != OSFS_YAML_MAP && m->type != OSFS_YAML_SEQ)
			return osfs_yaml_error(p, -EINVAL, m->line,
					       "'<<' needs a map or a list of maps");
		for (; src && !ret; src = one ? NULL : src->next) {
			if (src->type != OSFS_YAML_MAP)
				return osfs_yaml_error(p, -EINVAL, src->line,
						       "'<<' needs a map or a list of maps");
			for (const struct osfs_yaml_node *e = src->child; e; e = e->next) {
				struct osfs_yaml_node *c;

				if (osfs_yaml_has_key(entries, e->key) ||
				    osfs_yaml_has_key(*merged, e->key))
					continue;
				ret = osfs_yaml_copy(p, e, depth + 1, e->line, &c);
				if (ret)
					break;
				osfs_yaml_append(merged, &tail, c);
			}
		}
	}
	return ret;
}

/* Read one map key (a scalar, or an alias of one) into *key. */
static int osfs_yaml_key(struct yaml_parse *p, const yaml_event_t *ev,
			 int depth, char **key, bool *is_merge)
{
	struct osfs_yaml_node *k = NULL;
	unsigned line = (unsigned)ev->start_mark.line + 1;
	int ret;

	*key = NULL;
	*is_merge = ev->type == YAML_SCALAR_EVENT &&
		    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    strcmp((const char *)ev->data.scalar.value, "<<") == 0;
	if (ev->type != YAML_SCALAR_EVENT && ev->type != YAML_ALIAS_EVENT)
		return osfs_yaml_error(p, -EINVAL, line,
				       "a map key must be a plain string");
	ret = osfs_yaml_node_of(p, ev, depth, &k);
	if (ret)
		return ret;
	if (k->type == OSFS_YAML_SCALAR) {
		ret = osfs_yaml_strdup(p, k->value, key);
	} else if (k->type == OSFS_YAML_NULL) {
		ret = osfs_yaml_strdup(p, "", key);
	} else {
		ret = osfs_yaml_error(p, -EINVAL, line,
				      "a map key must be a plain string");
	}
	osfs_yaml_park(p, k);   /* an anchor may point at it */
	return ret;
}

static int osfs_yaml_map(struct yaml_parse *p, const yaml_event_t *start,
			 int depth, struct osfs_yaml_node **out)
{
	struct osfs_yaml_node *n = NULL, *entries = NULL, *tail = NULL;
	struct osfs_yaml_node *merges = NULL, *mtail = NULL, *merged = NULL;
	struct osfs_yaml_node *val;
	yaml_event_t ev;
	char *key = NULL;
	bool is_merge;
	int ret;

	*out = NULL;
	ret = osfs_yaml_new(p, OSFS_YAML_MAP,
			    (unsigned)start->start_mark.line + 1, &n);
	while (!ret) {
		ret = osfs_yaml_next(p, &ev);
		if (ret)
			break;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		ret = osfs_yaml_key(p, &ev, depth + 1, &key, &is_merge);
		yaml_event_delete(&ev);
		if (ret)
			break;
		ret = osfs_yaml_next(p, &ev);
		if (ret)
			break;
		ret = osfs_yaml_node_of(p, &ev, depth + 1, &val);
		yaml_event_delete(&ev);
		if (ret)
			break;
		val->key = key;
		key = NULL;
		if (is_merge)
			osfs_yaml_append(&merges, &mtail, val);
		else
			osfs_yaml_append(&entries, &tail, val);
	}
	if (!ret && merges)
		ret = osfs_yaml_apply_merges(p, depth, entries, merges, &merged);
	if (!ret) {
		/* merged entries first: lookups take the last of equal keys */
		struct osfs_yaml_node *last = merged;

		while (last && last->next)
			last = last->next;
		if (last)
			last->next = entries;
		else
			merged = entries;
		n->child = merged;
		entries = merged = NULL;
		ret = osfs_yaml_add_anchor(p, start->data.mapping_start.anchor, n);
	}
	while (merges) {
		struct osfs_yaml_node *next = merges->next;

		osfs_yaml_park(p, merges);
		merges = next;
	}
	free(key);
	osfs_yaml_free_list(entries);
	osfs_yaml_free_list(merged);
	if (ret)
		osfs_yaml_free(n);
	else
		*out = n;
	return ret;
}

/* Build the node that starts with event `ev` (the caller deletes ev). */
static int osfs_yaml_node_of(struct yaml_parse *p, const yaml_event_t *ev,
			     int depth, struct osfs_yaml_node **out)
{
	unsigned line = (unsigned)ev->start_mark.line + 1;
	const struct osfs_yaml_node *target;
	int ret;

	*out = NULL;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		ret = osfs_yaml_scalar(p, ev, out);
		if (!ret)
			ret = osfs_yaml_add_anchor(p, ev->data.scalar.anchor, *out);
		if (ret) {
			osfs_yaml_free(*out);
			*out = NULL;
		}
		return ret;
	case YAML_ALIAS_EVENT:
		target = osfs_yaml_find_anchor(p, ev->data.alias.anchor);
		if (!target)
			return osfs_yaml_error(p, -EINVAL, line,
					       "unknown anchor '%.64s'",
					       (const char *)ev->data.alias.anchor);
		ret = osfs_yaml_copy(p, target, depth, line, out);
		if (!ret && (*out)->key) {   /* the parent names its entries */
			free((*out)->key);
			(*out)->key = NULL;
		}
		return ret;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (depth >= OSFS_YAML_MAX_DEPTH)
			return osfs_yaml_error(p, -EFBIG, line,
					       "nested deeper than %d levels",
					       OSFS_YAML_MAX_DEPTH);
		if (ev->type == YAML_SEQUENCE_START_EVENT)
			return osfs_yaml_seq(p, ev, depth, out);
		return osfs_yaml_map(p, ev, depth, out);
	default:
		return osfs_yaml_error(p, -EINVAL, line, "unexpected YAML event");
	}
}

/* Pull the next event and check that it has type `want`. */
static int osfs_yaml_expect(struct yaml_parse *p, yaml_event_type_t want,
			    yaml_event_t *ev)
{
	int ret = osfs_yaml_next(p, ev);

	if (ret)
		return ret;
	if (ev->type != want) {
		unsigned line = (unsigned)ev->start_mark.line + 1;

		yaml_event_delete(ev);
		if (want == YAML_STREAM_END_EVENT)
			return osfs_yaml_error(p, -EINVAL, line,
					       "more than one YAML document");
		return osfs_yaml_error(p, -EINVAL, line, "unexpected YAML event");
	}
	return 0;
}

int osfs_yaml_parse(const char *buf, size_t len, const char *name,
		    struct osfs_yaml_node **root, char *err, size_t errlen)
{
	struct yaml_parse p = {
		.name = name ? name : "<yaml>", .buf = buf, .len = len,
		.err = err, .errlen = errlen,
	};
	struct osfs_yaml_node *doc = NULL;
	bool parser_ok = false;
	yaml_event_t ev;
	int ret;

	*root = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (len > OSFS_YAML_MAX_FILE) {
		ret = osfs_yaml_error(&p, -EFBIG, 0, "larger than %d KiB",
				      OSFS_YAML_MAX_FILE / 1024);
		goto out;
	}
	if (!yaml_parser_initialize(&p.parser)) {
		ret = osfs_yaml_error(&p, -ENOMEM, 0, "out of memory");
		goto out;
	}
	parser_ok = true;
	yaml_parser_set_input_string(&p.parser, (const unsigned char *)buf, len);

	ret = osfs_yaml_expect(&p, YAML_STREAM_START_EVENT, &ev);
	if (ret)
		goto out;
	yaml_event_delete(&ev);
	ret = osfs_yaml_next(&p, &ev);
	if (ret)
		goto out;
	if (ev.type == YAML_DOCUMENT_START_EVENT) {
		yaml_event_delete(&ev);
		ret = osfs_yaml_next(&p, &ev);
		if (ret)
			goto out;
		ret = osfs_yaml_node_of(&p, &ev, 0, &doc);
		yaml_event_delete(&ev);
		if (ret)
			goto out;
		ret = osfs_yaml_expect(&p, YAML_DOCUMENT_END_EVENT, &ev);
		if (ret)
			goto out;
		yaml_event_delete(&ev);
		ret = osfs_yaml_expect(&p, YAML_STREAM_END_EVENT, &ev);
		if (ret)
			goto out;
	} else if (ev.type != YAML_STREAM_END_EVENT) {
		unsigned line = (unsigned)ev.start_mark.line + 1;

		yaml_event_delete(&ev);
		ret = osfs_yaml_error(&p, -EINVAL, line, "unexpected YAML event");
		goto out;
	}
	yaml_event_delete(&ev);

	if (!doc) {
		ret = osfs_yaml_new(&p, OSFS_YAML_MAP, 1, &doc);
		if (ret)
			goto out;
	} else if (doc->type == OSFS_YAML_NULL) {
		doc->type = OSFS_YAML_MAP;   /* "---" alone: an empty map */
	}
out:
	for (size_t i = 0; i < p.nanchors; i++)
		free(p.anchors[i].name);
	free(p.anchors);
	osfs_yaml_free_list(p.spent);
	if (parser_ok)
		yaml_parser_delete(&p.parser);
	if (ret)
		osfs_yaml_free(doc);
	else
		*root = doc;
	return ret;
}

/* Read the whole regular file open on `fd` (at most OSFS_YAML_MAX_FILE). */
static int osfs_yaml_read_fd(int fd, const char *path, const struct stat *st,
			     char **buf, size_t *len, char *err, size_t errlen)
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
			if (err && errlen)
				snprintf(err, errlen, "%s: %s", path, strerror(-ret));
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
	if (err && errlen)
		snprintf(err, errlen, "%s: larger than %d KiB", path,
			 OSFS_YAML_MAX_FILE / 1024);
out:
	if (ret == -ENOMEM && err && errlen)
		snprintf(err, errlen, "%s: out of memory", path);
	free(b);
	return ret;
}

int osfs_yaml_load_file(const char *path, struct osfs_yaml_node **root,
			mode_t *mode, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, ret;

	*root = NULL;
	if (err && errlen)
		err[0] = '\0';
	/* O_NONBLOCK: a FIFO named clouds.yaml must not hang us */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		if (err && errlen)
			snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	ret = osfs_yaml_read_fd(fd, path, &st, &buf, &len, err, errlen);
	if (ret)
		goto out;
	ret = osfs_yaml_parse(buf, len, path, root, err, errlen);
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
