"""Compare questions: each side asked on its own, answered side by side, and a side the corpus lacks said so.

"Compare Barclays' and Time Warner's annual profits" names two things and one aspect. Each side becomes its own
question, an account ("Tell me about Barclays' annual profits", "Tell me about Time Warner's annual profits"), and
takes the whole question path, so each side is retrieved, read, decided and cited on its own evidence. The answer
puts the two side by side, one line each; a side that is refused says "the corpus does not say". An account of
each side (its article's lead and its sentence with the reader's best evidence), not a span ("What about X?"):
a span missed the fact compared on the development compare questions, asked "How did X compare with Y?" (.214 vs
.929 key words) and "Compare X with Y" (.214 vs .714), at the cost of length (`docs/stories.md`, sessions 9 and
11). A question about two parties with a word of comparison ("How did X and Y react differently to Z?") is asked
once per party in its own words ("How did X react to Z?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .citations import Answer, unsure_lead
from .text import content_terms, question_anchors

_COMPARE = re.compile(r"^\W*(?:compare|contrast)\s+(?:the\s+)?|^\W*what(?:'s| is| are)\s+the\s+differences?\s+between\s+",
                      re.I)
_JOIN = re.compile(r"\s+(?:and|with|versus|vs\.?|against)\s+", re.I)
# what a side is named by: a proper name, or a year ("Compare the 2004 and 2008 elections")
_NAMES = re.compile(r"(?:\b[A-Z][\w’'.\-]*(?:\s+(?:of|de|la|and)?\s*[A-Z][\w’'.\-]*)*|\b(?:1[89]|20)\d\ds?\b)")
UNKNOWN = "the corpus does not say."
NOTHING_ELSE = "the articles found say nothing of it beyond the sentences quoted above"
# "How did X and Y react differently to Z?", "What did X and Y each say about Z?", "Compare what X and Y said …"
_WH_PAIR = re.compile(r"^\W*(?P<compare>(?:compare|contrast)\s+)?(?P<wh>how|what|why)\s+(?:(?P<aux>did|do|does|have|has|had|"
                      r"were|are|was|is|will|would)\s+)?(?P<x>.+?)\s+and\s+(?P<rest>.+?)\W*$", re.I)
_CUE = re.compile(r"\b(?:differently|each|both|differ|differed|disagree|disagreed)\b\s*", re.I)
_VERB = re.compile(r"^(?:\w+ed|said|say|says|see|saw|view|react|respond|think|thought|feel|felt|stand|stood|"
                   r"differ|disagree|describe|explain|want|wanted|plan|argue|claim|each|both|differently)$", re.I)

# "How did X compare with Y?": two states of one story or two stories, each told on its own
_HOW_COMPARE = re.compile(r"^\W*how\s+(?:did|does|do|is|was|are|were|has|have|had|will|would)\s+(?P<x>.+?)\s+"
                          r"compare[sd]?\s+(?:with|to|against)\s+(?P<y>.+?)\W*$", re.I)


@dataclass(frozen=True)
class Side:
    """One side of a compare question: the answer line's label and the question that side is asked as."""

    label: str
    question: str


def split(question: str) -> tuple[Side, Side] | None:
    """The two sides of a compare question, or None if it is no such question."""
    asked = wh_sides(question)  # "compare what X and Y said about Z" too: each side keeps its question word
    if asked:
        return asked
    told = _HOW_COMPARE.match(question)
    pair = (told["x"].strip(), owned(told["x"].strip(), told["y"].strip())) if told else sides(question)
    if not pair:
        return None
    x, y = pair  # each side is an account: its article's lead and its sentence with the reader's best evidence
    first, second = f"Tell me about {x}", f"Tell me about {y}"
    # the second side naming nothing ("what she was given") leans on the first's names, as a follow-up naming
    # nothing does (not the other way: "the original plan" is not the July version's)
    if not question_anchors(second) and (names := " ".join(question_anchors(first).values())):
        second = f"{second} ({names})"
    return Side(x, first), Side(y, second)


def owned(x: str, y: str) -> str:
    """"Mitt Romney's" after "Fred Thompson's fundraising": the same thing of another owner ("Mitt Romney's
    fundraising"); asked alone, "Tell me about Mitt Romney's" told whatever its articles lead with."""
    thing = re.search(r"['’]s\s+(.+)$", x)
    return f"{y} {thing[1]}" if thing and re.search(r"\w['’]s?$", y) else y


