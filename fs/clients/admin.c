/* admin.c - the one probe that decides whether /admin/ is shown (admin.h). */
#include "admin.h"
#include "osfs_base.h"

#include <stdlib.h>

bool osfs_admin_probe(struct osfs_api *api)
{
	struct osfs_api_call call = { .svc = OSFS_SVC_COMPUTE, .method = "GET", .path = "/os-services",
				      .refusal_expected = true };
	struct osfs_http_resp resp = { 0 };
	struct osfs_err err = { "" };
	int ret = osfs_api_call(api, &call, &resp, &err);

	if (ret < 0)
		log_info("no admin/: the cloud refused the admin probe (%s)",
			 osfs_err_has(&err) ? err.msg : "no message");
	osfs_http_resp_free(&resp);
	return ret == 0;
}
