/* compute.c - Nova requests of the write side (see compute.h).
 *
 * The boot body is built here once, as one json-c tree (the server spec,
 * security groups, boot from volume) and written out once.  The boot answer carries adminPass: it
 * is read here and handed up, never logged (http.c logs no bodies). */
#include "compute.h"
#include "osfs_model.h"
#include "osfs_base.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *to_text(struct json_object *root)
{
	char *out = root ? strdup(json_object_to_json_string_ext(root,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) : NULL;

	json_object_put(root);
	return out;
}

static void put_str(struct json_object *o, const char *key, const char *val)
{
	if (val)
		json_object_object_add(o, key, json_object_new_string(val));
}

static struct json_object *networks_of(const struct osfs_server_spec *spec)
{
	struct json_object *list;

	if (spec->net_mode != OSFS_NET_LIST)
		return json_object_new_string(spec->net_mode == OSFS_NET_NONE ? "none" : "auto");
	list = json_object_new_array();
	for (const char *const *id = spec->net_ids; id && *id; id++) {
		struct json_object *net = json_object_new_object();
		put_str(net, "uuid", *id);
		json_object_array_add(list, net);
	}
	return list;
}

/* {name, flavorRef, imageRef, key_name, user_data, availability_zone,
 * networks, metadata} of a server spec: what every boot sends. */
static struct json_object *server_of(const struct osfs_server_spec *spec)
{
	struct json_object *server = json_object_new_object();

	put_str(server, "name", spec->name);
	put_str(server, "flavorRef", spec->flavor_ref);
	put_str(server, "imageRef", spec->image_ref);
	put_str(server, "key_name", spec->key_name);
	put_str(server, "user_data", spec->user_data_b64);
	put_str(server, "availability_zone", spec->availability_zone);
	json_object_object_add(server, "networks", networks_of(spec));
	if (spec->nmetadata) {
		struct json_object *meta = json_object_new_object();
		for (size_t i = 0; i < spec->nmetadata; i++)
			put_str(meta, spec->metadata[i].key, spec->metadata[i].value);
		json_object_object_add(server, "metadata", meta);
	}
	return server;
}

/* {"meta": {key: value}} for PUT /servers/{id}/metadata/{key}. */
static char *meta_body(const char *key, const char *value)
{
	struct json_object *root = json_object_new_object(), *meta = json_object_new_object();

	put_str(meta, key, value);
	json_object_object_add(root, "meta", meta);
	return to_text(root);
}

/* {"keypair": {"name": ..., "public_key": ...}} */
static char *keypair_body(const char *name, const char *public_key)
{
	struct json_object *root = json_object_new_object(), *kp = json_object_new_object();

	put_str(kp, "name", name);
	put_str(kp, "public_key", public_key);
	json_object_object_add(root, "keypair", kp);
	return to_text(root);
}

static struct json_object *security_groups_of(const char *const *names)
{
	struct json_object *list = json_object_new_array();

	for (; list && names && *names; names++) {
		struct json_object *sg = json_object_new_object();
		json_object_object_add(sg, "name", json_object_new_string(*names));
		json_object_array_add(list, sg);
	}
	return list;
}

/* [{boot_index 0, uuid IMAGE, source_type image, destination_type volume,
 *   volume_size N, delete_on_termination true}] */
static struct json_object *boot_volume_of(const char *image, long size)
{
	struct json_object *list = json_object_new_array(), *bdm = json_object_new_object();

	json_object_object_add(bdm, "boot_index", json_object_new_int(0));
	json_object_object_add(bdm, "uuid", json_object_new_string(image));
	json_object_object_add(bdm, "source_type", json_object_new_string("image"));
	json_object_object_add(bdm, "destination_type", json_object_new_string("volume"));
	json_object_object_add(bdm, "volume_size", json_object_new_int64(size));
	json_object_object_add(bdm, "delete_on_termination", json_object_new_boolean(1));
	json_object_array_add(list, bdm);
	return list;
}

char *osfs_compute_boot_body(const struct osfs_boot_spec *spec)
{
	struct json_object *root = json_object_new_object(), *server = server_of(&spec->server);

	if (!root || !server) {
		json_object_put(root);
		json_object_put(server);
		return NULL;
	}
	json_object_object_add(root, "server", server);
	if (spec->security_groups && *spec->security_groups)
		json_object_object_add(server, "security_groups",
				       security_groups_of(spec->security_groups));
	if (spec->boot_volume_size > 0 && spec->server.image_ref) {
		json_object_object_del(server, "imageRef");
		json_object_object_add(
		    server, "block_device_mapping_v2",
		    boot_volume_of(spec->server.image_ref, spec->boot_volume_size));
	}
	return to_text(root);
}

static char *string_in(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return strdup(json_object_get_string(v));
}

int osfs_compute_parse_boot(const char *body, char **id, char **admin_pass)
{
	struct json_object *root = body ? json_tokener_parse(body) : NULL, *server = NULL;
	int ret = -EPROTO;

	*id = *admin_pass = NULL;
	if (root && json_object_object_get_ex(root, "server", &server) &&
	    (*id = string_in(server, "id"))) {
		*admin_pass = string_in(server, "adminPass");
		ret = 0;
	}
	json_object_put(root);
	return ret;
}

/* May a dropped request be sent again?  A PUT sets the same value twice. */
static bool idempotent(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "PUT") == 0;
}

