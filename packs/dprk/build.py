#!/usr/bin/env python3
"""Builds the DPRK knowledge pack's data files from the research tables in
../shared/data/dprk (run once by a maintainer; the outputs are committed).

The outputs are threatledger's own tables: facts (names, dates, amounts,
countries) re-expressed in the ledger's schema, each row citing its sources.
No third-party file is copied; long notes and quotations are left out.

Usage: python3 packs/dprk/build.py [../shared/data/dprk]
"""
import csv
import re
import sys
from pathlib import Path

SRC = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "shared/data/dprk")
OUT = Path(__file__).resolve().parent

# Canonical actors recognised in attribution text, most specific first.
ACTOR_PATTERNS = [
    ("TraderTraitor", r"TraderTraitor|Jade Sleet|UNC4899|Slow Pisces"),
    ("APT38", r"APT ?38|BlueNoroff|Bluenoroff|BeagleBoyz|Stardust Chollima"),
    ("Andariel", r"Andariel"),
    ("Citrine Sleet", r"Citrine Sleet|AppleJeus"),
    ("Moonstone Sleet", r"Moonstone Sleet"),
    ("Kimsuky", r"Kimsuky"),
    ("Lazarus Group", r"Lazarus|HIDDEN COBRA|Hidden Cobra"),
    ("DPRK IT workers", r"IT workers"),
]

# Attribution and amount claims carry a STIX confidence (0-100) by the kind of
# source; the ledger shows the Admiralty and low/medium/high scales derived from it.
SOURCE_KIND = {r["key"]: r["kind"] for r in csv.DictReader(open(Path(__file__).resolve().parent / "sources.csv", encoding="utf-8"))}
KIND_CONFIDENCE = {"government": 85, "un": 80, "vendor": 60, "researcher": 45}


def kconf(key: str) -> int:
    return KIND_CONFIDENCE[SOURCE_KIND[key.split(" ")[0]]]


def actor_of(text: str) -> str:
    for name, pat in ACTOR_PATTERNS:
        if re.search(pat, text):
            return name
    return "Democratic People's Republic of Korea"


def num(s: str) -> str:
    s = (s or "").strip()
    return s if re.fullmatch(r"\d+(\.\d+)?", s) else ""


