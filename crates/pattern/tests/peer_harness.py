"""Batch oracle for the differential tests: reads JSON lines
{"kind": "syntax"|"match", "pattern": ..., "bundle": ...} on stdin and writes one
JSON line per case: {"ok": bool, ...} or {"crash": "..."}. One process per test run."""
import json
import sys

from stix2matcher.matcher import match
from stix2patterns.validator import run_validator

for line in sys.stdin:
    case = json.loads(line)
    try:
        if case["kind"] == "syntax":
            errs = run_validator(case["pattern"], "2.1")
            out = {"ok": not errs, "errors": errs[:3]}
        else:
            out = {"ok": bool(match(case["pattern"], [case["bundle"]], stix_version="2.1"))}
    except Exception as e:  # the peer's own crash is a result too
        out = {"crash": "%s: %s" % (type(e).__name__, str(e)[:200])}
    sys.stdout.write(json.dumps(out) + "\n")
