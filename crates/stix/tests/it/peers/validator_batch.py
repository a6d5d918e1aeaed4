"""Runs stix2-validator over many STIX objects in one process (it is slow to start).

Input: a file of JSON lines, one STIX object each; a line may instead be
{"__bundle__": [...objects...]} to validate a whole bundle (for bundle-level
checks such as 203 duplicate-ids).
Output (stdout): one JSON line per input line:
  {"valid": bool, "warnings": [check numbers], "errors": [messages], "crash": null|str}
"""
import json
import re
import sys

from stix2validator import ValidationOptions
from stix2validator.validator import validate_instance

CODE = re.compile(r"\{(\d+)\}")


def main(path):
    options = ValidationOptions()
    out = sys.stdout
    with open(path, encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            if isinstance(obj, dict) and "__bundle__" in obj:
                obj = {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
                       "objects": obj["__bundle__"]}
            try:
                r = validate_instance(obj, options)
                warnings = sorted({int(m.group(1)) for w in r.warnings for m in [CODE.search(str(w))] if m})
                res = {"valid": bool(r.is_valid), "warnings": warnings,
                       "errors": [str(e) for e in r.errors], "crash": None}
            except Exception as e:  # the validator raises on some malformed input
                res = {"valid": False, "warnings": [], "errors": [],
                       "crash": "%s: %s" % (type(e).__name__, e)}
            out.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
