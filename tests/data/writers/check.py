#!/usr/bin/env python3
"""Runs every case of cases.toml through a parkbench binary and says which ones it gets wrong,
by the rules cases.toml states (the Rust test is the authority; this is for looking around).

    python3 tests/data/writers/check.py [PATH/TO/parkbench] [--verbose]
"""

import csv
import io
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(pb, *args):
    p = subprocess.run([pb, *args], cwd=HERE, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def inventory(pb, data):
    code, out, err = run(pb, "inventory", *data, "--format", "csv", "--quiet")
    rows = list(csv.DictReader(io.StringIO(out)))
    return code, rows, err


def by_park(rows, skip=()):
    """The rows of the parks not in skip. The inventory has a column per carrier that some
    loaded park uses, so a carrier column is dropped where it is 0 (a park left out can take a
    carrier's columns with it)."""
    out = []
    for r in rows:
        if r["park_id"] in skip:
            continue
        out.append({k: v for k, v in r.items()
                    if not ((k.startswith("tce_") or k.startswith("co2_") and k.endswith("_t")
                             and k[4:-2] in CARRIERS) and v in ("0", ""))})
    return sorted(out, key=lambda r: (r["park_id"], r["year"]))


CARRIERS = {"electricity_grid", "electricity_green_purchased", "electricity_onsite_renewable",
            "raw_coal", "diesel", "natural_gas", "heat_purchased"}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    verbose = "--verbose" in sys.argv
    pb = args[0] if args else str(HERE.parents[2] / "target/debug/parkbench")
    cases = tomllib.loads((HERE / "cases.toml").read_text("utf-8"))["case"]
    twins = {}
    failures = []
    for c in cases:
        if c["twin"] not in twins:
            twins[c["twin"]] = inventory(pb, [c["twin"]])[1]
        twin = twins[c["twin"]]
        code, text, err = run(pb, "validate", *c["data"])
        lines = (text + err).splitlines()
        errors = [l[len("error: "):] for l in lines if l.startswith("error: ")]
        warnings = [l[len("warning: "):] for l in lines if l.startswith("warning: ")]
        _, inv, inv_err = inventory(pb, c["data"])
        why = []
        for w in c["warn_at"]:
            if not any(x.startswith(w) for x in warnings):
                why.append(f"no warning at {w}")
        if c["expect"] == "same":
            if errors:
                why.append(f"{len(errors)} errors, first: {errors[0]}")
            if by_park(inv) != by_park(twin):
                why.append("inventory differs from the twin's")
        elif c["expect"] == "warning":
            for a in c["at"]:
                if not any(x.startswith(a) for x in errors + warnings):
                    why.append(f"no warning at {a}")
            if by_park(inv, c["left_out"]) != by_park(twin, c["left_out"]):
                why.append("inventory of the other parks differs from the twin's")
        else:
            for a in c["at"]:
                if not any(x.startswith(a) for x in errors):
                    why.append(f"no error at {a}")
            if by_park(inv, c["left_out"]) != by_park(twin, c["left_out"]):
                why.append("inventory of the other parks differs from the twin's")
        status = "FAIL" if why else "ok"
        if why:
            failures.append(c["name"])
        print(f"{status:4} {c['name']}" + (": " + "; ".join(why) if why else ""))
        if verbose and why:
            for l in lines[:12]:
                print("      | " + l)
    n = len(cases)
    print(f"{n - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
