"""Times stix2-validator on one file in-process (interpreter start-up excluded).

Usage: validator_bench.py FILE RUNS
Prints one JSON line: {"seconds": best run, "valid": bool, "errors": n, "warnings": n}
"""
import json
import sys
import time

from stix2validator import ValidationOptions, validate_file


def main(path, runs):
    options = ValidationOptions(silent=True)
    best = None
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = validate_file(path, options)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    errors = sum(len(o.errors) for o in result.object_results)
    warnings = sum(len(o.warnings or []) for o in result.object_results)
    print(json.dumps({"seconds": best, "valid": bool(result.is_valid), "errors": errors, "warnings": warnings}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
