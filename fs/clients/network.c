/* network.c - Neutron requests of the write side (see network.h).
 *
 * Names are resolved with Neutron's exact-match filter (?name=) and the
 * answer is checked again by name; an id is checked with GET of that
 * network.  A floating IP goes on the first port, in Neutron's order, from
 * which the external network is reachable: Neutron refuses the others
 * with a 404 and allocates nothing for them. */
#include "network.h"
#include "osfs_base.h"
#include "osfs_model.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool osfs_network_is_uuid(const char *s)
{
	size_t hex = 0;

	for (; *s; s++) {
		if (*s == '-')
			continue;
		if (!strchr("0123456789abcdefABCDEF", *s))
			return false;
		hex++;
	}
	return hex == 32;
}

/* GET path from Neutron: 0 with *body (caller frees), or -errno. */
static int get(struct osfs_api *api, const char *path, char **body, struct osfs_err *err)
{
	struct osfs_http_resp resp = { 0 };
	struct osfs_api_call c = { .svc = OSFS_SVC_NETWORK, .method = "GET", .path = path };
	int ret = osfs_api_call(api, &c, &resp, err);

	*body = NULL;
	if (ret == 0 && !(*body = strdup(resp.body ? resp.body : "")))
		ret = -ENOMEM;
	osfs_http_resp_free(&resp);
	return ret;
}

/* A changing request (body may be NULL), sent once: never retried
 * blindly.  The answer's body in *answer and its HTTP status in *status
 * (0: none came), each when asked for. */
static int send_answered(struct osfs_api *api, const char *method, const char *path,
			 const char *body, char **answer, long *status, struct osfs_err *err)
{
	struct osfs_http_resp resp = { 0 };
	struct osfs_api_call c = { .svc = OSFS_SVC_NETWORK, .method = method, .path = path,
				   .body = body, .no_retry = true };
	int ret = osfs_api_call(api, &c, &resp, err);

	if (status)
		*status = resp.status;
	if (answer && ret == 0 && !(*answer = strdup(resp.body ? resp.body : "")))
		ret = -ENOMEM;
	osfs_http_resp_free(&resp);
	return ret;
}

static int send_once(struct osfs_api *api, const char *method, const char *path, const char *body,
		     struct osfs_err *err)
{
	return send_answered(api, method, path, body, NULL, NULL, err);
}

static const char *str_of(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The array `collection` of a parsed answer (borrowed), or NULL. */
static struct json_object *items_of(struct json_object *root, const char *collection)
{
	struct json_object *items;

	if (!root || !json_object_object_get_ex(root, collection, &items) ||
	    !json_object_is_type(items, json_type_array))
		return NULL;
	return items;
}

char *osfs_network_candidates(const char *body, size_t max)
{
	struct json_object *root = body ? json_tokener_parse(body) : NULL;
	struct json_object *items = items_of(root, "networks");
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	for (size_t i = 0; f && items && i < json_object_array_length(items); i++) {
		struct json_object *net = json_object_array_get_idx(items, i);
		const char *name = str_of(net, "name"), *id = str_of(net, "id");
		fprintf(f, "%s%s (%s)", i ? ", " : "", name && *name ? name : "-", id ? id : "?");
	}
	if (f)
		fclose(f);
	if (out && len >= max && max > 4)
		strcpy(out + max - 4, "...");
	json_object_put(root);
	return out;
}

/* An id Neutron knows: 0, -ENOENT, or another -errno. */
static int known_id(struct osfs_api *api, const char *value, char **id)
{
	char *path = osfs_http_path("/v2.0/networks/%s", value, NULL), *body = NULL;
	int ret = path ? get(api, path, &body, NULL) : -ENOMEM;

	free(body);
	free(path);
	if (ret == 0 && !(*id = strdup(value)))
		ret = -ENOMEM;
	return ret;
}

/* Unknown name: say what is there. */
static int unknown_name(struct osfs_api *api, const char *value, struct osfs_err *why)
{
	char *body = NULL, *cands = NULL;

	if (get(api, "/v2.0/networks?fields=id&fields=name", &body, NULL) == 0)
		cands = osfs_network_candidates(body, OSFS_ERR_MAX / 2);
	osfs_err_set(why, 0, "networks: no network named or with id '%.200s'; there are: %s", value,
		 cands && *cands ? cands : "none");
	free(cands);
	free(body);
	return -EINVAL;
}

static void join_ids(char **ids, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; ids[i] && o + 40 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", ids[i]);
}

int osfs_network_resolve(struct osfs_api *api, const char *value, char **id, struct osfs_err *why)
{
	char *path = NULL, *body = NULL, **ids = NULL, list[512];
	struct osfs_err asked = { "" };
	size_t n = 0;
	int ret;

	*id = NULL;
	if (osfs_network_is_uuid(value) && (ret = known_id(api, value, id)) != -ENOENT)
		goto out; /* found, or the API failed */
	if (!(path = osfs_http_path("/v2.0/networks?name=%s", value, NULL))) {
		ret = -ENOMEM;
		goto out;
	}
	if ((ret = get(api, path, &body, &asked)) < 0) {
		osfs_err_set(why, ret, "networks: cannot look up '%.200s': %s", value,
			     osfs_err_has(&asked) ? asked.msg : strerror(-ret));
		goto out;
	}
	ids = osfs_model_ids_named(body, "networks", value);
	while (ids && ids[n])
		n++;
	if (!ids) {
		ret = -EPROTO;
	} else if (n == 0) {
		ret = unknown_name(api, value, why);
	} else if (n > 1) {
		join_ids(ids, list, sizeof(list));
		ret = osfs_err_set(why, -EINVAL, "networks: %zu networks are named '%.200s': write one of the ids: %s",
				   n, value, list);
	} else {
		*id = ids[0];
		ids[0] = NULL;
		ret = 0;
	}
out:
	osfs_model_strv_free(ids);
	free(body);
	free(path);
	return ret;
}

/* The ids of the ports of `server`, in Neutron's order (NULL-ended). */
static int ports_of(struct osfs_api *api, const char *server, char ***ports, struct osfs_err *err)
{
	char *path = osfs_http_path("/v2.0/ports?device_id=%s", server, NULL), *body = NULL;
	struct json_object *root = NULL, *items;
	int ret = path ? get(api, path, &body, err) : -ENOMEM;
	size_t n = 0;

	*ports = NULL;
	if (ret < 0)
		goto out;
	root = json_tokener_parse(body);
	if (!(items = items_of(root, "ports"))) {
		ret = -EPROTO;
		goto out;
	}
	if (!(*ports = calloc(json_object_array_length(items) + 1, sizeof(**ports)))) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		const char *id = str_of(json_object_array_get_idx(items, i), "id");
		if (id && !((*ports)[n++] = strdup(id)))
			ret = -ENOMEM;
	}
out:
	json_object_put(root);
	free(body);
	free(path);
	return ret;
}

