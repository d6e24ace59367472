"""Does an audit's findings.csv equal the practice's expected_findings.csv, rule by rule and amount by amount?

    python benchmarks/compare_findings.py FINDINGS_CSV EXPECTED_FINDINGS_CSV

Both files are read as (rule_id, claim_id, dos, cpt) -> sorted amounts (a key may repeat: unbilled visits of
two patients on one day share it, the ground truth has no patient column), as tests/test_audit_e2e.py
compares the small sample. Prints one line per rule (findings, dollars, missing, unexpected, different
amounts) and exits 1 when anything differs. Used by bench_audit.py after every large audit.
"""
from __future__ import annotations

import csv
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path


def _by_rule(path: Path) -> dict[str, dict[tuple, list[Decimal]]]:
    out: dict[str, dict[tuple, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    with path.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            key = (r["claim_id"] or "", r["dos"] or "", r["cpt"] or "")
            out[r["rule_id"]][key].append(Decimal(r["amount_usd"] or "0"))
    for keys in out.values():
        for amounts in keys.values():
            amounts.sort()
    return out


def compare(findings: Path, expected: Path, show=print) -> bool:
    """True when every rule has exactly the expected keys with exactly the expected amounts."""
    got, want = _by_rule(Path(findings)), _by_rule(Path(expected))
    ok = True
    show(f"{'rule':26} {'findings':>9} {'expected':>9} {'dollars':>14} {'missing':>8} {'unexpected':>10} {'amounts':>8}")
    for rule in sorted(set(got) | set(want)):
        g, w = got.get(rule, {}), want.get(rule, {})
        n_g = sum(len(v) for v in g.values())
        n_w = sum(len(v) for v in w.values())
        missing = sum(max(len(w[k]) - len(g.get(k, [])), 0) for k in w)
        unexpected = sum(max(len(g[k]) - len(w.get(k, [])), 0) for k in g)
        amounts = sum(1 for k in set(g) & set(w) if len(g[k]) == len(w[k]) and g[k] != w[k])
        dollars = sum(sum(v) for v in g.values())
        same = not (missing or unexpected or amounts) and n_g == n_w
        ok &= same
        show(f"{rule:26} {n_g:>9,} {n_w:>9,} {dollars:>14,.2f} {missing:>8} {unexpected:>10} {amounts:>8}"
             + ("" if same else "   DIFFERS"))
    show("findings.csv equals expected_findings.csv rule by rule and amount by amount" if ok
         else "findings.csv DIFFERS from expected_findings.csv")
    return ok


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    raise SystemExit(0 if compare(Path(sys.argv[1]), Path(sys.argv[2])) else 1)