def main() -> None:
    inc = list(csv.DictReader(open(SRC / "incidents.csv", encoding="utf-8")))
    annex = {r["annex_id"]: r for r in csv.DictReader(open(SRC / "un-s2019-691-annex21.csv", encoding="utf-8"))}

    with open(OUT / "incidents.csv", "w", newline="", encoding="utf-8") as f, \
            open(OUT / "claims.csv", "w", newline="", encoding="utf-8") as g:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "date", "victim", "victim_type", "countries", "methods", "chain", "laundering",
                    "sources", "annex_rows", "source_urls"])
        cw = csv.writer(g, lineterminator="\n")
        cw.writerow(["incident", "kind", "source", "actor", "amount_usd", "native_amount", "native_currency",
                     "qualifier", "confidence", "as_stated"])
        for r in inc:
            keys = [k.strip() for k in r["source"].split(";") if k.strip()]
            rows = re.findall(r"UN19 ([AB]\d+)", r["source"])
            w.writerow([r["id"], r["date"], r["victim"], r["victim_type"], r["country"], r["method"], r["chain"],
                        r["laundering"], r["source"], ";".join(rows), r["source_url"]])
            stated = (r["amount_as_stated"] + " " + r["notes"]).lower()
            qual = ("at-least" if re.search(r"lower bound|at least|>\s*\$|\d\+|more than", stated)
                    else "about" if re.search(r"≈|approx|about|~", stated) else "")
            # Attribution: each source the row cites reports the theft as DPRK's; the
            # actor is what the row's attribution names, the confidence what that
            # kind of source warrants.
            for k in keys:
                cw.writerow([r["id"], "attribution", k, actor_of(r["actor_attribution"]), "", "", "", "",
                             KIND_CONFIDENCE[SOURCE_KIND[k.split(" ")[0]]], r["actor_attribution"]])
            stolen, attempted = num(r["amount_usd"]), num(r["amount_usd_attempted"])
            other = [k for k in keys if not k.startswith("UN19")]
            if len(rows) == 1 and rows[0] in annex:
                # The UN annex row's own figures, attributed to the annex row.
                a = annex[rows[0]]
                un_key = "UN19 " + rows[0]
                if num(a["amount_usd_attempted"]):
                    cw.writerow([r["id"], "attempted", un_key, "", num(a["amount_usd_attempted"]),
                                 num(a["amount_attempted"]) if a["currency"] != "USD" else "",
                                 a["currency"] if a["currency"] != "USD" else "", qual, 80, ""])
                if num(a["amount_usd_stolen"]):
                    cw.writerow([r["id"], "stolen", un_key, "", num(a["amount_usd_stolen"]),
                                 num(a["amount_stolen"]) if a["currency"] != "USD" else "",
                                 a["currency"] if a["currency"] != "USD" else "", qual, 80, ""])
                # A figure the row gives beyond the annex comes from its other sources.
                if stolen and stolen != num(a["amount_usd_stolen"]) and other:
                    cw.writerow([r["id"], "stolen", other[0], "", stolen, num(r["amount_native"]), r["currency"],
                                 qual, kconf(other[0]), r["amount_as_stated"]])
            else:
                first = keys[0] if keys else ""
                if attempted:
                    cw.writerow([r["id"], "attempted", first, "", attempted, "", "", qual, kconf(first),
                                 r["amount_as_stated"]])
                if stolen or num(r["amount_native"]):
                    cw.writerow([r["id"], "stolen", first, "", stolen, num(r["amount_native"]), r["currency"],
                                 qual, kconf(first), r["amount_as_stated"]])

    with open(OUT / "totals.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["period", "publisher", "amount_usd", "incident_count", "basis", "qualifier", "superseded", "source_url"])
        for r in csv.DictReader(open(SRC / "annual-totals.csv", encoding="utf-8")):
            notes = r["notes"].lower()
            qual = ("attempted" if "attempted" in notes else
                    "upper-bound" if "upper" in notes else
                    "at-least" if ("lower" in notes or "at least" in notes) else
                    "about" if "approx" in notes else "")
            w.writerow([r["year"], r["source"], num(r["amount_usd"]), num(r["incident_count"]), r["basis"], qual,
                        "yes" if "superseded" in notes else "", r["source_url"]])

    with open(OUT / "actors.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "kind", "parent", "attack_id", "aliases", "source"])
        for r in csv.DictReader(open(SRC / "actors.csv", encoding="utf-8")):
            aliases = [a.strip() for a in r["aliases"].split(";") if a.strip()]
            attack = next((a for a in aliases if re.fullmatch(r"G\d{4}", a)), "")
            aliases = [a for a in aliases if a != attack]
            w.writerow([r["name"], r["type"], r["parent"], attack, ";".join(aliases), r["source"]])

    # Rates implied by the sources themselves: a claim that states both a native
    # amount and its USD value gives that currency's USD rate at the incident date.
    with open(OUT / "rates.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["currency", "date", "usd_per_unit", "basis"])
        seen = set()
        dates = {r["id"]: r["date"] for r in inc}
        for c in csv.DictReader(open(OUT / "claims.csv", encoding="utf-8")):
            if c["amount_usd"] and c["native_amount"] and ";" not in c["native_currency"] and c["native_currency"]:
                date = dates[c["incident"]][:10]
                if not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", date) or (c["native_currency"], date) in seen:
                    continue
                seen.add((c["native_currency"], date))
                rate = float(c["amount_usd"]) / float(c["native_amount"])
                w.writerow([c["native_currency"], date, f"{rate:.6f}", f"implied by {c['incident']} ({c['source']})"])

    # sources.csv and gaps.csv are written by hand (publisher, kind, title, date).


if __name__ == "__main__":
    main()
