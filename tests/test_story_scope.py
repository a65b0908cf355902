"""Which articles a story question is about: an article covers the question when it names what the question names,
by date, by acronym or spelled out, and says most of what it asks about."""

from helpers import passage

from assistant.story_scope import covers, dated
from assistant.text import initials, spelled


def test_an_article_s_month_counts_as_named_by_the_question():
    assert dated("2007-09-14") == "2007 09 14 September" and dated(None) == "" and dated("2007") == "2007"
    loan = passage("rock.md", "Northern Rock received emergency loans from the Bank of England.", published="2007-09-14")
    assert covers("Tell me about the Bank of England's loan to Northern Rock in September 2007", loan, loan.text)
    assert not covers("Tell me about the Bank of England's loan to Northern Rock in March 2007", loan, loan.text)


def test_a_name_is_said_by_its_acronym_and_an_acronym_by_the_name_spelled_out():
    assert initials("The Australian Wheat Board paid the Movement for Democratic Change, not the EU") == {
        "awb": {"australian", "wheat", "board"}, "mdc": {"movement", "democratic", "change"}}
    assert spelled("Tell me about the Australian Wheat Board", "AWB paid", {"awb", "paid"}) == {"australian", "wheat", "board"}
    assert spelled("What did the AWB pay?", "The Australian Wheat Board paid", set()) == {"awb"}
    assert spelled("What did the AWB pay?", "The board paid", {"the", "board", "paid"}) == set()


def test_an_article_naming_the_question_s_organisation_by_its_acronym_covers_it():
    report = passage("awb.md", "The Cole Inquiry found that AWB paid kickbacks to Iraq.", published="2006-11-27")
    assert covers("Tell me about the Cole Inquiry report into the Australian Wheat Board", report, report.text)
    assert not covers("Tell me about the Cole Inquiry report into the Australian Dairy Board", report, report.text)
