"""Which retrieved articles a story question is about: the best one's story, its newest article, how it went on,
and whether an article is about what the question asks at all.

`covers` is that test: the article names every name and number of the question (of a span of years, one) and says
most of what it asks about. A story answer without the reader's span is told from the first retrieved article that
covers the question (`about`); a story is the best article and the retrieved ones covering the question as it does
(`same_story`: over thousands of articles, naming the same place is not enough), linked to it by their words
(`linking`); the latest is its newest dated article (`newest`), and an account tells the best one (of the year the
question names, `of_year`) and how its story went on after it (`developments`)."""

from __future__ import annotations

import calendar
import re

from .linking import Linker
from .retrieval import Passage
from .text import content_terms, named, plain_words, question_anchors, spelled, terms

REPORTED_WITHIN = 7  # days: an article this early in a month may report an event of the month before


def of_story(source: str, lead: str, texts: dict[str, str], linker: Linker | None) -> bool:
    """May a reason quote this article beside its lead's: the same one, or one linked to it (`linking`; any, with
    no linker)? A passage the reader also read may tell another story: its evidence is not about this one."""
    return source == lead or linker is None or linker.linked((source, texts[source]), (lead, texts[lead]))


def names_in(text: str, names: set[str]) -> bool:
    """Does the text name what the question names (two of its names, or its one name; "Haitian" counts as
    "Haiti")?"""
    return len(named(names, plain_words(text))) >= min(2, len(names))


def same_story(question: str, passages: list[Passage], best: Passage, texts: dict[str, str], share: float = 0.5
               ) -> list[Passage]:
    """The retrieved passages that may tell `best`'s story: they cover at least `share` of what `best` covers of
    the question, and their article (anywhere: the passage retrieved may not repeat it) names all the question names
    and says more than half of what it asks about (`covers`: over thousands of articles, a later one naming "France"
    is often of another story). (Whether their article is linked to `best`'s, `newest` asks, of the few it has to.)"""
    names = question_anchors(question)
    story = [p for p in passages if p.source == best.source  # the best passage's article is its own story
             or (p.coverage >= share * best.coverage and (not names or covers(question, p, texts[p.source])))]
    return story or [best]


def newest(story: list[Passage], best: Passage, texts: dict[str, str] | None = None, linker: Linker | None = None
           ) -> Passage:
    """The story's newest dated passage (the best one on a tie, or when none is dated); with `linker`, the newest
    whose article is linked to `best`'s (`linking`): asked newest first, so only as often as it must be."""
    for p in sorted(story, key=lambda p: (p.meta.published or "", p.source == best.source), reverse=True):
        if p.source == best.source or linker is None or texts is None or linker.linked(
                (p.source, texts[p.source]), (best.source, texts[best.source])):
            return p
    return best


def developments(question: str, passages: list[Passage], best: Passage, texts: dict[str, str],
                 linker: Linker | None = None, most: int = 4) -> list[Passage]:
    """An account's articles: `best`, then how its story went on, oldest first: the story's retrieved articles
    (`same_story`, linked to `best`) published on a later day, at most `most` in all (the newest always, the others by
    rank; one day's other articles are versions of its event). Earlier articles are not told: an older article of
    another story may cover the question as well ("the 2008 budget deficit" is named in a 2007 one on Iraq's funding).
    Only `best` when nothing came after it. An account of one year's event ("the 2005 riots") goes on within that
    year: a later year's article names the event to tell another (its anniversary, a new wave of riots)."""
    later: dict[str, Passage] = {}
    years = year_named(question)
    for p in same_story(question, passages, best, texts):
        if (p.source not in later and day(best) and day(p) > day(best) and in_years(p, years)
                and of_story(p.source, best.source, texts, linker)):
            later[p.source] = p
    if not later or most < 2:
        return [best]
    last = max(later.values(), key=day)
    told = [last] + [p for p in later.values() if p is not last][: most - 2]
    return [best] + sorted(told, key=lambda p: (day(p), p.source))


def in_years(article: Passage, years: set[str]) -> bool:
    """Is the article of the one year a question names (`year_named`; or of the next year's first week, which may
    report its last days: `REPORTED_WITHIN`)? Any article is, when the question names none."""
    if len(years) != 1:
        return True
    (year,) = years
    when = day(article)
    return when[:4] == year or when[:4] == str(int(year) + 1) and when[5:7] == "01" and int(when[8:10] or 99) <= REPORTED_WITHIN


def day(article: Passage) -> str:
    """The day an article was published ("2008-06-22"; "" undated): a timestamp's hour is not a later event."""
    return (article.meta.published or "")[:10]


# the words a story question asks with ("where does it stand", "the newest"), not its subject, beyond the generic
# words of any question (`text.content_terms` leaves out "latest", "situation", "summarise" …)
_ASKING = frozenset(terms("newest current stand"))
_YEAR = re.compile(r"(?:19|20)\d\d")


