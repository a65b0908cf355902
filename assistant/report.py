"""Evaluation reports: Markdown for people, a PNG plot, and a JSON summary for `--compare`.

`report.md` gets `report.png` (per-metric bars and a latency histogram) and
`report.json` beside it. All case text is escaped: questions and answers may
contain Markdown or HTML.
"""

from __future__ import annotations

import json
from pathlib import Path

from .citations import escape_markdown
from .evaluation import EvalRun, format_value, summary_table

RATE_METRICS = ["hit@1", "hit@5", "mrr", "ndcg@10", "em", "f1", "contains",
                "citation_hit_rate", "citation_precision", "abstention_recall", "false_abstention_rate"]


def write_report(run: EvalRun, markdown_path: Path, max_failures: int = 50) -> dict[str, Path]:
    """Write the Markdown report, the plot and the JSON summary; return their paths."""
    markdown_path = Path(markdown_path)
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": markdown_path, "plot": markdown_path.with_suffix(".png"), "summary": markdown_path.with_suffix(".json")}
    write_plot(run, paths["plot"])
    paths["summary"].write_text(json.dumps(run.summary, indent=2, ensure_ascii=False), encoding="utf-8")
    paths["markdown"].write_text(render_markdown(run, paths["plot"].name, max_failures), encoding="utf-8")
    return paths


def render_markdown(run: EvalRun, plot_name: str | None = None, max_failures: int = 50) -> str:
    s = run.summary
    out = [f"# Evaluation: {escape_markdown(run.name)}", "",
           f"{s['date']} · answerer `{s.get('answerer', '?')}` · k={s.get('k', '?')} · index `{s.get('index', '?')}`", "",
           "| metric | value |", "|---|---|"]
    out += [f"| {key} | {value} |" for key, value in summary_table(s)]
    if s.get("by_kind"):
        keys = ["hit@5", "contains", "abstention_recall", "false_abstention_rate"]
        out += ["", "## By kind", "", "| kind | n | " + " | ".join(keys) + " |", "|---" * (len(keys) + 2) + "|"]
        for kind, sub in s["by_kind"].items():
            out.append(f"| {escape_markdown(kind)} | {sub['n']} | " + " | ".join(format_value(k, sub.get(k)) for k in keys) + " |")
    if plot_name:
        out += ["", f"![metrics and latency]({plot_name})"]
    failures = run.failures()
    out += ["", f"## Failing cases ({len(failures)} of {len(run.results)})", ""]
    out += [failure_markdown(r) for r in failures[:max_failures]]
    if len(failures) > max_failures:
        out.append(f"*… {len(failures) - max_failures} more in the results file.*")
    return "\n".join(out) + "\n"


def failure_markdown(r: dict) -> str:
    """One failing case: what was asked, what was expected, what came back and what it cited."""
    expected = "abstain" if not r["answerable"] else " / ".join(r["gold_answers"]) + f" (in {', '.join(r['gold_sources'])})"
    lines = [f"**{escape_markdown(r['id'])}** — {escape_markdown(r['question'])}",
             f"- expected: {escape_markdown(expected)}",
             f"- got{' (abstained)' if r['abstained'] else ''}: {escape_markdown(r['answer'] or r.get('error') or '')}"]
    for c in r["citations"]:
        lines.append(f"- [{c['n']}] {escape_markdown(c['source'])} {c['start']}–{c['end']}")
    lines.append(f"- retrieved: {escape_markdown(', '.join(r['retrieved'][:5]))}")
    return "\n".join(lines) + "\n"


def write_plot(run: EvalRun, path: Path) -> None:
    """Four panels: rate metrics, latency, the coverage-risk curve and the reliability diagram."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = run.summary
    names = [m for m in RATE_METRICS if s.get(m) is not None]
    fig, ((bars, hist), (curve, diagram)) = plt.subplots(2, 2, figsize=(12, 8.4), gridspec_kw={"width_ratios": [3, 2]})
    values = [s[m] for m in names]
    bars.bar(names, values, color=["#c0392b" if m == "false_abstention_rate" else "#2e86c1" for m in names])
    bars.set_ylim(0, 1.05)
    bars.set_title(f"{run.name}: metrics ({s['n']} cases)")
    bars.tick_params(axis="x", rotation=50)
    for x, v in enumerate(values):
        bars.text(x, v + 0.02, f"{v:.2f}", ha="center", fontsize=8)
    latencies = [r["latency_ms"] for r in run.results]
    hist.hist(latencies, bins=min(30, max(5, len(latencies) // 3)), color="#7f8c8d")
    hist.set_title(f"latency per question (p50 {format_value('latency_p50_ms', s['latency_p50_ms'])} ms)")
    hist.set_xlabel("ms")
    confidence_panels(s, curve, diagram)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def confidence_panels(summary: dict, curve, diagram) -> None:
    """Coverage-risk: answering less, how often right? Reliability: does a confidence of 0.8 mean 80 %?"""
    points = summary.get("coverage_risk") or []
    curve.plot([p["coverage"] for p in points], [p["accuracy"] for p in points], marker=".", color="#2e86c1")
    answered = [r for r in (summary.get("confident_share"), summary.get("unsure_share")) if r is not None]
    if answered:
        curve.axvline(sum(answered), color="#c0392b", linestyle="--", linewidth=1, label="as served")
        curve.legend(loc="lower left", fontsize=8)
    curve.set_xlim(0, 1.02)
    curve.set_ylim(0, 1.05)
    curve.set_xlabel("coverage: share of questions answered")
    curve.set_ylabel("accuracy of the answers given")
    curve.set_title("coverage-risk (answering only above a confidence)")
    bins = summary.get("reliability") or []
    diagram.plot([0, 1], [0, 1], color="#aaaaaa", linewidth=1)
    diagram.bar([p["predicted"] for p in bins], [p["accuracy"] for p in bins], width=0.06, color="#27ae60")
    for p in bins:
        diagram.text(p["predicted"], p["accuracy"] + 0.02, f"n={p['n']}", ha="center", fontsize=7)
    diagram.set_xlim(0, 1)
    diagram.set_ylim(0, 1.08)
    diagram.set_xlabel("predicted confidence")
    diagram.set_ylabel("measured accuracy")
    diagram.set_title("reliability")