/* One call: 0 or -errno, the response freed. */
static int call(struct osfs_api *api, const char *method, const char *path, const char *body,
		struct osfs_err *err)
{
	struct osfs_http_resp resp = { 0 };
	struct osfs_api_call c = { .svc = OSFS_SVC_COMPUTE, .method = method, .path = path,
				   .body = body, .no_retry = !idempotent(method) };
	int ret = osfs_api_call(api, &c, &resp, err);

	osfs_http_resp_free(&resp);
	return ret;
}

int osfs_compute_boot(struct osfs_api *api, const char *body, char **id, char **admin_pass,
		      long *status, struct osfs_err *err)
{
	struct osfs_http_resp resp = { 0 };
	struct osfs_api_call c = { .svc = OSFS_SVC_COMPUTE, .method = "POST", .path = "/servers",
				   .body = body, .no_retry = true };
	int ret = osfs_api_call(api, &c, &resp, err);

	*id = *admin_pass = NULL;
	*status = resp.status;
	if (ret == 0)
		ret = osfs_compute_parse_boot(resp.body, id, admin_pass);
	if (resp.body) /* it held the password */
		memset(resp.body, 0, resp.len);
	osfs_http_resp_free(&resp);
	return ret;
}

char **osfs_compute_servers_named(struct osfs_api *api, const char *name)
{
	char *re = osfs_name_regex_exact(name), *filter = re ? osfs_escape(re) : NULL, *path = NULL;
	struct osfs_http_resp resp = { 0 };
	char **ids = NULL;

	if (filter && asprintf(&path, "/servers?name=%s", filter) > 0) {
		struct osfs_api_call c = { .svc = OSFS_SVC_COMPUTE, .method = "GET", .path = path };
		if (osfs_api_call(api, &c, &resp, NULL) == 0)
			ids = osfs_model_ids_named(resp.body, "servers", name);
		osfs_http_resp_free(&resp);
	} else {
		path = NULL;
	}
	free(path);
	free(filter);
	free(re);
	return ids;
}

/* {"<outer>": {"<key>": value}} */
static char *wrapped(const char *outer, const char *key, const char *value)
{
	struct json_object *root = json_object_new_object(), *in = json_object_new_object();

	json_object_object_add(in, key, json_object_new_string(value));
	json_object_object_add(root, outer, in);
	return to_text(root);
}

/* A call on the path fmt (server, part); 0 or -errno. */
static int call_at(struct osfs_api *api, const char *method, const char *fmt, const char *server,
		   const char *part, const char *body, struct osfs_err *err)
{
	char *path = osfs_http_path(fmt, server, part);
	int ret = path ? call(api, method, path, body, err) : -ENOMEM;

	free(path);
	return ret;
}

/* call_at with a body made for it (NULL: it could not be made), freed here. */
static int send_at(struct osfs_api *api, const char *method, const char *fmt, const char *server,
		   const char *part, char *body, struct osfs_err *err)
{
	int ret = body ? call_at(api, method, fmt, server, part, body, err) : -ENOMEM;

	free(body);
	return ret;
}

int osfs_compute_attach(struct osfs_api *api, const char *server, const char *volume, struct osfs_err *err)
{
	return send_at(api, "POST", "/servers/%s/os-volume_attachments%s", server, NULL,
		       wrapped("volumeAttachment", "volumeId", volume), err);
}