/* {"floatingip": {"floating_network_id": N, "port_id": P}} */
static char *floating_body(const char *network, const char *port)
{
	struct json_object *root = json_object_new_object(), *fip = json_object_new_object();
	char *out;

	json_object_object_add(fip, "floating_network_id", json_object_new_string(network));
	json_object_object_add(fip, "port_id", json_object_new_string(port));
	json_object_object_add(root, "floatingip", fip);
	out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return out;
}

static char *created_address(const char *body)
{
	struct json_object *root = body ? json_tokener_parse(body) : NULL, *fip;
	const char *addr = root && json_object_object_get_ex(root, "floatingip", &fip) ?
			   str_of(fip, "floating_ip_address") : NULL;
	char *out = addr ? strdup(addr) : NULL;

	json_object_put(root);
	return out;
}

/* POST /v2.0/floatingips for one port: 0 with *address, or -errno with
 * *status the answer's HTTP status. */
static int allocate_on(struct osfs_api *api, const char *net, const char *port, char **address,
		       long *status, struct osfs_err *err)
{
	struct osfs_http_resp resp = { 0 };
	char *body = floating_body(net, port);
	struct osfs_api_call c = { .svc = OSFS_SVC_NETWORK, .method = "POST", .path = "/v2.0/floatingips",
				   .body = body, .no_retry = true };
	int ret = body ? osfs_api_call(api, &c, &resp, err) : -ENOMEM;

	*status = resp.status;
	if (ret == 0 && !(*address = created_address(resp.body)))
		ret = -EPROTO;
	osfs_http_resp_free(&resp);
	free(body);
	return ret;
}

int osfs_network_add_floating_ip(struct osfs_api *api, const char *server, const char *network,
				 char **address, char **port, struct osfs_err *err, struct osfs_err *why)
{
	char *net = NULL, **ports = NULL;
	long status = 0;
	int ret;

	*address = *port = NULL;
	if ((ret = osfs_network_resolve(api, network, &net, why)) < 0)
		goto out;
	if ((ret = ports_of(api, server, &ports, err)) < 0)
		goto out;
	if (!ports[0]) {
		ret = osfs_err_set(why, -EINVAL, "the server has no port to put a floating IP on");
		goto out;
	}
	/* Neutron answers 404 for a port whose subnet has no router to the
	 * network, and allocates nothing then: the next port may do. */
	for (size_t i = 0; ports[i]; i++) {
		osfs_err_clear(err);
		ret = allocate_on(api, net, ports[i], address, &status, err);
		if (ret == 0 && !(*port = strdup(ports[i])))
			ret = -ENOMEM;
		if (ret == 0 || status != 404)
			break;
	}
out:
	osfs_model_strv_free(ports);
	free(net);
	return ret;
}

