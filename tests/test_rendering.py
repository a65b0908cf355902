"""The chat's HTML for an answer: what a reader of the page is told."""

from assistant.citations import Answer, Citation
from assistant.rendering import answer_html

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
    passages = [{"title": "Harbour news", "source": "a.txt", "url": "https://example.org/harbour"},
                {"title": "Harbour news", "source": "a.txt"},
                {"title": "Mill fire <b>", "source": "b.txt", "url": "javascript:alert(1)"}]
    answer = Answer("Who won the cup?", "Not in the corpus: …", True, [], passages=passages, searched=41)
    page = answer_html(answer)
    assert page.count("found no passage") == 1 and "I searched 41 articles for “Who won the cup?”" in page
    assert '<a href="https://example.org/harbour"' in page and "javascript" not in page
    assert "Nearest articles:" in page and page.count("Harbour news") == 1 and "&#60;b&#62;" in page