def wh_sides(question: str) -> tuple[Side, Side] | None:
    """"How did X and Y react differently to Z?" → "How did X react to Z?" and "How did Y react to Z?": a
    question about two parties (one of them named) with a word of comparison, or after "compare"."""
    match = _WH_PAIR.match(question)
    if not match or not (match["compare"] or _CUE.search(question)):
        return None
    words = match["rest"].split()
    verb = next((i for i, w in enumerate(words) if i and _VERB.match(w.strip(",;"))), None)
    if verb is None:
        return None
    x, y = match["x"].strip(), " ".join(words[:verb])
    aspect = re.sub(r"\bdiffer(?:ed)?\s+(?:over|on|about)\b", "stand on", " ".join(words[verb:]), flags=re.I)
    aspect = _CUE.sub("", aspect).strip()
    if not aspect or not (_NAMES.search(x) or _NAMES.search(y)):
        return None
    if match["aux"]:  # "How did X react to Z?"
        head, end = f"{match['wh'].capitalize()} {match['aux']} ", "?"
    else:  # "compare what X said about Z": embedded, a request as it was ("Tell me what X said about Z")
        head, end = f"Tell me {match['wh'].lower()} ", ""
    return Side(x, f"{head}{x} {aspect}{end}"), Side(y, f"{head}{y} {aspect}{end}")


def sides(question: str) -> tuple[str, str] | None:
    """The two things a compare question compares, each with the shared aspect, or None if it is no such question."""
    opening = _COMPARE.match(question)
    if not opening:
        return None
    body = question[opening.end():].strip().rstrip("?.! ")
    join = _JOIN.search(body)
    if not join:
        return None
    left, right = body[: join.start()].strip(), body[join.end():].strip()
    left_names, right_names = _NAMES.findall(left), _NAMES.findall(right)
    if not left or not right or not (left_names or right_names):
        return None
    if not left_names or not right_names:  # "Compare X in France with the previous week's peak": one side named,
        unnamed = right if left_names else left  # the other a thing of its own, not "the first" of "the first and
        return (left, right) if len(content_terms(unnamed)) >= 2 else None  # second quarters at Barclays"
    if not _NAMES.sub("", left).strip(" '’s"):  # "Barclays' and Time Warner's annual profits": the aspect follows
        left = f"{left} {right[right.index(right_names[0]) + len(right_names[0]):].strip(' ')}".strip()
        left = re.sub(r"\s+(?:'s|’s)\b", "", left)
        right = right.strip()
    if not _NAMES.sub("", right).strip(" '’s"):  # "the profits of Barclays and Time Warner": the aspect precedes
        right = left.replace(left_names[-1], right_names[0])
    return left, right


def compare_answer(question: str, answers: tuple[Answer, Answer], labels: tuple[str, str]) -> Answer:
    """Two side answers as one: a line per side (its direct answer and quote, or "the corpus does not say"), the
    citations renumbered (a sentence the first side quoted is pointed to, not quoted again), the least sure side's
    band; refused only when neither side is answered."""
    lines, citations, n = [], [], 0
    numbers: dict[tuple[str, int, int], int] = {}  # a sentence both sides quote is quoted once, then pointed to
    for label, side in zip(labels, answers):
        if side.abstained or not side.citations:
            lines.append(f"{label}: {UNKNOWN}")
            continue
        quoted, again = [], []
        for c in side.citations:
            if (c.source, c.start, c.end) in numbers:
                again.append(f"[{numbers[c.source, c.start, c.end]}]")
                continue
            n += 1
            numbers[c.source, c.start, c.end] = n
            citations.append(replace(c, n=n))
            quoted.append(f"“{' '.join(c.text.split())}” [{n}]")
        if not quoted:  # all it found was quoted for the other side: say so, once
            lines.append(f"{label}: {NOTHING_ELSE} {' '.join(again)}.")
            continue
        also = f" (also {', '.join(again)} above)" if again else ""
        lines.append(f"{label}: {side.short + ' — ' if side.short else ''}{' '.join(quoted)}{also}")
    answered = [a for a in answers if not a.abstained and a.citations]
    if not answered:
        return replace(answers[0], question=question)
    least = min(answered, key=lambda a: a.confidence if a.confidence is not None else 1.0)
    band = "unsure" if len(answered) < 2 else least.band
    if band == "unsure":  # as any unsure answer opens: its quotes are the closest passages, not an answer
        lines.insert(0, unsure_lead(len(citations)).strip())
    return replace(least, question=question, answer="\n".join(lines), citations=citations, short="", form="compare",
                   band=band, retrieved=list(dict.fromkeys(d for a in answers for d in a.retrieved)),
                   passages=[p for a in answers for p in a.passages])
