"""Computes deterministic SCO ids with python-stix2, many objects in one process.

Input: JSON lines, one SCO each (without "id"). Output: one JSON line per input,
{"id": "..."} or {"error": "..."} when python-stix2 rejects the object.
"""
import json
import sys

import stix2


def main(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            try:
                o = stix2.parse(obj, allow_custom=True, version="2.1")
                res = {"id": o.id}
            except Exception as e:  # an object python-stix2 refuses: reported, not compared
                res = {"error": "%s: %s" % (type(e).__name__, e)}
            sys.stdout.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
