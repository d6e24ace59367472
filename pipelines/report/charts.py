"""Charts as SVG (matplotlib, Agg), text kept as text (svg.fonttype = 'none'), embedded as data URIs.

Each function takes already-aggregated, bounded data and returns a data URI, or None when there is
nothing to draw (the template then says so in words).
"""
from __future__ import annotations

import base64
import io
import re
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

KIND_COLORS = {"recoverable": "#2e7d32", "at_risk": "#f9a825", "overbilled": "#c62828", "lost": "#9e9e9e"}
KIND_LABELS = {"recoverable": "Recoverable", "at_risk": "At risk", "overbilled": "Overbilled", "lost": "Lost"}
CLASS_COLORS = {"FIX": "#1565c0", "APPEAL": "#6a1b9a", "WRITE-OFF": "#9e9e9e", "PATIENT": "#00897b",
                "UNCLASSIFIED": "#bdbdbd"}
INK = "#333333"

plt.rcParams.update({
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.edgecolor": "#999999",
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "svg.hashsalt": "rcm-audit",  # stable ids: the same data gives the same file
})


def _money(x, _pos=None) -> str:
    x = float(x)
    ax = abs(x)
    if ax >= 1_000_000:
        return f"${x / 1_000_000:.{0 if ax >= 10_000_000 else 1}f}M".replace(".0M", "M")
    if ax >= 1_000:
        return f"${x / 1_000:.{0 if ax >= 10_000 else 1}f}k".replace(".0k", "k")
    return f"${x:.0f}"


def _dollars(text: str) -> str:
    """$3000 -> $3,000 in catalog titles (money is written one way)."""
    return re.sub(r"\$(\d{4,})(?![\d,])", lambda m: f"${int(m.group(1)):,}", text)


def _uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def dollars_by_recommendation(recs: list[dict], limit: int = 12) -> str | None:
    recs = [r for r in recs if float(r["total_usd"] or 0) > 0][:limit]
    if not recs:
        return None
    labels = [f"#{r['rank']} " + textwrap.shorten(_dollars(r["title"]), 44, placeholder="…") for r in recs]
    fig, ax = plt.subplots(figsize=(4.5, 0.28 * len(recs) + 0.9))  # + ~2.3in of labels
    left = [0.0] * len(recs)
    for kind in ("recoverable", "at_risk", "overbilled", "lost"):
        vals = [float(r[f"{kind}_usd"] or 0) for r in recs]
        if any(vals):
            ax.barh(range(len(recs)), vals, left=left, color=KIND_COLORS[kind], label=KIND_LABELS[kind],
                    height=0.65)
            left = [a + b for a, b in zip(left, vals)]
    ax.set_yticks(range(len(recs)), labels)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(_money))
    ax.legend(loc="lower left", ncol=4, fontsize=7, bbox_to_anchor=(0, 1.0))
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    return _uri(fig)


def denials_by_class_and_payer(data: list[dict]) -> str | None:
    if not data:
        return None
    payers: list[str] = []
    for d in data:
        if d["payer"] not in payers:
            payers.append(d["payer"])
    totals = {p: sum(d["amount"] for d in data if d["payer"] == p) for p in payers}
    payers.sort(key=lambda p: (p == "All other payers", -totals[p]))
    fig, ax = plt.subplots(figsize=(4.6, 0.32 * len(payers) + 0.9))  # + payer labels
    left = [0.0] * len(payers)
    for cls in ("FIX", "APPEAL", "PATIENT", "WRITE-OFF", "UNCLASSIFIED"):
        vals = [sum(d["amount"] for d in data if d["payer"] == p and d["class"] == cls) for p in payers]
        if any(vals):
            ax.barh(range(len(payers)), vals, left=left, color=CLASS_COLORS[cls], height=0.6,
                    label=cls.title() if cls != "WRITE-OFF" else "Write-off")
            left = [a + b for a, b in zip(left, vals)]
    ax.set_yticks(range(len(payers)), [textwrap.shorten(p, 40, placeholder="…") for p in payers])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(_money))
    ax.legend(loc="lower left", ncol=5, fontsize=7, bbox_to_anchor=(0, 1.0))
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    return _uri(fig)


def monthly_flow(data: list[dict]) -> str | None:
    if not data:
        return None
    # the year under every month whose year differs from the month before it (the months with data may
    # skip a January, or span several years)
    labels = [d["month"].strftime("%b\n%Y") if (i == 0 or d["month"].year != data[i - 1]["month"].year)
              else d["month"].strftime("%b") for i, d in enumerate(data)]
    x = range(len(data))
    fig, ax = plt.subplots(figsize=(6.8, 2.6))
    w = 0.38
    ax.bar([i - w / 2 for i in x], [d["charges"] for d in data], width=w, color="#90a4ae",
           label="Charges billed (by date of service)")
    ax.bar([i + w / 2 for i in x], [d["paid"] for d in data], width=w, color="#2e7d32",
           label="Payer payments (by payment date)")
    ax.plot(list(x), [d["denied"] for d in data], color="#c62828", marker="o", markersize=3, linewidth=1.4,
            label="Denied (by remittance date)")
    ax.set_xticks(list(x), labels)
    ax.yaxis.set_major_formatter(FuncFormatter(_money))
    ax.legend(loc="upper left", ncol=3, fontsize=7, bbox_to_anchor=(0, 1.16))
    ax.grid(axis="y", color="#eeeeee")
    ax.set_axisbelow(True)
    return _uri(fig)


def kx_threshold(kx: dict) -> str | None:
    pts = kx.get("patients") or []
    if not pts or not kx.get("threshold"):
        return None
    thr, tmr = kx["threshold"], kx["tmr"]
    fig, ax = plt.subplots(figsize=(6.8, 0.19 * len(pts) + 0.9))
    colors = ["#c62828" if p["total"] > tmr else "#f9a825" if p["total"] > thr else "#90a4ae" for p in pts]
    ax.barh(range(len(pts)), [p["total"] for p in pts], color=colors, height=0.6)
    ax.set_yticks(range(len(pts)), [p["label"] for p in pts])
    ax.invert_yaxis()
    top = max(max(p["total"] for p in pts), tmr) * 1.18
    ax.set_xlim(0, top)
    for v, name, style, ha in ((thr, f"KX threshold ${thr:,.0f} ", "--", "right"),
                               (tmr, f" Review ${tmr:,.0f}", ":", "left")):
        ax.axvline(v, color=INK, linestyle=style, linewidth=1)
        ax.text(v, -0.95, name, ha=ha, va="bottom", fontsize=7, color=INK)
    ax.set_ylim(len(pts) - 0.4, -1.2)
    ax.xaxis.set_major_formatter(FuncFormatter(_money))
    ax.set_xlabel(f"Occupational therapy at the Medicare fee schedule, {kx['year']}, this practice's claims")
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    return _uri(fig)
