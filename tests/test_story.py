"""Story answers: why / how / what-happened questions get several verbatim, cited sentences; factoids a span."""

from helpers import ROOT, SEED_ID, passage

from assistant.citations import Answer, Citation
from assistant.escaping import text
from assistant.rendering import answer_html
from assistant.sentences import is_sentence, similar


def test_headlines_are_not_story_sentences_and_near_duplicates_are_told():
    assert not is_sentence("Alec Baldwin's Criminal Case Dismissed, Civil Lawsuit Looms")
    assert is_sentence("The judge dismissed the case.") and is_sentence("“We will appeal,” he said.”")
    # an interview's question asks, it does not tell: never quoted as an answer
    assert not is_sentence("Why did you choose to run in this constituency?") and not is_sentence('"Why now?"')
    assert similar("The judge dismissed the manslaughter case on Friday.", "On Friday the judge dismissed the case.")
    assert not similar("The judge dismissed the case.", "Allred announced a civil lawsuit.")


def test_a_story_question_gets_several_verbatim_cited_sentences(seed_assistant):
    answer = seed_assistant.ask("What happened to Halyna Hutchins?")
    assert not answer.abstained and answer.form == "story" and not answer.short
    assert 2 <= len(answer.citations) <= seed_assistant.settings.story_sentences
    text = seed_assistant.index.store.text(SEED_ID)
    for n, c in enumerate(answer.citations, start=1):
        assert c.n == n and text[c.start:c.end] == c.text and f"{' '.join(c.text.split())} [{n}]" in answer.answer
        assert is_sentence(c.text)
    assert len({c.start for c in answer.citations}) == len(answer.citations)
    assert answer.to_dict()["form"] == "story"


def test_a_factoid_question_still_gets_the_short_answer(seed_assistant):
    answer = seed_assistant.ask("who represents the Hutchins family?")
    assert answer.form == "" and "Gloria Allred" in answer.short and len(answer.citations) == 1


def test_a_story_answer_shows_each_quote_with_its_chip_outlet_and_date():
    p = passage("a.txt", "The bridge closed on Monday. Engineers found cracks in two piers.", title="Bridge shut",
                outlet="Gazette", published="2024-05-06")
    cites = [Citation(1, "a.txt", "Bridge shut", "The bridge closed on Monday.", 0, 28, 0.8),
             Citation(2, "a.txt", "Bridge shut", "Engineers found cracks in two piers.", 29, 65, 0.8)]
    answer = Answer("Why did the bridge close?", "The bridge closed on Monday. [1] Engineers found cracks in two "
                    "piers. [2]", False, cites, passages=[p], form="story", confidence=0.8, band="confident")
    page = answer_html(answer, "t")
    assert page.count('class="story-sentence"') == 2 and page.count('class="cite"') == 2
    assert page.count("Gazette · 6 May 2024") >= 2 and "Confident" in page


def test_the_timeline_command_prints_one_dated_cited_sentence_per_article(seed_settings):
    import json

    from click.testing import CliRunner

    from assistant.cli import cli

    done = CliRunner().invoke(cli, ["--index", str(seed_settings.index_dir), "timeline", "What happened to Halyna Hutchins?",
                                    "--json"])
    assert done.exit_code == 0, done.output
    events = [json.loads(line) for line in done.output.splitlines()]
    assert len(events) == 1 and events[0]["citation"]["source"] == SEED_ID and events[0]["citation"]["n"] == 1
    cite = events[0]["citation"]  # the seed index holds one article: one event, quoted verbatim
    assert (ROOT / "corpus" / SEED_ID).read_text(encoding="utf-8")[cite["start"]:cite["end"]] == cite["text"]


def test_a_yes_or_no_question_quotes_the_sentence_that_decides_it_not_a_span(bridge):
    answer = bridge.ask("Did the Riverton bridge reopen?")
    assert answer.form == "story" and not answer.abstained and answer.short == ""
    assert answer.citations[0].source == "new.md" and answer.citations[0].text.startswith("The Riverton bridge reopened")


def test_the_latest_quotes_the_newest_article_of_the_story_not_a_newer_one_elsewhere(bridge):
    answer = bridge.ask("What's the latest on the Riverton bridge?")
    assert not answer.abstained and answer.form == "story"
    assert answer.citations[0].source == "new.md" and "As of 10 Jun 2024: " in answer.answer
    assert answer.citations[0].text.startswith("The Riverton bridge reopened")  # the article's lead
    assert "other.md" not in {c.source for c in answer.citations}
    assert answer.opening == "As of 10 Jun 2024:" and '<div class="story-opening">As of 10 Jun 2024:</div>' in (
        answer_html(answer, "t"))  # the chat says it too, above the quotes
    assert answer.note == ""  # the newer ferry article does not name Riverton


def test_every_citation_carries_its_article_s_date_in_the_json_and_the_terminal(bridge):
    from assistant.cli_chat import sources_text

    answer = bridge.ask("What's the latest on the Riverton bridge?")
    cited = answer.to_dict()["citations"][0]
    assert cited["source"] == "new.md" and cited["published"].startswith("2024-06-10") and cited["outlet"] is None
    assert sources_text(answer).startswith("[1] Bridge news 2024-06-10 · 10 Jun 2024 (new.md:")


