/* volume.c - Cinder requests of the write side (see volume.h).
 *
 * Paths are relative to the block-storage endpoint, which already ends in
 * /v3/<project>.  Cinder says "Invalid volume: Volume status must be
 * available or error..." with a 400 when a volume is in use: for a delete
 * that is a state conflict, EBUSY, like Nova's 409. */
#include "volume.h"
#include "osfs_model.h"
#include "network.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One call to Cinder; *rbody (if not NULL) gets the answer's body. */
static int call(struct osfs_api *api, const char *method, const char *path, const char *body,
		char **rbody, long *status, struct osfs_err *err)
{
	struct osfs_http_resp resp = { 0 };
	struct osfs_api_call c = { .svc = OSFS_SVC_VOLUME, .method = method, .path = path,
				   .body = body, .no_retry = strcmp(method, "GET") != 0 };
	int ret = osfs_api_call(api, &c, &resp, err);

	if (status)
		*status = resp.status;
	if (rbody)
		*rbody = ret == 0 && resp.body ? strdup(resp.body) : NULL;
	if (ret == 0 && rbody && !*rbody)
		ret = -ENOMEM;
	osfs_http_resp_free(&resp);
	return ret;
}

char *osfs_volume_created_id(const char *body)
{
	struct json_object *root = body ? json_tokener_parse(body) : NULL, *vol, *id;
	char *out = NULL;

	if (root && json_object_object_get_ex(root, "volume", &vol) &&
	    json_object_object_get_ex(vol, "id", &id) && json_object_is_type(id, json_type_string))
		out = strdup(json_object_get_string(id));
	json_object_put(root);
	return out;
}

int osfs_volume_resolve(struct osfs_api *api, const char *value, char **id, struct osfs_err *why)
{
	char *path = NULL, *body = NULL, **ids = NULL;
	struct osfs_err asked = { "" };
	size_t n = 0;
	int ret;

	*id = NULL;
	if (osfs_network_is_uuid(value) && (path = osfs_http_path("/volumes/%s", value, NULL))) {
		ret = call(api, "GET", path, NULL, NULL, NULL, NULL);
		free(path);
		path = NULL;
		if (ret != -ENOENT)
			return ret == 0 ? ((*id = strdup(value)) ? 0 : -ENOMEM) : ret;
	}
	if (!(path = osfs_http_path("/volumes?name=%s", value, NULL)))
		return -ENOMEM;
	ret = call(api, "GET", path, NULL, &body, NULL, &asked);
	if (ret < 0)
		osfs_err_set(why, ret, "cannot look up volume '%.200s': %s", value,
			     osfs_err_has(&asked) ? asked.msg : strerror(-ret));
	if (ret == 0 && !(ids = osfs_model_ids_named(body, "volumes", value)))
		ret = -EPROTO;
	while (ids && ids[n])
		n++;
	if (ret == 0 && n != 1) {
		if (n)
			osfs_err_set(why, 0, "%zu volumes are named '%.200s': write the id", n, value);
		else
			osfs_err_set(why, 0, "no volume named or with id '%.200s'", value);
		ret = -EINVAL;
	}
	if (ret == 0) {
		*id = ids[0];
		ids[0] = NULL;
	}
	osfs_model_strv_free(ids);
	free(body);
	free(path);
	return ret;
}

char **osfs_volume_ids_named(struct osfs_api *api, const char *name)
{
	char *path = osfs_http_path("/volumes?name=%s", name, NULL), *body = NULL, **ids = NULL;

	if (path && call(api, "GET", path, NULL, &body, NULL, NULL) == 0)
		ids = osfs_model_ids_named(body, "volumes", name);
	free(body);
	free(path);
	return ids;
}

int osfs_volume_create(struct osfs_api *api, const char *name, long size, char **id, long *status,
		       struct osfs_err *err)
{
	struct json_object *root = json_object_new_object(), *vol = json_object_new_object();
	char *body, *answer = NULL;
	int ret;

	*id = NULL;
	json_object_object_add(vol, "size", json_object_new_int64(size));
	json_object_object_add(vol, "name", json_object_new_string(name));
	json_object_object_add(root, "volume", vol);
	body = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	if (!body)
		return -ENOMEM;
	ret = call(api, "POST", "/volumes", body, &answer, status, err);
	if (ret == 0 && !(*id = osfs_volume_created_id(answer)))
		ret = -EPROTO;
	free(answer);
	free(body);
	return ret;
}

int osfs_volume_delete(struct osfs_api *api, const char *id, struct osfs_err *err)
{
	char *path = osfs_http_path("/volumes/%s", id, NULL);
	long status = 0;
	int ret = path ? call(api, "DELETE", path, NULL, NULL, &status, err) : -ENOMEM;

	if (ret == -EINVAL && status == 400)
		ret = -EBUSY; /* the volume's state forbids it (see the note above) */
	free(path);
	return ret;
}
