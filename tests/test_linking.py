"""Story links (`linking`): articles of one story share their specific words; naming one place is not enough."""

from helpers import passage

from assistant.linking import STORY_LINK, Linker

RIOTS = ("French riots spread across the suburbs of Paris for a second week. Youths burned cars and schools, and police "
         "arrested hundreds. The government declared a state of emergency in the suburbs.")
RIOTS_LATER = ("The French cabinet extended the state of emergency in the suburbs by three months after the riots. "
               "Police said fewer cars were burned overnight in the suburbs of Paris.")
CHAD = ("Nine French nationals were charged with kidnapping in Chad after trying to fly children out of the country, "
        "as riot police dispersed a crowd outside the court. Chad is under a state of emergency in the east. The charity "
        "they worked for denied the charges.")

OTHERS = ["The council approved the budget for the new library.", "A storm closed the harbour for two days.",
          "The football club signed a new coach from Spain."]


def frequencies(texts):
    """Document frequencies over a small corpus, as the index's store gives them (one unit per text)."""
    from assistant.text import terms

    held = [set(terms(t)) for t in texts]
    return lambda words: {w: sum(w in h for h in held) for w in words}, len(texts)


def test_articles_of_one_story_are_linked_and_an_article_naming_the_same_country_is_not():
    linker = Linker(*frequencies([RIOTS, RIOTS_LATER, CHAD, *OTHERS]))
    assert linker.similarity(("a", RIOTS), ("b", RIOTS_LATER)) >= STORY_LINK
    assert linker.linked(("a", RIOTS), ("b", RIOTS_LATER))
    assert not linker.linked(("a", RIOTS), ("c", CHAD)) and not linker.linked(("b", RIOTS_LATER), ("c", CHAD))
    assert linker.linked(("c", CHAD), ("c", CHAD))


def test_the_latest_and_the_timeline_keep_to_the_story_not_a_newer_article_naming_the_same_country():
    from assistant.story_scope import newest, same_story
    from assistant.timeline import story_passages

    texts = {"riots1.md": RIOTS, "riots2.md": RIOTS_LATER, "chad.md": CHAD, "library.md": OTHERS[0],
             "harbour.md": OTHERS[1], "coach.md": OTHERS[2]}
    dates = {"riots1.md": "2005-11-03", "riots2.md": "2005-11-14", "chad.md": "2006-05-02"}
    passages = [passage(doc, text, published=dates.get(doc, "2005-01-01")) for doc, text in texts.items()]
    linker = Linker(*frequencies(list(texts.values())))
    question, best = "What's the latest on the French riots?", passages[0]
    assert newest(same_story(question, passages, best, texts), best).source == "chad.md"  # names alone
    assert newest(same_story(question, passages, best, texts), best, texts, linker).source == "riots2.md"
    assert {p.source for p in story_passages(question, passages, 365, texts)} >= {"chad.md"}
    assert [p.source for p in story_passages(question, passages, 365, texts, linker)] == ["riots1.md", "riots2.md"]


def test_document_frequencies_are_read_once_until_the_store_is_written():
    from assistant.evidence import Frequencies

    asked, generation = [], [1]

    def lookup(words):
        asked.append(list(words))
        return {w: 3 for w in words if w != "unseen"}

    frequencies = Frequencies(lookup, lambda: generation[0])
    assert frequencies(["riot", "unseen", "riot"]) == {"riot": 3, "unseen": 0}
    assert frequencies(["riot", "polic"]) == {"riot": 3, "polic": 3} and asked == [["riot", "unseen"], ["polic"]]
    generation[0] = 2  # a write (of any process): read again
    assert frequencies(["riot"]) == {"riot": 3} and asked[-1] == ["riot"]


def test_the_best_passage_is_always_of_its_own_story_even_naming_only_one_of_the_question_names():
    """The reader's best article may say "Canada" but not "Liberals": it still tells the story, and as the newest
    one it is the latest (it used to be dropped, and an older article quoted as the latest)."""
    from assistant.story_scope import newest, same_story

    texts = {"old.md": "The Liberals lost the election in Canada. The Conservatives won a minority.",
             "new.md": "Stephen Harper was sworn in as prime minister of Canada on Monday."}
    passages = [passage("old.md", texts["old.md"], published="2006-01-24"),
                passage("new.md", texts["new.md"], published="2006-02-06")]
    question = "Where do things stand now with Canada's government after the Liberals were voted out?"
    story = same_story(question, passages, passages[1], texts)
    assert "new.md" in [p.source for p in story]
    assert newest(story, passages[1]).source == "new.md"


def test_a_reason_quotes_beside_its_lead_only_articles_of_the_same_story():
    """The reader also reads passages of other stories; their evidence is not about this one."""
    from assistant.story_scope import of_story

    texts = {"riots1.md": RIOTS, "riots2.md": RIOTS_LATER, "chad.md": CHAD}
    linker = Linker(*frequencies([RIOTS, RIOTS_LATER, CHAD, *OTHERS]))
    assert of_story("riots1.md", "riots1.md", texts, linker) and of_story("riots2.md", "riots1.md", texts, linker)
    assert not of_story("chad.md", "riots1.md", texts, linker)
    assert of_story("chad.md", "riots1.md", texts, None)  # no links known: as before


def test_a_timeline_keeps_a_story_told_over_years_as_a_chain_of_articles_each_near_the_next():
    """The best-matching article may be the story's last: its first, years before, is kept when each article is
    within the window of another kept one; an article naming the story past a gap of more than the window is not."""
    from assistant.timeline import story_passages

    dates = {"verdict.md": "2007-03-06", "charged.md": "2006-04-10", "indicted.md": "2005-10-28",
             "recalled.md": "2003-07-14"}
    texts = {doc: f"Libby and the Plame affair, {date}." for doc, date in dates.items()}
    passages = [passage(doc, texts[doc], published=date) for doc, date in dates.items()]
    kept = story_passages("What happened in the Libby case over Plame?", passages, 365, texts)
    assert [p.source for p in kept] == ["verdict.md", "charged.md", "indicted.md"]  # 2003: 27 months before 2005
    assert [p.source for p in story_passages("Libby and Plame", passages, 2000, texts)] == list(dates)


def test_a_timeline_article_names_the_story_anywhere_not_only_in_its_passage():
    from assistant.timeline import story_passages

    verdict = passage("verdict.md", "A jury convicted Libby in the Plame case.", published="2007-03-06")
    plea = passage("plea.md", "Libby pleaded not guilty on Thursday.", published="2006-11-03")  # its passage: no Plame
    texts = {"verdict.md": verdict.text, "plea.md": "Libby pleaded not guilty on Thursday. He is charged over the "
             "leak of Valerie Plame's name."}
    assert [p.source for p in story_passages("Libby and the Plame case", [verdict, plea], 365, texts)] == [
        "verdict.md", "plea.md"]
