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


def test_an_article_early_in_a_month_may_report_an_event_of_the_month_before():
    assert dated("2006-11-02") == "2006 11 02 November 2006 October"
    assert dated("2007-01-07") == "2007 01 07 January 2006 December"  # across a year
    assert dated("2006-11-08") == "2006 11 08 November"  # a week on, it is of its own month
    ejected = passage("stark.md", "A blogger, Mike Stark, was ejected from the rally.", published="2006-11-02")
    assert covers("What happened to Mike Stark at the rally in October 2006?", ejected, ejected.text)
    assert not covers("What happened to Mike Stark at the rally in September 2006?", ejected, ejected.text)
    later = passage("stark.md", ejected.text, published="2006-11-15")
    assert not covers("What happened to Mike Stark at the rally in October 2006?", later, later.text)


def test_a_title_is_said_abbreviated_or_whole():
    from assistant.text import named

    signed = passage("maine.md", "Gov. John Baldacci of Maine signed the gay rights bill.", published="2005-03-31")
    assert covers("Why did Maine Governor John Baldacci sign the gay rights bill?", signed, signed.text)
    assert not covers("Why did Maine Senator John Baldacci sign the gay rights bill?", signed, signed.text)
    assert named({"sen", "allen"}, {"senator", "george", "allen"}) == {"sen", "allen"}  # the other way round
    assert named({"governor"}, {"go", "govern"}) == set()


def test_a_name_is_said_by_its_acronym_and_an_acronym_by_the_name_spelled_out():
    assert initials("The Australian Wheat Board paid the Movement for Democratic Change, not the EU") == {
        "awb": {"australian", "wheat", "board"}, "mdc": {"movement", "democratic", "change"}}
    assert spelled("Tell me about the Australian Wheat Board", "AWB paid", {"awb", "paid"}) == {"australian", "wheat", "board"}
    assert spelled("What did the AWB pay?", "The Australian Wheat Board paid", set()) == {"awb"}
    assert spelled("What did the AWB pay?", "The board paid", {"the", "board", "paid"}) == set()


def test_a_question_over_several_years_is_covered_by_an_article_of_any_of_them():
    """"Musharraf's fall from power in 2007 and 2008": no one article names both years; each names one."""
    quits = passage("quits.md", "Musharraf gave up power as army chief.", published="2007-11-29")
    resigns = passage("resigns.md", "Musharraf resigned from power as president.", published="2008-08-18")
    older = passage("coup.md", "Musharraf took power in a coup.", published="1999-10-12")
    question = "Recap Pervez Musharraf's fall from power in 2007 and 2008"
    assert covers(question.replace("Pervez ", ""), quits, quits.text) and covers(question.replace("Pervez ", ""), resigns, resigns.text)
    assert not covers(question.replace("Pervez ", ""), older, older.text)  # published in neither year
    looking = passage("ahead.md", "Musharraf may lose power in the 2008 vote.", published="2005-06-01")
    assert not covers(question.replace("Pervez ", ""), looking, looking.text)  # naming a year is not being of it
    assert not covers(question, quits, quits.text)  # every other name still counts


def test_an_account_tells_its_article_then_how_the_story_went_on_oldest_first():
    from assistant.story_scope import developments

    texts = {"start.md": "Riots broke out in Paris's suburbs.", "spread.md": "The riots in Paris's suburbs spread.",
             "curfew.md": "Curfews ended the riots in Paris's suburbs.", "before.md": "Paris's suburbs riots feared.",
             "same.md": "Riots broke out in Paris's suburbs, police said."}
    dates = {"start.md": "2005-10-28", "spread.md": "2005-11-03", "curfew.md": "2005-11-14", "before.md": "2005-10-01",
             "same.md": "2005-10-28"}
    start, spread, curfew, before, same = (passage(s, t, published=dates[s]) for s, t in texts.items())
    question = "Summarise the riots in Paris's suburbs"
    told = developments(question, [start, curfew, before, spread], start, texts)
    assert [p.source for p in told] == ["start.md", "spread.md", "curfew.md"]  # not the earlier one, in time order
    assert [p.source for p in developments(question, [start, spread, curfew], start, texts, most=2)] == [
        "start.md", "curfew.md"]  # the newest always, though it ranks last
    assert developments(question, [start, spread, curfew], start, texts, most=1) == [start]
    assert developments(question, [curfew, start, spread], curfew, texts) == [curfew]  # nothing came after
    assert developments(question, [start, same], start, texts) == [start]  # one day's versions tell one event


def test_an_article_naming_the_question_s_organisation_by_its_acronym_covers_it():
    report = passage("awb.md", "The Cole Inquiry found that AWB paid kickbacks to Iraq.", published="2006-11-27")
    assert covers("Tell me about the Cole Inquiry report into the Australian Wheat Board", report, report.text)
    assert not covers("Tell me about the Cole Inquiry report into the Australian Dairy Board", report, report.text)