def covers(question: str, article: Passage, text: str) -> bool:
    """Is the article about what the question asks: does it name every name and number of the question, and say
    more than half of its content words ("the Mars rover": an article on Mars without a rover does not)? Its date
    counts ("the 2019 crisis"), and a name its acronym ("the Australian Wheat Board" is said by "AWB", and the other
    way round). A question over several years ("Musharraf's fall in 2007 and 2008") is covered by an article
    published in or between them (no article names them all)."""
    names = set(question_anchors(question))
    whole = f"{text} {dated(article.meta.published)}"
    said = plain_words(whole)
    by_acronym = spelled(question, text, said)
    wanted = set(content_terms(question)) - _ASKING  # what it is about, not how it asks
    found = set(terms(whole)) | set(terms(" ".join(by_acronym)))
    years = {n for n in names if _YEAR.fullmatch(n)}
    if len(years) > 1:  # "in 2007 and 2008": a story over those years; an article is of one of them, or between
        names, wanted = names - years, wanted - years
        published = day(article)[:4]
        if not (min(years) <= published <= max(years) if published.isdigit() else years & said):
            return False
    return bool(names) and named(names, said | by_acronym) == names and 2 * len(wanted & found) > len(wanted)


def newer_mention(question: str, latest: Passage, passages: list[Passage], texts: dict[str, str]) -> Passage | None:
    """The newest retrieved article newer than the story's newest that names all the question's names (not only a
    year): it mentions the story without being of it (it does not cover the question, or is not linked to it), and
    a reader asking for the latest should hear of it."""
    names, when = set(question_anchors(question)), latest.meta.published or ""
    if not when or all(name.isdigit() for name in names):  # "the 2008 budget": any 2008 article names 2008
        return None
    newer = [p for p in passages if (p.meta.published or "") > when and p.source != latest.source]
    newer = [p for p in newer if named(names, plain_words(texts[p.source])) == names]
    return max(newer, key=lambda p: p.meta.published or "", default=None)


def next_article(question: str, passages: list[Passage], texts: dict[str, str], told: tuple[str, ...],
                 linker: Linker | None = None) -> Passage | None:
    """"What happened next?": the story's first article published after the newest one the conversation quoted
    (`told`, in the order it quoted them), or None when the passages hold none. Of its story: it names one of the
    names of `question` (the one the conversation goes on from: "the Romanians' rally" went on as "Romanian
    journalists freed") and is linked to the newest told article and to the first (not `covers`: the words carried
    from the earlier question are its aspect, "the bridge's cost", and the next development is told in others,
    "cracks in its piers"). Linked to the newest alone, a chain of "next" drifted from story to story."""
    quoted = [p for p in passages if p.source in told and p.meta.published]  # undated: nothing is "after" it
    if not quoted:
        return None
    last, names = max(quoted, key=lambda p: p.meta.published or ""), set(question_anchors(question))
    first = told[0] if told[0] in texts else last.source
    later = [p for p in passages if p.source not in told and (p.meta.published or "") > (last.meta.published or "")
             and (not names or named(names, plain_words(texts[p.source]))) and of_story(p.source, last.source, texts, linker)
             and of_story(p.source, first, texts, linker)]
    return min(later, key=lambda p: p.meta.published or "", default=None)


def year_named(question: str) -> set[str]:
    """The one year a question names ("the riots of November 2005"), or none (no year, or several)."""
    years = {n for n in question_anchors(question) if _YEAR.fullmatch(n)}
    return years if len(years) == 1 else set()


def of_year(question: str, best: Passage, passages: list[Passage], texts: dict[str, str]) -> Passage:
    """The article an account of one year's event is told from: `best`, unless it was published in another year
    and a retrieved article of the year the question names covers the question (a later article recalls the
    event in a sentence, "strike action … in June 2005", and the reader's span may be found there)."""
    years = year_named(question)
    if not years or not day(best) or day(best)[:4] in years:
        return best
    return next((p for p in passages if day(p)[:4] in years and covers(question, p, texts[p.source])), best)


def about(question: str, passages: list[Passage], texts: dict[str, str]) -> Passage | None:
    """The first passage whose article is about what the question asks (`covers`), if any."""
    return next((p for p in passages if covers(question, p, texts[p.source])), None)


def dated(published: str | None) -> str:
    """An article's date as a question may name it: "2007 09 14 September" ("the September 2007 loan"); in the
    first week of a month, the month before too ("2006 11 02 November 2006 October": news reports an event of
    31 October on 2 November, and a question names the event's month)."""
    parts = (published or "")[:10].split("-")
    month = calendar.month_name[int(parts[1])] if len(parts) > 1 and parts[1].isdigit() and 0 < int(parts[1]) < 13 else ""
    said = f"{' '.join(parts)} {month}".strip()
    if month and len(parts) == 3 and parts[0].isdigit() and parts[2].isdigit() and int(parts[2]) <= REPORTED_WITHIN:
        year, before = (int(parts[0]) - 1, 12) if parts[1] == "01" else (int(parts[0]), int(parts[1]) - 1)
        said += f" {year} {calendar.month_name[before]}"
    return said