def test_a_later_article_belongs_to_the_story_when_it_names_it_anywhere_not_only_in_the_passage(tmp_path, embeddings):
    from assistant import Assistant, Settings

    (tmp_path / "corpus").mkdir()
    for name, date, title, body in [
            ("plan.md", "2023-01-10", "Riverton approves harbour tram",
             "Riverton's council approved a tram line to the harbour on Tuesday. It will cost 12 million pounds."),
            ("opened.md", "2023-09-02", "Riverton tram opens",  # the body never says "Riverton"; the title does
             "The tram line to the harbour opened on Saturday, eight months after the council approved it. "
             "Riders queued for the first tram at dawn."),
            ("fees.md", "2024-02-05", "Riverton raises parking fees",  # newer, names Riverton, not of the story
             "Riverton's council raised parking fees in the town centre on Monday.")]:
        (tmp_path / "corpus" / name).write_text(f"---\ntitle: {title}\ndate: {date}\n---\n{body}\n")
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    assistant.sync(tmp_path / "corpus")
    answer = assistant.ask("What's the latest on the Riverton harbour tram line?")
    assert not answer.abstained and answer.citations[0].source == "opened.md"
    assert answer.opening == "As of 2 Sep 2023:"
    # a newer article naming the story's names but not telling it is named after the quotes, not quoted
    assert "fees.md" not in {c.source for c in answer.citations}
    assert answer.note == "A newer article also mentions Riverton: “Riverton raises parking fees” (5 Feb 2024)."
    assert answer.answer.endswith(answer.note) and f'<div class="story-note">{text(answer.note)}</div>' in answer_html(answer)


def test_a_timeline_quotes_a_sentence_of_a_quotation_with_its_speaker(tmp_path, embeddings):
    from assistant import Assistant, Settings

    (tmp_path / "corpus").mkdir()
    said = ('Mayor Ann Reed said of the Riverton bridge, "The bridge will reopen in May. Repairs to the Riverton '
            'bridge cost three million pounds."')
    for name, date, title, body in [
            ("closed.md", "2023-01-10", "Riverton bridge closed", "The Riverton bridge closed on Tuesday after "
             "engineers found cracks in its piers."),
            ("repairs.md", "2023-03-02", "Riverton bridge repairs", said)]:
        (tmp_path / "corpus" / name).write_text(f"---\ntitle: {title}\ndate: {date}\n---\n{body}\n")
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    assistant.sync(tmp_path / "corpus")
    events = assistant.questions.timeline("What happened to the Riverton bridge?")
    assert [e.citation.source for e in events] == ["closed.md", "repairs.md"]
    assert events[1].citation.text == said  # either sentence of the quotation: the whole of it, with who says it


def test_an_account_opens_with_its_article_s_first_sentences_verbatim(bridge):
    answer = bridge.ask("Tell me about the building of the Riverton bridge and what it cost")
    assert not answer.abstained and answer.citations[0].source == "old.md"
    texts = bridge.index.texts(["old.md"])
    assert [c.text for c in answer.citations[:3]] == [  # its first three sentences: what happened comes first
        "Riverton's mayor Ada Park opened the Riverton bridge over the Wend river on Monday.",
        "The bridge cost 40 million pounds and took three years to build.", "Traffic was light."]
    assert all(texts[c.source][c.start:c.end] == c.text for c in answer.citations if c.source == "old.md")


def test_an_account_of_a_story_that_went_on_quotes_each_article_s_lead_oldest_first(bridge):
    answer = bridge.ask("Summarise the story of the Riverton bridge.")
    sources = [c.source for c in answer.citations]
    order = ["old.md", "mid.md", "new.md"]
    assert not answer.abstained and set(sources) == set(order)
    assert sources == sorted(sources, key=order.index)  # in time, each article's sentences together
    texts = bridge.index.texts(["old.md", "mid.md", "new.md"])
    firsts = [next(c for c in answer.citations if c.source == s) for s in ("old.md", "mid.md", "new.md")]
    assert all(texts[c.source].split("---\n")[-1].startswith(c.text) for c in firsts)  # each one's lead first
    assert all(texts[c.source][c.start:c.end] == c.text for c in answer.citations)


def test_the_latest_s_best_evidence_comes_with_the_sentence_after_it(tmp_path, embeddings):
    """As a reason's does (and an account's, where its lead leaves room): the part of the story asked about often
    goes on in the next sentence."""
    from assistant import Assistant, Settings

    (tmp_path / "corpus").mkdir()
    body = ("The Elmford council met on Tuesday to set next year's budget. Councillors debated for six hours. "
            "The meeting ended after midnight. The budget cuts the library's opening hours by a third. "
            "Its reading rooms will close on Sundays. Residents will be consulted in March.")
    (tmp_path / "corpus" / "budget.md").write_text(f"---\ntitle: Elmford budget\ndate: 2024-11-05\n---\n{body}\n")
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    assistant.sync(tmp_path / "corpus")
    answer = assistant.ask("What's the latest on the Elmford library's opening hours?")
    texts = [c.text for c in answer.citations]
    assert "The budget cuts the library's opening hours by a third." in texts
    assert texts[texts.index("The budget cuts the library's opening hours by a third.") + 1] == (
        "Its reading rooms will close on Sundays.")