def test_the_story_is_told_from_the_first_article_about_what_the_question_asks():
    from assistant.story_scope import about

    quake = passage("quake.md", "A 5.2 earthquake shook Puerto Rico on Saturday.", published="2020-01-25")
    crisis = passage("crisis.md", "Puerto Rico's governor resigned in a crisis over leaked chats.", published="2019-08-02")
    texts = {p.source: p.text for p in (quake, crisis)}
    assert about("Summarise the Puerto Rico governor crisis of 2019", [quake, crisis], texts) is crisis
    assert about("Summarise the Puerto Rico transit strike", [quake, crisis], texts) is None


def test_a_later_article_naming_the_question_s_place_but_not_what_it_asks_is_another_story():
    from assistant.story_scope import newest, same_story

    texts = {"riots.md": "Riots spread across France for a tenth night.",
             "calm.md": "The riots in France calmed as curfews took hold.",
             "pensions.md": "France's parliament passed a pension law."}
    riots, calm, pensions = (passage(s, t, published=d) for (s, t), d in zip(texts.items(), ("2005-11-05", "2005-11-14",
                                                                                                 "2007-11-28")))
    story = same_story("What's the latest on the riots in France?", [riots, pensions, calm], riots, texts)
    assert [p.source for p in story] == ["riots.md", "calm.md"] and newest(story, riots).source == "calm.md"


def test_a_newer_article_naming_the_story_without_telling_it_is_pointed_to():
    """"Say when the cited article is not the newest one that mentions the story": the latest quotes the newest
    article of the story; a newer one that names it (here in passing) is named after the quotes."""
    from assistant.story_scope import newer_mention

    story = passage("riots.md", "Riots in France entered their third week.", published="2005-11-14")
    passing = passage("vote.md", "France's president said he would not run again.", published="2007-03-11",
                      title="Chirac will not run again")
    older = passage("start.md", "Riots broke out in France.", published="2005-10-28")
    texts = {p.source: p.text for p in (story, passing, older)}
    assert newer_mention("What's the latest on the riots in France?", story, [story, older, passing], texts) is passing
    assert newer_mention("What's the latest on the riots in France?", passing, [story, passing], texts) is None
    assert newer_mention("What's the latest on the riots?", story, [story, passing], texts) is None  # names nothing


def test_a_question_s_names_are_told_as_it_writes_them():
    from assistant.text import named_phrases

    assert named_phrases("Has anything happened with Felix Kulov since the Kyrgyz revolt?") == "Felix Kulov and Kyrgyz"
    assert named_phrases("What's new with the Bank of England and Northern Rock's loan?") == (
        "Bank of England and Northern Rock")
    assert named_phrases("What's the latest on the riots?") == ""


def test_an_account_of_one_year_s_event_is_told_from_an_article_of_that_year():
    from assistant.story_scope import of_year

    recalled = passage("sale.md", "The BBC strike of June 2005 delayed the sale of BBC Resources.", published="2007-11-08")
    strike = passage("strike.md", "BBC staff went on strike today over job cuts.", published="2005-05-23")
    texts = {p.source: p.text for p in (recalled, strike)}
    question = "What happened with the BBC strike in 2005?"
    assert of_year(question, recalled, [recalled, strike], texts) is strike
    assert of_year(question, strike, [recalled, strike], texts) is strike
    assert of_year("What happened with the BBC strike?", recalled, [recalled, strike], texts) is recalled  # no year
    assert of_year("What happened with the BBC strike in 2006?", recalled, [recalled, strike], texts) is recalled


def test_an_account_of_one_year_s_event_goes_on_within_that_year():
    """"The 2005 riots": a 2006 article naming them tells their anniversary, not how they went on."""
    from assistant.story_scope import developments

    texts = {"start.md": "Riots broke out in Paris's suburbs in 2005.", "spread.md": "The 2005 riots in Paris's suburbs spread.",
             "new-year.md": "The 2005 riots in Paris's suburbs ended with 200 cars burnt on New Year's Eve.",
             "anniversary.md": "A year after the 2005 riots in Paris's suburbs, buses burnt again."}
    dates = {"start.md": "2005-10-28", "spread.md": "2005-11-03", "new-year.md": "2006-01-02",
             "anniversary.md": "2006-10-27"}
    start, spread, new_year, anniversary = (passage(s, t, published=dates[s]) for s, t in texts.items())
    ranked = [start, anniversary, spread, new_year]
    told = developments("What happened in the 2005 riots in Paris's suburbs?", ranked, start, texts)
    assert [p.source for p in told] == ["start.md", "spread.md", "new-year.md"]  # the next year's first week reports
    told = developments("What happened in the riots in Paris's suburbs?", ranked, start, texts)
    assert [p.source for p in told] == ["start.md", "spread.md", "new-year.md", "anniversary.md"]  # no year: all


def test_a_people_named_in_the_plural_is_said_by_its_place_and_by_its_adjective():
    """"Romanians" is said by "Romania" and by "Romanian journalists" (only the place said it before)."""
    from assistant.text import named, plain_words

    for text in ("Romania's government said so.", "The three Romanian journalists were freed.",
                 "Romanians rallied in Bucharest."):
        assert named({"romanians"}, plain_words(text)) == {"romanians"}, text
    assert named({"haitians", "iraqis"}, plain_words("Haitian and Iraqi officials met.")) == {"haitians", "iraqis"}
    assert not named({"romanians"}, plain_words("Rome's mayor spoke."))
