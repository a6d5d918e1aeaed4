"""Drives a threatledger TAXII server with the OASIS taxii2-client (conformance).

Usage: python taxii2_client.py DISCOVERY_URL COLLECTION_ID
Users (created by the Rust test): writer/writer-pw (read+write, RED), reader/reader-pw
(read only), outsider/outsider-pw (no rights). Prints "ok <check>" per passed check and
exits non-zero on the first failure.
"""
import json
import sys

import requests
from taxii2client.v21 import Server, Collection, ApiRoot, Status, as_pages
from taxii2client.exceptions import AccessError

url, coll_id = sys.argv[1], sys.argv[2]


def ok(name):
    print("ok " + name, flush=True)


def indicator(n, modified="2020-01-01T00:00:00.000Z"):
    return {
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--%08x-0000-4000-8000-000000000000" % n,
        "created": "2020-01-01T00:00:00.000Z", "modified": modified,
        "name": "indicator %d" % n, "pattern": "[ipv4-addr:value = '10.0.0.%d']" % (n % 256),
        "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z",
    }


server = Server(url, user="writer", password="writer-pw")
assert server.title, server.title
roots = server.api_roots
assert len(roots) == 1 and server.default is not None, roots
ok("discover")

root = server.default
assert root.versions == ["application/taxii+json;version=2.1"], root.versions
assert root.max_content_length > 0
cols = root.collections
assert [c.id for c in cols] == [coll_id], [c.id for c in cols]
col = cols[0]
assert col.can_read and col.can_write
ok("list")

bundle = {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
          "objects": [indicator(i) for i in range(25)] + [indicator(3, "2021-01-01T00:00:00.000Z")]}
status = col.add_objects(json.dumps(bundle))
assert status.status == "complete", status.status
assert status.success_count == 26 and status.failure_count == 0, (status.success_count, status.failures)
# Poll the status resource explicitly.
st = Status(root.url + "status/" + status.id + "/", user="writer", password="writer-pw")
st.refresh()
assert st.total_count == 26 and st.success_count == 26
ok("add_and_status")

seen = []
pages = 0
for envelope in as_pages(col.get_objects, per_request=10):
    pages += 1
    seen.extend(o["id"] for o in envelope.get("objects", []))
assert pages == 3, pages
assert len(seen) == 25 and len(set(seen)) == 25, len(seen)
ok("pages_with_limit")

env = col.get_objects(type="malware")
assert env.get("objects", []) == [], env
env = col.get_objects(id=indicator(3)["id"], version="all")
assert len(env["objects"]) == 2, env
env = col.get_objects(added_after="2000-01-01T00:00:00Z", limit=5)
assert len(env["objects"]) == 5 and env["more"] is True
ok("filters")

versions = col.object_versions(indicator(3)["id"])
assert versions["versions"] == ["2020-01-01T00:00:00.000Z", "2021-01-01T00:00:00.000Z"], versions
obj = col.get_object(indicator(3)["id"])
assert obj["objects"][0]["modified"] == "2021-01-01T00:00:00.000Z"
ok("versions")

manifest = col.get_manifest(version="all")
assert len(manifest["objects"]) == 26, len(manifest["objects"])
assert all(m["media_type"] == "application/stix+json;version=2.1" for m in manifest["objects"])
ok("manifest")

col.delete_object(indicator(5)["id"])
try:
    col.get_object(indicator(5)["id"])
    raise AssertionError("deleted object still there")
except requests.exceptions.HTTPError as e:
    assert e.response.status_code == 404, e.response.status_code
ok("delete")

try:
    Server(url, user="writer", password="wrong").title
    raise AssertionError("bad password accepted")
except requests.exceptions.HTTPError as e:
    assert e.response.status_code == 401, e.response.status_code
ok("401")

# Read-only user: the client refuses to write from can_write; the server answers 403 too.
reader_col = Collection(root.url + "collections/" + coll_id + "/", user="reader", password="reader-pw")
assert reader_col.can_read and not reader_col.can_write
try:
    reader_col.add_objects(json.dumps(bundle))
    raise AssertionError("reader could write")
except AccessError:
    pass
r = requests.post(root.url + "collections/" + coll_id + "/objects/", data=json.dumps({"objects": []}),
                  auth=("reader", "reader-pw"),
                  headers={"Accept": "application/taxii+json;version=2.1",
                           "Content-Type": "application/taxii+json;version=2.1"})
assert r.status_code == 403, r.status_code
outsider = Collection(root.url + "collections/" + coll_id + "/", user="outsider", password="outsider-pw")
try:
    outsider.get_objects()
    raise AssertionError("outsider could read")
except requests.exceptions.HTTPError as e:
    assert e.response.status_code == 403, e.response.status_code
ok("403")