int osfs_network_parse_floating(const char *body, const char *address, char **id, char **port)
{
	struct json_object *root = body ? json_tokener_parse(body) : NULL;
	struct json_object *items = items_of(root, "floatingips");
	int ret = items ? -ENOENT : -EPROTO;

	*id = *port = NULL;
	for (size_t i = 0; items && ret == -ENOENT && i < json_object_array_length(items); i++) {
		struct json_object *fip = json_object_array_get_idx(items, i);
		const char *a = str_of(fip, "floating_ip_address"), *fid = str_of(fip, "id");
		const char *p = str_of(fip, "port_id");
		if (!a || !fid || strcmp(a, address) != 0)
			continue;
		*id = strdup(fid);
		*port = p ? strdup(p) : NULL;
		ret = *id && (!p || *port) ? 0 : -ENOMEM;
	}
	json_object_put(root);
	return ret;
}

/* Is `port` one of the server's ports? */
static int port_of_server(struct osfs_api *api, const char *server, const char *port, bool *yes)
{
	char **ports = NULL;
	int ret = ports_of(api, server, &ports, NULL);

	*yes = false;
	for (size_t i = 0; ret == 0 && ports[i]; i++)
		*yes = *yes || strcmp(ports[i], port) == 0;
	osfs_model_strv_free(ports);
	return ret;
}

/* PUT /v2.0/floatingips/{id} {"floatingip": {"port_id": null}}: what
 * `openstack server remove floating ip` sends; the address stays the
 * project's. */
static int disassociate(struct osfs_api *api, const char *id, struct osfs_err *err)
{
	char *path = osfs_http_path("/v2.0/floatingips/%s", id, NULL);
	int ret = path ? send_once(api, "PUT", path, "{\"floatingip\": {\"port_id\": null}}", err) : -ENOMEM;

	free(path);
	return ret;
}

int osfs_network_remove_floating_ip(struct osfs_api *api, const char *server, const char *address,
				    struct osfs_err *err, struct osfs_err *why)
{
	char *path = osfs_http_path("/v2.0/floatingips?floating_ip_address=%s", address, NULL);
	char *body = NULL, *id = NULL, *port = NULL;
	bool ours = false;
	int ret = path ? get(api, path, &body, err) : -ENOMEM;

	if (ret == 0)
		ret = osfs_network_parse_floating(body, address, &id, &port);
	if (ret == -ENOENT)
		osfs_err_set(why, 0, "no floating IP %.100s in this project", address);
	if (ret == 0 && port)
		ret = port_of_server(api, server, port, &ours);
	if (ret == 0 && !ours) {
		ret = osfs_err_set(why, -EINVAL, "floating IP %.100s is not on this server", address);
	}
	if (ret == 0)
		ret = disassociate(api, id, err);
	free(port);
	free(id);
	free(body);
	free(path);
	return ret;
}

/* DELETE the resource at fmt (its id for the one "%s"), sent once. */
static int delete_once(struct osfs_api *api, const char *fmt, const char *id, struct osfs_err *err)
{
	char *path = osfs_http_path(fmt, id, NULL);
	int ret = path ? send_once(api, "DELETE", path, NULL, err) : -ENOMEM;

	free(path);
	return ret;
}

int osfs_network_release_floating_ip(struct osfs_api *api, const char *id, struct osfs_err *err)
{
	return delete_once(api, "/v2.0/floatingips/%s", id, err);
}

/* ---- security groups ---- */

char **osfs_network_security_groups_named(struct osfs_api *api, const char *name)
{
	char *path = osfs_http_path("/v2.0/security-groups?fields=id&fields=name&name=%s", name, NULL);
	char *body = NULL, **ids = NULL;

	if (path && get(api, path, &body, NULL) == 0)
		ids = osfs_model_ids_named(body, "security_groups", name);
	free(body);
	free(path);
	return ids;
}

int osfs_network_create_security_group(struct osfs_api *api, const char *name,
				       const char *description, char **id, long *status, struct osfs_err *err)
{
	struct json_object *root = json_object_new_object(), *sg = json_object_new_object();
	struct json_object *made = NULL, *obj;
	char *body, *answer = NULL;
	int ret;

	*id = NULL;
	json_object_object_add(sg, "name", json_object_new_string(name));
	if (description)
		json_object_object_add(sg, "description", json_object_new_string(description));
	json_object_object_add(root, "security_group", sg);
	body = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	if (!body)
		return -ENOMEM;
	ret = send_answered(api, "POST", "/v2.0/security-groups", body, &answer, status, err);
	if (ret == 0 && (!(made = json_tokener_parse(answer)) ||
			 !json_object_object_get_ex(made, "security_group", &obj) ||
			 !str_of(obj, "id") || !(*id = strdup(str_of(obj, "id")))))
		ret = -EPROTO;
	json_object_put(made);
	free(answer);
	free(body);
	return ret;
}

int osfs_network_delete_security_group(struct osfs_api *api, const char *id, struct osfs_err *err)
{
	return delete_once(api, "/v2.0/security-groups/%s", id, err);
}
