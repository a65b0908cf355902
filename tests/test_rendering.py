"""The chat's HTML for an answer: what a reader of the page is told."""

from helpers import passage

from assistant.citations import Answer, Citation
from assistant.rendering import answer_html, plain_text, sources_panel

CITE = Citation(1, "a.txt", "Harbour news", "The harbour master is Lena Ortiz.", 10, 43, 5.0)


def test_an_llm_answer_that_fell_back_says_so():
    answer = Answer("Who is the harbour master?", "Lena Ortiz — “The harbour master is Lena Ortiz.” [1]", False, [CITE],
                    answerer="llama", short="Lena Ortiz", generation={"output": "yes", "fallback": True})
    page = answer_html(answer)
    assert "llama model’s answer could not be checked against the sources; showing the quoted answer" in page
    failed = Answer(answer.question, answer.answer, False, [CITE], answerer="openai", short="Lena Ortiz",
                    generation={"output": "", "error": "ConnectError: refused", "fallback": True})
    assert "openai model’s answer could not run; showing the quoted answer" in answer_html(failed)


def test_a_checked_llm_answer_and_the_reader_carry_no_such_note():
    checked = Answer("Who is the harbour master?", "Lena Ortiz is the harbour master [1]", False, [CITE], answerer="llama",
                     generation={"output": "Lena Ortiz is the harbour master [1]", "fallback": False})
    reader = Answer("Who is the harbour master?", "Lena Ortiz — “…” [1]", False, [CITE], short="Lena Ortiz")
    assert 'class="fallback"' not in answer_html(checked) + answer_html(reader)


def test_an_abstention_is_one_plain_statement_with_the_nearest_articles():
    passages = [passage("a.txt", title="Harbour news", url="https://example.org/harbour"),
                passage("a.txt", title="Harbour news"),
                passage("b.txt", title="Mill fire <b>", url="javascript:alert(1)")]
    answer = Answer("Who won the cup?", "Not in the corpus: …", True, [], passages=passages, searched=41)
    page = answer_html(answer)
    assert page.count("found no passage") == 1 and "I searched 41 articles for “Who won the cup?”" in page
    assert '<a href="https://example.org/harbour"' in page and "javascript" not in page
    assert "Nearest articles:" in page and page.count("Harbour news") == 1 and "&#60;b&#62;" in page


def test_the_direct_answer_leads_and_the_copy_text_is_plain():
    passages = [passage("a.txt", "Intro. The harbour master is Lena Ortiz. More text.", title="Harbour news", end=60,
                        outlet="The Gazette", published="2024-06-30")]
    answer = Answer("Who is the harbour master?", "Lena Ortiz — “…” [1]", False, [CITE], short="Lena Ortiz",
                    passages=passages)
    page = answer_html(answer, "t1")
    assert page.index('<div class="direct">Lena Ortiz</div>') < page.index('<blockquote class="evidence">')
    assert "is <mark>Lena Ortiz</mark>." in page  # the whole sentence, the answer marked, no clipping "…"
    assert 'href="#source-t1-1"' in page and "The Gazette · 30 Jun 2024" in page  # the chip and its popover
    assert plain_text(answer) == ("Lena Ortiz\n\n“The harbour master is Lena Ortiz.” [1]\n\n"
                                  "[1] Harbour news — The Gazette, 30 Jun 2024")
    assert 'data-copy="Lena Ortiz&#10;&#10;“The harbour master is Lena Ortiz.” [1]' in page


def test_source_cards_say_words_not_scores_and_a_pending_panel_is_empty():
    cited = passage("a.txt", "Intro. The harbour master is Lena Ortiz. More text.", title="Harbour news", end=60,
                    score=1.73, best_coverage=0.9)
    other = passage("b.txt", "The mill burned on Sunday night.", title="Mill fire", end=30, score=-2.5,
                    best_coverage=0.45)
    answer = Answer("Who is the harbour master?", "Lena Ortiz [1]", False, [CITE], short="Lena Ortiz",
                    passages=[other, cited])
    panel = sources_panel(answer, "t1")
    assert panel.index("Harbour news") < panel.index("Mill fire")  # cited first
    assert "cited [1]" in panel and "quoted" in panel and "partial match" in panel
    assert "1.73" not in panel and "-2.5" not in panel and "score" not in panel
    assert 'id="source-t1-1"' in panel and "src-snippet" in panel
    assert "Mill fire" not in sources_panel(answer, pending=True)


def test_a_confident_and_an_unsure_answer_look_different_and_say_so_in_words():
    confident = Answer("Who is the harbour master?", "Lena Ortiz — “…” [1]", False, [CITE], short="Lena Ortiz",
                       confidence=0.91, band="confident")
    unsure = Answer("Who is the harbour master?", "Not sure — the closest passage says: Lena Ortiz — “…” [1]", False,
                    [CITE], short="Lena Ortiz", confidence=0.42, band="unsure")
    sure_page, unsure_page = answer_html(confident), answer_html(unsure)
    assert 'class="band confident"' in sure_page and "Confident · 91% likely right" in sure_page
    assert "Not sure" not in sure_page
    assert "Not sure — the closest passage says:" in unsure_page and 'class="direct unsure"' in unsure_page
    assert 'class="band unsure"' in unsure_page and "42% likely right" in unsure_page
    assert plain_text(unsure).startswith("Not sure — the closest passage says: Lena Ortiz")
    assert 'class="band' not in answer_html(Answer("q", "Lena Ortiz — “…” [1]", False, [CITE], short="Lena Ortiz"))


def test_an_article_read_in_several_passages_is_one_card_linking_to_the_whole_article():
    body = "Intro. The harbour master is Lena Ortiz. More text."
    first = passage("a.txt", body, title="Harbour news", start=3, outlet="The Gazette", published="2024-06-30")
    second = passage("a.txt", "Later, the harbour reopened.", title="Harbour news", start=300, outlet="The Gazette",
                     published="2024-06-30")
    weird = passage('x"><script>.txt', "The mill burned.", title="Mill <i>fire</i>", start=0)
    cite = Citation(1, "a.txt", "Harbour news", "The harbour master is Lena Ortiz.", 10, 43, 5.0)
    answer = Answer("Who is the harbour master?", "Lena Ortiz [1]", False, [cite], short="Lena Ortiz",
                    passages=[second, weird, first])
    panel = sources_panel(answer, "t1")
    assert panel.count("<details") == 2 and panel.count("Harbour news") == 1  # one card per article
    assert "Intro. <mark>The harbour master is Lena Ortiz.</mark> More text." in panel  # marked by offsets
    assert panel.index("Intro.") < panel.index("Later, the harbour")  # in the article's order
    assert 'href="/articles/a.txt?start=10&amp;end=43#cited"' in panel and "The Gazette · 30 Jun 2024" in panel
    assert "<script>" not in panel and "<i>" not in panel and 'href="/articles/x%22%3E%3Cscript%3E.txt"' in panel


def test_a_refusal_does_not_reprint_a_pasted_paragraph():
    pasted = "Who won? " + "The council met for hours and discussed the harbour levy at length. " * 8
    answer = Answer(pasted, "Not in the corpus: …", True, [], searched=2)
    page = answer_html(answer)
    assert "I searched 2 articles for “Who won? The council met" in page and " …”" in page
    assert page.count("harbour levy") <= 1 and len(page) < 1200