def test_a_later_lead_repeating_the_story_s_names_is_quoted_for_what_it_adds():
    """A later article's lead restates who is who ("Jon Vale, the leader of the Green Union, …") to say what is new
    ("… will pull out"): it does not repeat the earlier lead, as another outlet's version of one event would."""
    from helpers import passage

    from assistant.story import StoryAnswerer

    stand = passage("stand.md", "Jon Vale, leader of Elmford's main opposition party, the Green Union, has said today "
                    "that he will stand in the mayoral run-off against mayor Ada Park.", published="2024-05-10")
    version = passage("post.md", "Jon Vale, leader of the Green Union, Elmford's main opposition party, said today he "
                      "will stand in the mayoral run-off against Ada Park.", published="2024-05-10")
    quits = passage("quit.md", "Jon Vale, the leader of the Green Union, Elmford's main opposition party, has said that "
                    "he will pull out of the mayoral race, calling the count rigged.", published="2024-06-22")
    texts = {p.source: p.text for p in (stand, version, quits)}
    chosen: list = []
    for p in (stand, version, quits):
        StoryAnswerer(base=None).add(chosen, p, 0, len(p.text), texts)  # type: ignore[arg-type]
    assert [p.source for p, _, _ in chosen] == ["stand.md", "quit.md"]


def test_a_sentence_of_a_quotation_is_quoted_with_the_rest_of_it_and_its_speaker():
    """A sentence cut from a quotation of several reads as nobody's words behind a dangling quotation mark."""
    from assistant.sentences import quote_lean, whole_quotation

    text = ('Surgeons operated overnight.\nThe chief surgeon said, "Sharon is out of danger, for the moment. His '
            'condition is stable and the surgery was a success." The hospital gave no further details.\n'
            '"We will operate again. It is planned.\nThis line is another paragraph."')
    opening = 'The chief surgeon said, "Sharon is out of danger, for the moment.'
    closing = 'His condition is stable and the surgery was a success."'
    whole = f"{opening} {closing}"
    for part in (opening, closing):
        start = text.index(part)
        assert text[slice(*whole_quotation(text, start, start + len(part)))] == whole
    assert (quote_lean(opening), quote_lean(closing), quote_lean(whole)) == (1, -1, 0)
    assert quote_lean("“We want peace.”") == 0 and quote_lean("a “dirty war” and “more") == 1
    plain = text.index("The hospital gave")
    assert whole_quotation(text, plain, plain + 38) == (plain, plain + 38)  # no quotation mark: as it was
    cut = text.index('"We will')  # the quotation goes on into the next line: never across it
    assert whole_quotation(text, cut, cut + len('"We will operate again.')) == (cut, cut + len('"We will operate again.'))
    start = text.index(opening)  # longer than allowed: as it was
    assert whole_quotation(text, start, start + len(opening), most_words=15) == (start, start + len(opening))

    from assistant.story import StoryAnswerer

    said = passage("surgery.md", text)
    chosen: list = []
    StoryAnswerer(base=None).add(chosen, said, text.index(closing), text.index(closing) + len(closing),  # type: ignore[arg-type]
                                 {said.source: text})
    assert [text[a:b] for _, a, b in chosen] == [whole]


def test_an_account_of_something_the_corpus_never_names_is_refused(bridge):
    answer = bridge.ask("Tell me about the Mars colony launched by NASA in 2031")
    assert answer.abstained and not answer.citations


def test_the_latest_on_something_the_story_never_mentions_is_refused_though_its_place_is_named(bridge):
    answer = bridge.ask("What's the latest on the Riverton tram depot?")  # Riverton, but no tram, no depot
    assert answer.abstained and not answer.citations


def test_a_latest_question_or_an_account_reads_further_down_the_ranking(tmp_path, embeddings):
    from assistant import Assistant, Settings
    from assistant.forms import STORY_PASSAGES

    (tmp_path / "corpus").mkdir()
    for day in range(1, 13):  # twelve short reports on one council
        (tmp_path / "corpus" / f"day{day:02d}.md").write_text(
            f"---\ntitle: Riverton council, day {day}\ndate: 2024-03-{day:02d}\n---\nOn day {day} the Riverton "
            f"council debated the bridge budget for {day + 1} hours and adjourned.\n")
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    assistant.sync(tmp_path / "corpus")
    k = assistant.settings.k
    assert len(assistant.ask("How long did the Riverton council debate the bridge budget?").passages) == k
    latest = assistant.ask("What's the latest on the Riverton council's bridge budget?")
    assert len(latest.passages) == STORY_PASSAGES > k  # the story's newest article may rank below the first k
    account = assistant.ask("Summarise the Riverton council's debates on the bridge budget.")
    assert len(account.passages) == STORY_PASSAGES  # and so may the later articles an account tells
