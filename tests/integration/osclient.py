"""A tiny OpenStack client (urllib only) that tests use to check what the
cloud really holds, independently of openstackfs."""
import json
import time
import urllib.error
import urllib.request


class Client:
    def __init__(self, env, timeout=30):
        self.env = env
        self.timeout = timeout
        self.token = None
        self.catalog = {}
        self.authenticate()

    def _auth_body(self):
        e = self.env
        if e.get("OS_AUTH_TYPE") == "v3applicationcredential":
            return {"auth": {"identity": {"methods": ["application_credential"],
                    "application_credential": {"id": e["OS_APPLICATION_CREDENTIAL_ID"],
                                               "secret": e["OS_APPLICATION_CREDENTIAL_SECRET"]}}}}
        user = {"name": e["OS_USERNAME"], "password": e["OS_PASSWORD"],
                "domain": {"name": e.get("OS_USER_DOMAIN_NAME", "Default")}}
        return {"auth": {"identity": {"methods": ["password"], "password": {"user": user}},
                         "scope": {"project": {"name": e["OS_PROJECT_NAME"],
                                               "domain": {"name": e.get("OS_PROJECT_DOMAIN_NAME", "Default")}}}}}

    def authenticate(self):
        url = self.env["OS_AUTH_URL"].rstrip("/")
        if not url.endswith("/v3"):
            url += "/v3"
        req = urllib.request.Request(url + "/auth/tokens", method="POST",
                                     data=json.dumps(self._auth_body()).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=self.timeout) as r:
            self.token = r.headers["X-Subject-Token"]
            body = json.load(r)
        for svc in body["token"]["catalog"]:
            for ep in svc["endpoints"]:
                if ep["interface"] == "public":
                    self.catalog[svc["type"]] = ep["url"].rstrip("/")

    def request(self, method, service, path, body=None, headers=None):
        status, answer = self._request(method, service, path, body, headers)
        if status == 401:  # our token was revoked by a test: take a new one
            self.authenticate()
            status, answer = self._request(method, service, path, body, headers)
        return status, answer

    def _request(self, method, service, path, body=None, headers=None):
        root = self.catalog[service]
        if service == "image" and root.endswith("/v2"):
            root = root[:-3]
        h = {"X-Auth-Token": self.token, "Accept": "application/json"}
        if service == "compute":  # Cinder answers 400 to a header naming another service
            h["OpenStack-API-Version"] = "compute 2.79"
        if body is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        req = urllib.request.Request(root + path, method=method, headers=h,
                                     data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                data = r.read()
                return r.status, json.loads(data) if data else None
        except urllib.error.HTTPError as e:
            data = e.read()
            try:
                return e.code, json.loads(data)
            except ValueError:
                return e.code, data.decode(errors="replace")

    def servers(self, everyone=False):
        """The project's servers (every project's with everyone, as an admin)."""
        query = "all_tenants=1&limit=1000" if everyone else "limit=1000"
        out, path = [], "/servers/detail?" + query
        while path:
            status, body = self.request("GET", "compute", path)
            assert status == 200, (status, body)
            out += body["servers"]
            path = None
            if body.get("servers_links") and body["servers"]:
                path = "/servers/detail?%s&marker=%s" % (query, body["servers"][-1]["id"])
        return out

    def server(self, sid):
        status, body = self.request("GET", "compute", "/servers/" + sid)
        return body["server"] if status == 200 else None

    def wait_server(self, sid, pred, timeout=120, interval=0.5):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = self.server(sid)
            if pred(last):
                return last
            time.sleep(interval)
        raise AssertionError("server %s did not reach the wanted state; last: %s" % (
            sid, last and (last.get("status"), last.get("OS-EXT-STS:task_state"))))

    def images(self):
        out, path = [], "/v2/images?limit=1000"
        while path:
            status, body = self.request("GET", "image", path)
            assert status == 200, (status, body)
            out += body["images"]
            path = body.get("next")
        return out

    def flavors(self):
        return self.request("GET", "compute", "/flavors/detail")[1]["flavors"]

    def keypairs(self):
        return [k["keypair"] for k in self.request("GET", "compute", "/os-keypairs")[1]["keypairs"]]

    def revoke(self, token):
        url = self.env["OS_AUTH_URL"].rstrip("/")
        if not url.endswith("/v3"):
            url += "/v3"
        req = urllib.request.Request(url + "/auth/tokens", method="DELETE",
                                     headers={"X-Auth-Token": self.token, "X-Subject-Token": token})
        with urllib.request.urlopen(req, timeout=self.timeout) as r:
            return r.status
