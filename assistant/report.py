"""Evaluation reports: Markdown for people, a PNG plot, a JSON summary for `--compare`, the summary table the CLI
and the Evaluate tab show, and the comparison with an earlier run.

`report.md` gets `report.png` (per-metric bars and a latency histogram) and
`report.json` beside it. All case text is escaped: questions and answers may
contain Markdown or HTML.
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import AssistantError
from .escaping import markdown as escape_markdown
from .evaluation import EvalRun
from .story_metrics import STORY_KEYS

# Metric, whether higher is better (None: neither), and how to show it.
SUMMARY_METRICS: list[tuple[str, bool | None]] = [
    ("hit@1", True), ("hit@5", True), ("mrr", True), ("ndcg@10", True),
    ("em", True), ("f1", True), ("contains", True), ("median_answer_words", None),
    ("citation_hit_rate", True), ("citation_precision", True),
    ("abstention_recall", True), ("abstention_precision", True), ("false_abstention_rate", False),
    ("key_word_recall", True), ("gold_sentence_recall", True), ("gold_sentence_hit", True), ("cited_newest", True),
    ("quotes_verbatim", True), ("supported_sentence_rate", True), ("fallback_rate", False),
    ("confident_share", None), ("confident_accuracy", True), ("unsure_share", None), ("unsure_accuracy", True),
    ("latency_p50_ms", False), ("latency_p95_ms", False),
]

# One line each for people reading a run (the Evaluate tab's "what it means" column).
METRIC_MEANINGS: dict[str, str] = {
    "cases": "Questions in the set: answerable ones have an accepted answer in the corpus, unanswerable ones should be refused.",
    "abstain_threshold": "Confidence (probability that an answer is right) below which the assistant says 'not in the corpus'; where it comes from in brackets.",
    "hit@1": "Share of answerable questions whose top retrieved article is a gold (correct) article.",
    "hit@5": "Share of answerable questions with a gold article among the top 5 retrieved.",
    "mrr": "Mean reciprocal rank: 1 if the first gold article is ranked 1st, 1/2 if 2nd, 1/3 if 3rd…, averaged.",
    "ndcg@10": "How early all gold articles appear in the top 10 retrieved (1 = all at the very top).",
    "em": "Exact match: share of answerable questions whose direct answer equals an accepted one (case, punctuation, articles ignored).",
    "f1": "Word overlap between the direct answer and the closest accepted answer (partial credit), averaged.",
    "contains": "Share of answerable questions whose answer text contains an accepted answer.",
    "median_answer_words": "Median length of the answers given, in words (citation markers not counted).",
    "citation_hit_rate": "Of answers with citations, the share citing at least one gold article.",
    "citation_precision": "Share of cited articles that are gold articles, averaged over answers with citations.",
    "abstention_recall": "Share of unanswerable questions the assistant rightly refused.",
    "abstention_precision": "Of all refusals, the share that were for questions the corpus cannot answer.",
    "false_abstention_rate": "Share of answerable questions the assistant wrongly refused (lower is better).",
    "confident_share": "Share of questions answered with the 'confident' mark.",
    "confident_accuracy": "Of the answers marked confident, the share that are right (token F1 ≥ 0.5 with an accepted answer).",
    "unsure_share": "Share of questions answered with 'Not sure — the closest passage says …'.",
    "unsure_accuracy": "Of the answers marked not sure, the share that are right.",
    "key_word_recall": "Story questions: share of the key words (what any good answer says) the answer contains; a refusal scores 0.",
    "gold_sentence_recall": "Story questions: share of the gold sentences the answer quotes; a refusal scores 0.",
    "gold_sentence_hit": "Story questions: of the answers given, the share quoting at least one gold sentence.",
    "cited_newest": "'Latest' questions: share whose answer cites the newest article of the story.",
    "quotes_verbatim": "Of the answers given, the share whose every quote is its cited article's own text at the cited place.",
    "supported_sentence_rate": "Share of answer sentences backed by a quoted source sentence.",
    "fallback_rate": "Share of answers where the model's text could not be checked and the quoted answer was shown (lower is better).",
    "latency_p50_ms": "Median time to answer one question, in milliseconds.",
    "latency_p95_ms": "95th percentile time: 19 of 20 questions were answered at least this fast (ms).",
}

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
        if s.get("key_word_recall") is not None:
            keys = ["hit@5", "key_word_recall", "gold_sentence_hit", "cited_newest", "false_abstention_rate",
                    "median_answer_words"]
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


def compare(current: dict, previous: dict) -> str:
    """Metric-by-metric changes against an earlier summary, then the cases that flipped."""
    lines = [f"Compared with {previous.get('set', '?')} of {previous.get('date', '?')}:"]
    for key, higher_better in SUMMARY_METRICS:
        now, before = current.get(key), previous.get(key)
        if now is None or before is None:
            continue
        delta = now - before
        if abs(delta) < 1e-9:
            verdict = "same"
        elif higher_better is None:
            verdict = "changed"
        else:
            verdict = "better" if (delta > 0) == higher_better else "worse"
        lines.append(f"  {key:<22} {format_value(key, before):>8} -> {format_value(key, now):>8}  ({delta:+.3f}, {verdict})")
    old_cases, new_cases = previous.get("cases", {}), current.get("cases", {})
    fixed = [cid for cid in new_cases if cid in old_cases and new_cases[cid]["passed"] and not old_cases[cid]["passed"]]
    broke = [cid for cid in new_cases if cid in old_cases and not new_cases[cid]["passed"] and old_cases[cid]["passed"]]
    lines.append(f"  cases now passing: {len(fixed)}" + (f" ({', '.join(fixed)})" if fixed else ""))
    lines.append(f"  cases now failing: {len(broke)}" + (f" ({', '.join(broke)})" if broke else ""))
    return "\n".join(lines)


def format_value(key: str, value) -> str:
    if value is None:
        return "n/a"
    if key.endswith("_ms") or key == "median_answer_words":
        return f"{value:.0f}" if key.endswith("_ms") else f"{value:g}"
    return f"{value:.3f}"


def summary_table(summary: dict) -> list[tuple[str, str]]:
    """(metric, formatted value) rows in a fixed order, for the CLI, the report and the UI."""
    rows = [("cases", f"{summary['n']} ({summary['n_answerable']} answerable, {summary['n_unanswerable']} unanswerable)")]
    if "abstain_threshold" in summary:
        rows.append(("abstain_threshold", f"{summary['abstain_threshold']:.4f} ({summary.get('threshold_source', '?')})"))
    story = set(STORY_KEYS)  # only for sets that have them
    return rows + [(key, format_value(key, summary.get(key))) for key, _ in SUMMARY_METRICS
                   if key not in story or summary.get(key) is not None]


def load_summary(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AssistantError(f"{path}: cannot read an earlier summary ({exc})") from None


def write_results(path: Path, run: EvalRun) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for result in run.results:
            fh.write(json.dumps(result, ensure_ascii=False) + "\n")
