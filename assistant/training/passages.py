"""Training over several passages per question (the `passages` stage): the reader sees a question with its own
paragraph and the article's paragraphs most like the question, as retrieval hands them over.

At run time the reader compares its best spans across the top passages, but every earlier stage scored one window
at a time, so a span's score in one passage meant nothing against a span in another. Here a question's windows
form a group, and beside each window's own loss a *shared-normalization* loss (Clark and Gardner 2018, "Simple
and Effective Multi-Paragraph Reading Comprehension") puts one softmax over the context tokens of all the group's
windows: the answer's start and end must outscore every token of the distractor paragraphs too.
"""

from __future__ import annotations

import random
from pathlib import Path

from .reader_data import SQUAD11, SQUAD20, Example, content_words, dev24_split, read_squad, sample, squad20_examples


def distractors(question: str, answer: str, contexts: list[str], words: list[set[str]], own: int, n: int) -> list[str]:
    """The `n` other paragraphs of the article sharing most content words (`words`, one set per paragraph) with
    the question, without the answer text (ties keep the article's order)."""
    asked = content_words(question)
    scored = [(len(asked & w), i) for i, (ctx, w) in enumerate(zip(contexts, words))
              if i != own and not (answer and answer in ctx)]
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [contexts[i] for overlap, i in scored[:n] if overlap > 0]


def article_groups(articles: list[dict], n: int) -> list[list[Example]]:
    """One group per question: its own paragraph first (answered or a crowd-written refusal), then up to `n`
    distractor paragraphs, which never answer it."""
    groups = []
    for article in articles:
        contexts = [p["context"] for p in article["paragraphs"]]
        words = [content_words(ctx) for ctx in contexts]
        for own, para in enumerate(article["paragraphs"]):
            for ex in squad20_examples([{"paragraphs": [para]}]):
                others = distractors(ex.question, ex.answer, contexts, words, own, n)
                groups.append([ex] + [Example(ex.question, ctx, "", -1, "paragraph") for ctx in others])
    return groups


def build_groups(data_dir: Path, replay: int, n: int, seed: int = 13) -> list[list[Example]]:
    """The training split of the 24 development articles, the 10 SQuAD 2.0 training articles and `replay` SQuAD 1.1
    questions (so the reader keeps reading plain questions), each with `n` distractors; shuffled by `seed`."""
    rng = random.Random(seed)
    articles = dev24_split(data_dir)["train"] + read_squad(Path(data_dir) / SQUAD20)
    replayed, _ = sample(read_squad(Path(data_dir) / SQUAD11), replay, rng)
    groups = article_groups(articles, n) + article_groups(replayed, n)
    rng.shuffle(groups)
    return groups


def group_batches(lengths: list[int], groups: list[int], batch_size: int, seed: int) -> list[list[int]]:
    """Batches of whole groups (feature indices), about `batch_size` windows each, of similar length, in an order
    fixed by the seed. `lengths[i]` and `groups[i]` are feature i's token count and group."""
    members: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    rng = random.Random(seed)
    order = list(members)
    rng.shuffle(order)
    pool = 64 * batch_size // 3
    out: list[list[int]] = []
    for k in range(0, len(order), pool):
        chunk = sorted(order[k:k + pool], key=lambda g: max(lengths[i] for i in members[g]))
        batch: list[int] = []
        for g in chunk:
            if batch and len(batch) + len(members[g]) > batch_size:
                out.append(batch)
                batch = []
            batch += members[g]
        if batch:
            out.append(batch)
    rng.shuffle(out)
    return out


def shared_span_loss(start, end, starts, ends, groups, context):
    """Cross-entropy of the answer's start and end over every context token of its group's windows; groups
    without an answer (refusals) add nothing here, their windows' own loss already points at `[CLS]`.

    `start`/`end`: (windows, tokens) logits; `starts`/`ends`: each window's label (0: not in this window);
    `groups`: each window's group id; `context`: (windows, tokens) bool, the passage's tokens."""
    import torch

    losses = []
    for g in torch.unique(groups):
        rows = groups == g
        has = rows & (starts > 0)
        if not bool(has.any()):
            continue
        for logits, labels in ((start, starts), (end, ends)):
            scores = logits[rows].masked_fill(~context[rows], -1e4)
            gold = logits[has].gather(1, labels[has].unsqueeze(1)).squeeze(1)
            losses.append(torch.logsumexp(scores.flatten(), 0) - torch.logsumexp(gold, 0))
    if not losses:
        return start.new_zeros(())
    return torch.stack(losses).mean()  # the mean of start and end, as the windows' own span loss
