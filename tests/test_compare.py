"""Compare questions: split into their sides, each side answered on its own, side by side, a missing side said."""

import pytest

from assistant.citations import Answer, Citation
from assistant.rendering import answer_html


@pytest.mark.parametrize("question, expected", [
    ("Compare Barclays' and Time Warner's annual profits", ("Barclays' annual profits", "Time Warner's annual profits")),
    ("Compare the profits of Barclays and Time Warner", ("profits of Barclays", "profits of Time Warner")),
    ("What is the difference between Labour and the Conservatives on tax?", ("Labour on tax", "the Conservatives on tax")),
    ("Compare the 2004 and 2008 US presidential elections",
     ("2004 US presidential elections", "2008 US presidential elections")),  # years name sides too
    ("Compare the cars torched in France on the 18th night with the previous week's peak",  # one side named
     ("cars torched in France on the 18th night", "the previous week's peak")),
    ("Compare the first and second quarters at Barclays", None),  # "the first" is no side of its own
    ("Compare inflation and unemployment in the UK", None),
    ("Who won the cup?", None), ("Compare the two bridges", None)])
def test_a_compare_question_is_split_into_its_two_sides(question, expected):
    from assistant.compare import sides

    assert sides(question) == expected


@pytest.mark.parametrize("question, expected", [
    ("How did the union and Mayor Ben Stone react differently to the bridge closure?",
     ["How did the union react to the bridge closure?", "How did Mayor Ben Stone react to the bridge closure?"]),
    ("What did Labour and the Conservatives each say about the tax rise?",
     ["What did Labour say about the tax rise?", "What did the Conservatives say about the tax rise?"]),
    ("Compare what Barclays and its auditors said about the loss",
     ["Tell me what Barclays said about the loss", "Tell me what its auditors said about the loss"]),  # embedded
    ("How did the council and Ada Park differ over the repairs?",
     ["How did the council stand on the repairs?", "How did Ada Park stand on the repairs?"]),
    ("How did the bridge's cost compare with the ferry's?",
     ["Tell me about the bridge's cost", "Tell me about the ferry's cost"]),  # accounts; "the ferry's": its cost
    ("How did Ada Park's campaign spending compare with Ben Stone's?",  # the same thing of the other owner
     ["Tell me about Ada Park's campaign spending", "Tell me about Ben Stone's campaign spending"]),
    ("How does the size of the original hotel plan compare to the version resubmitted in July?",
     ["Tell me about the size of the original hotel plan", "Tell me about the version resubmitted in July"]),
    ("How did the punishment Gillian Gibbons faced compare with what she was given?",  # Y leans on X's names
     ["Tell me about the punishment Gillian Gibbons faced", "Tell me about what she was given (Gillian Gibbons)"]),
    ("Compare Barclays' and Time Warner's annual profits",  # each side an account too, not "What about X?"
     ["Tell me about Barclays' annual profits", "Tell me about Time Warner's annual profits"]),
    ("Compare the cars torched in France on the 18th night with the previous week's peak",
     ["Tell me about cars torched in France on the 18th night", "Tell me about the previous week's peak (France 18th)"]),
    ("What did Toyota and Tesla agree to build?", None)])  # two parties, no comparison: one account
def test_a_question_about_two_parties_with_a_word_of_comparison_is_asked_once_per_party(question, expected):
    from assistant.compare import split

    found = split(question)
    assert (found and [side.question for side in found]) == expected


def test_a_compare_answer_puts_the_sides_side_by_side_and_says_which_the_corpus_lacks(seed_assistant):
    answer = seed_assistant.ask("Compare Gloria Allred and Svetlana Zemko on the Baldwin case")
    lines = answer.answer.split("\n")
    if answer.band == "unsure":  # it opens as any unsure answer does, on a line of its own
        assert lines.pop(0) == "Not sure — the closest passages say:"
    assert answer.form == "compare" and len(lines) == 2
    assert lines[0].startswith("Gloria Allred on the Baldwin case: ")
    assert lines[1].startswith("Svetlana Zemko on the Baldwin case: ")
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for line in lines:
        assert line.endswith("the corpus does not say.") or "[" in line
    page = answer_html(answer, "t")
    assert page.count('class="compare-side"') == 2 and ('class="unsure-note"' in page) == (answer.band == "unsure")


def test_how_did_x_compare_with_y_tells_each_side_from_its_own_article(bridge):
    """Each side is an account of its own article, the month a side names matched to its article's date: it used to
    be refused as one reason question no sentence answers."""
    answer = bridge.ask("How did the Riverton bridge's opening in February 2023 compare with its reopening in June 2024?")
    lines = answer.answer.split("\n")[answer.band == "unsure":]
    assert answer.form == "compare" and not answer.abstained and len(lines) == 2
    assert lines[0].startswith("the Riverton bridge's opening in February 2023: ") and "old.md" == answer.citations[0].source
    assert lines[1].startswith("its reopening in June 2024: ") and "new.md" in {c.source for c in answer.citations}


def test_a_side_without_an_answer_says_so_and_two_refusals_refuse():
    from assistant.compare import UNKNOWN, compare_answer

    cite = Citation(1, "a.txt", "Bank results", "Barclays made £3.3bn.", 0, 21, 0.9)
    yes = Answer("What about Barclays' profits?", "£3.3bn — “Barclays made £3.3bn.” [1]", False, [cite],
                 short="£3.3bn", confidence=0.9, band="confident")
    no = Answer("What about Time Warner's profits?", "Not in the corpus", True)
    both = compare_answer("Compare Barclays' and Time Warner's profits", (yes, no), ("Barclays' profits", "Time Warner's profits"))
    assert both.answer == ("Not sure — the closest passage says:\nBarclays' profits: £3.3bn — “Barclays made £3.3bn.” [1]"
                           f"\nTime Warner's profits: {UNKNOWN}")  # one side missing: unsure, and it says so
    assert both.band == "unsure" and not both.abstained
    assert compare_answer("Compare A and B", (no, no), ("A", "B")).abstained


def test_a_sentence_both_sides_quote_is_quoted_once_and_pointed_to():
    from assistant.compare import NOTHING_ELSE, compare_answer

    pardon = Citation(1, "a.txt", "Pardoned", "She was sentenced to 15 days, then pardoned.", 0, 44, 0.5)
    home = Citation(2, "b.txt", "Home", "She is back home.", 0, 17, 0.5)
    faced = Answer("Tell me about the punishment she faced", "…", False, [pardon], confidence=0.5, band="unsure")
    given = Answer("Tell me about the sentence she was given", "…", False, [pardon, home], confidence=0.5, band="unsure")
    both = compare_answer("How did the punishment she faced compare with the sentence she was given?", (faced, given),
                          ("the punishment she faced", "the sentence she was given"))
    assert both.answer.split("\n") == ["Not sure — the closest passages say:",
                                        "the punishment she faced: “She was sentenced to 15 days, then pardoned.” [1]",
                                        "the sentence she was given: “She is back home.” [2] (also [1] above)"]
    assert [(c.n, c.source) for c in both.citations] == [(1, "a.txt"), (2, "b.txt")]
    again = compare_answer("Compare the punishment she faced and what she was given", (given, faced),
                           ("the punishment she faced", "what she was given"))
    assert again.answer.split("\n")[1:] == [
        "the punishment she faced: “She was sentenced to 15 days, then pardoned.” [1] “She is back home.” [2]",
        f"what she was given: {NOTHING_ELSE} [1]."]  # nothing of its own: said once, not "(quoted above)" each time
    assert "(quoted above)" not in answer_html(again, "t")