int osfs_compute_detach(struct osfs_api *api, const char *server, const char *volume, struct osfs_err *err)
{
	return call_at(api, "DELETE", "/servers/%s/os-volume_attachments/%s", server, volume, NULL,
		       err);
}

int osfs_compute_security_group(struct osfs_api *api, const char *server, const char *name,
				int add, struct osfs_err *err)
{
	return send_at(api, "POST", "/servers/%s/action%s", server, NULL,
		       wrapped(add ? "addSecurityGroup" : "removeSecurityGroup", "name", name),
		       err);
}

int osfs_compute_action(struct osfs_api *api, const char *server, const char *body, struct osfs_err *err)
{
	return call_at(api, "POST", "/servers/%s/action%s", server, NULL, body, err);
}

int osfs_compute_action_arg(struct osfs_api *api, const char *server, const char *action,
			    const char *key, const char *value, struct osfs_err *err)
{
	return send_at(api, "POST", "/servers/%s/action%s", server, NULL,
		       wrapped(action, key, value), err);
}

int osfs_compute_console(struct osfs_api *api, const char *server, char **out, struct osfs_err *err)
{
	static const char body[] = "{\"os-getConsoleOutput\": {\"length\": 1000}}";
	char *path = osfs_http_path("/servers/%s/action%s", server, NULL);
	struct osfs_http_resp resp = { 0 };
	/* a read, though a POST: safe to send again */
	struct osfs_api_call c = { .svc = OSFS_SVC_COMPUTE, .method = "POST", .path = path,
				   .body = body };
	int ret = path ? osfs_api_call(api, &c, &resp, err) : -ENOMEM;

	*out = NULL;
	if (ret == 0)
		ret = osfs_model_console_output(resp.body, out);
	osfs_http_resp_free(&resp);
	free(path);
	return ret;
}

int osfs_compute_delete(struct osfs_api *api, const char *server, struct osfs_err *err)
{
	return call_at(api, "DELETE", "/servers/%s%s", server, NULL, NULL, err);
}

int osfs_compute_set_meta(struct osfs_api *api, const char *server, const char *key,
			  const char *value, struct osfs_err *err)
{
	return send_at(api, "PUT", "/servers/%s/metadata/%s", server, key,
		       meta_body(key, value), err);
}

int osfs_compute_unset_meta(struct osfs_api *api, const char *server, const char *key, struct osfs_err *err)
{
	return call_at(api, "DELETE", "/servers/%s/metadata/%s", server, key, NULL, err);
}

int osfs_compute_import_keypair(struct osfs_api *api, const char *name, const char *public_key,
				struct osfs_err *err)
{
	char *body = keypair_body(name, public_key);
	int ret = body ? call(api, "POST", "/os-keypairs", body, err) : -ENOMEM;

	free(body);
	return ret;
}

int osfs_compute_delete_keypair(struct osfs_api *api, const char *name, struct osfs_err *err)
{
	return call_at(api, "DELETE", "/os-keypairs/%s%s", name, NULL, NULL, err);
}

int osfs_compute_move(struct osfs_api *api, const char *server, enum osfs_move how,
		      const char *host, struct osfs_err *err)
{
	static const char *const actions[] = { "migrate", "os-migrateLive", "evacuate" };
	struct json_object *root = json_object_new_object(), *in = json_object_new_object();

	if (host)
		json_object_object_add(in, "host", json_object_new_string(host));
	else if (how == OSFS_MOVE_LIVE)
		json_object_object_add(in, "host", NULL); /* the scheduler picks */
	if (how == OSFS_MOVE_LIVE)
		json_object_object_add(in, "block_migration", json_object_new_string("auto"));
	if (how == OSFS_MOVE_COLD && !host) {
		json_object_put(in);
		in = NULL; /* {"migrate": null} */
	}
	json_object_object_add(root, actions[how], in);
	return send_at(api, "POST", "/servers/%s/action%s", server, NULL, to_text(root), err);
}

int osfs_compute_service_set(struct osfs_api *api, const char *id, const char *status,
			     const char *reason, int forced_down, struct osfs_err *err)
{
	struct json_object *root = json_object_new_object();

	if (status)
		json_object_object_add(root, "status", json_object_new_string(status));
	if (status && reason)
		json_object_object_add(root, "disabled_reason", json_object_new_string(reason));
	if (forced_down >= 0)
		json_object_object_add(root, "forced_down", json_object_new_boolean(forced_down));
	return send_at(api, "PUT", "/os-services/%s%s", id, NULL, to_text(root), err);
}
