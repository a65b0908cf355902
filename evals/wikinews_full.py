"""Write all 4,494 articles of the shared English Wikinews file, for scoring the story set over a real-sized corpus.

The eval index (`make eval`) holds 122 documents; a newsroom's corpus holds thousands, and over them a later
article naming the same place, or a passage matching a follow-up's bare words, competes with the story asked
about. `make eval-news` writes every article here (``.news-corpus/<id>.md``, as ``wikinews_sample.py`` writes its
sample), indexes them and scores ``stories.jsonl``; its evaluation articles are among them, under the same names.

The texts are (c) Wikinews contributors, CC BY 2.5; see ``evals/README.md``.

Usage: python evals/wikinews_full.py [--news PATH] [--out DIR]
"""

from __future__ import annotations

from wikinews_sample import REPO, run


def main() -> None:
    run(lambda articles: articles, REPO / ".news-corpus", __doc__)


if __name__ == "__main__":
    main()
