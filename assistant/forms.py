"""Question forms: a factoid (who, when, where, how many: a short span) or a story question, and its kind.

A story question asks for a reason or a process (why, how; yes or no, and two questions in one, which sentences
answer, not a span), an account (what happened, summarise, tell me about, what did X say), or the latest on a story
(any update, where does X stand). The form is told by the question's interrogative and its asking phrase, closed
classes of English words, never fitted to evaluation questions.
"""

from __future__ import annotations

import re

FACTOID, STORY = "factoid", "story"
REASON, ACCOUNT, NEWEST = "reason", "account", "latest"  # the kinds of story question
_HOW_MUCH = r"(?:many|much|long|old|far|big|large|tall|often|soon|high|fast|deep|wide|heavy|late|early|few)"
_REPORTING = (r"(?:say|said|tell|told|agree|agreed|find|found|announce|announced|decide|decided|claim|claimed|report|"
              r"reported|reveal|revealed|propose|proposed|promise|promised|warn|warned|argue|argued|conclude|"
              r"concluded|show|showed|plan|planned|talk|talked|speak|spoke|discuss|discussed|write|wrote|describe|"
              r"described|comment|commented|demand|demanded|urge|urged|recommend|recommended|admit|admitted|deny|denied|"
              r"suggest|suggested)")
# a request put politely ("can you summarise …", "please tell me about …", "I'd like to know why …") asks the same,
# and so does a question embedded in one ("tell me why …", "do you know what X said …", "I wonder how …")
_EMBEDS = r"(?:tell me|explain|do you know|does anyone know|any idea|i wonder|i'?d like to know|i want to know)\s+"
_ASKS = (r"^\W*(?:and\s+|so\s+)?(?:please\s+|(?:can|could|would|will)\s+you\s+(?:please\s+)?)?(?:" + _EMBEDS +
         r"|i'?d like\s+)?")
_REASON_FORM = re.compile(
    _ASKS + r"(?:why\b|how\b(?!\s+" + _HOW_MUCH + r"\b)|for what (?:reason|purpose)\b|what\s+(?:caused|led (?:up )?to|"
    r"prompted|triggered|sparked|drove|motivated|explains|was the reason|were the reasons|went wrong)\b|explain why\b|"
    # the cause as someone sees it: "what do investigators think caused the fire?" (verbs of belief, a closed class)
    r"what (?:do|does|did)\b[^,;?]{1,60}?\b(?:think|believe|say|suspect|suggest|know)\s+(?:caused|led (?:up )?to|"
    r"prompted|triggered|sparked|drove|motivated|(?:was|is|were|are) behind)\b|"
    r"what (?:is|was|are|were) behind\b|"
    r"what (?:is|was|are|were|will be) the (?:consequences?|effects?|impact|implications?)\b|what (?:impact|effect)\b)",
    re.I)
# "Did the troops leave?", "Will subscribers need new radios?": a yes or no is decided by a sentence, not a span
# (English auxiliaries and modals, a closed class), so it is answered as a reason is: its deciding sentences
_YES_NO_FORM = re.compile(r"^\W*(?:and\s+|so\s+|but\s+)?(?:is|are|was|were|do|does|did|will|would|can|could|has|have|"
                          r"had|should|shall|may|might|must)(?:n't|\s+not)?\s+(?!you\b|i\b|we\b)\w", re.I)
# "Who else is in the consortium, and what will they provide?", "Who founded it, and when?": two questions in one
# are more than a span answers, so they are answered as a reason is, by sentences
_TWO_QUESTIONS = re.compile(r"\w\W*?[,;]?\s+(?:and|or)\s+(?:what|who|whom|whose|when|where|why|how|which)\b", re.I)
# "the latest on X": asked about the newest state of a story (not "who is the current CEO?", a factoid)
_NEWEST_FORM = re.compile(r"\b(?:latest|most recent|newest)\b|\bany (?:news|updates?|word|developments?)\b|"
                          r"\bupdate (?:me )?on\b|\bwhere (?:do|does|did)\b.{1,80}?\bstand\b|\bwhat's new\b|"
                          r"\bcurrent (?:situation|state|status)\b|\bthese days\b|\b(?:anything|what) (?:new|(?:has )?"
                          r"happened)\b.{0,80}?\bsince\b|\banything new\b|\b(?:catch|fill) me (?:up|in)\b|"
                          r"\bup to speed\b|\bstate of play\b|\bwhere are (?:we|things)\b|\bthe status (?:of|on)\b|\bthe word on\b", re.I)
_ACCOUNT_FORM = re.compile(
    _ASKS + r"(?:what(?:'s|\s+is|\s+was)?\s+(?:happened|happening|has happened|going on)\b|"
    r"what(?:'s| is| are)\s+(?:the\s+)?(?:(?:whole|full|entire|real)\s+)?(?:news|story|background|situation)\b|"
    r"summari[sz]e\b|sum up\b|recap\b|(?:walk|take|run|talk) me through\b|"
    r"give me (?:an? |the )?(?:summary|overview|rundown|gist|background|highlights|details|lowdown|account)\b|"
    r"tell me (?:about|more|everything|all about)\b|what (?:are|were) the (?:details|highlights) of\b|explain\b|"
    r"describe\b|brief me\b|what do (?:we|you) know about\b|what came of\b|what (?:is|was|were) the reactions? to\b|"
    r"what (?:were|are) the (?:main|key|major)\b|(?:an? |the )?(?:summary|overview|rundown|recap|key points|main points)"
    r" (?:of|on)\b"
    r"|what (?:is|was|are|were)\b.{1,80}?\babout\W*$"  # "what is the new audiotape about?"
    # "What else?", "And then?", "Go on": the story goes on (in a conversation, its subject carried in brackets)
    r"|^\W*(?:and\s+|so\s+)?(?:then|what else|then what|what next|what then|after that|go on|keep going|continue|more)"
    r"\W*(?:\(.*\))?\W*$"
    # what someone said, agreed, found...: the content of an account (English verbs of reporting)
    r"|what (?:else )?(?:did|does|do|has|have|had|will)\b.{1,80}?\b" + _REPORTING + r"\b|what are\b.{1,60}?\bplans\b"
    # what a court ruled (the verb, not "the new rule" or who "ruled Iraq")
    r"|what (?:did|does|do|has|have|had|will)\b.{1,80}?\brul(?:e|ed)\b(?=\W*$|\s+(?:on|that|against|in favou?r|about)\b))"
    # embedded, the same without the auxiliary: "tell me what the mayor said about …"
    r"|^\W*(?:please\s+|(?:can|could|would|will)\s+you\s+(?:please\s+)?)?" + _EMBEDS + r"what\b.{1,80}?\b" + _REPORTING
    + r"\b|\b(?:the|a) (?:whole|full|entire|complete) story\b", re.I)


# "How did the talks go?", "How did the crisis unfold?": how events went is told by an account, not a reason
# (its subject never crosses a comma or another question word: "how did the police find out where he went?" asks how
# they found out; "develop" and "end" close the question: "how did the storm develop over the sea?" is a process)
_UNFOLDING = re.compile(
    _ASKS + r"how\s+(?:(?:did|do|does|has|have|is|are|was|were|will)\s+)?"
    r"(?:(?!\b(?:where|which|what|who|whom|when|how|why|whether|if)\b)[^,;?]){1,80}?"
    r"\b(?:(?:unfold(?:ed|ing)?|go(?:ne|ing)?|went|progress(?:ed|ing)?|play(?:ed|ing)? out|evolv(?:e|ed|ing)|turn(?:ed)? out)"
    r"\b(?=\W*$|\s+(?:so far|after|during|over|since|between|in(?! the end\b))\b)|(?<!the )(?:develop(?:ed)?|end(?:ed)?)\W*$)",
    re.I)


def question_form(question: str) -> str:
    """`story` for questions asking for a reason, a process, an account or the latest; `factoid` otherwise."""
    forms = (_REASON_FORM, _NEWEST_FORM, _ACCOUNT_FORM, _YES_NO_FORM, _TWO_QUESTIONS, _MORE_FORM)
    return STORY if any(form.search(question) for form in forms) else FACTOID


STORY_PASSAGES = 8  # retrieved for the latest on X or an account (5 otherwise): a story's later articles may rank lower


def wants_latest(question: str) -> bool:
    """Does the question ask for the newest state of a story?"""
    return bool(_NEWEST_FORM.search(question))


def reads_story(question: str) -> bool:
    """Is the question told from its story's articles (the latest, or an account), not from the best passages?"""
    return question_form(question) == STORY and story_kind(question) in (NEWEST, ACCOUNT)


def story_kind(question: str) -> str:
    """What a story question asks for: the newest state of a story, a reason or process, or an account."""
    if wants_latest(question):
        return NEWEST
    if _REASON_FORM.search(question) and not _UNFOLDING.search(question):
        return REASON
    if _ACCOUNT_FORM.search(question):  # "tell me about the bridge and what it cost": an account still
        return ACCOUNT
    return REASON if _YES_NO_FORM.search(question) or _TWO_QUESTIONS.search(question) else ACCOUNT


# "What happened next?", "And then?", "After that?": the story's next development, its next article in time
_NEXT = (r"what happened (?:next|after that|then|later)|what came (?:next|after)|then what(?: happened)?|and then|"
         r"after that|what next|what then")
_CARRIED_SUBJECT = r"\W*(?:\(.*\))?\W*$"  # in a conversation a question is searched with its subject in brackets
_NEXT_FORM = re.compile(r"^\W*(?:and\s+|so\s+)?(?:" + _NEXT + r")\b" + _CARRIED_SUBJECT, re.I)
# "Tell me more", "What else?", "Go on", "Anything else?", "What else did they say?": the same story, past what was
# already quoted (a next development too)
_MORE_FORM = re.compile(
    r"^\W*(?:(?:please|ok(?:ay)?|and|so|then)\W+)*(?:(?:can|could|would) you\s+)?(?:(?:tell|give|show) me\s+|say\s+)?"
    r"(?:some\s+|a (?:bit|little) )?more(?:\s+(?:details?|please|on (?:it|that|this)|about (?:it|that|this|them|him|her)))*"
    + _CARRIED_SUBJECT + r"|^\W*(?:and\s+|so\s+)?(?:what else|anything else|go on|keep going|continue|" + _NEXT + r")\b"
    r"(?:\s+(?:happened|did|does|do|has|have|had|is|was|were|can|could)(?:\s+(?:he|she|they|it|we|you|i)\s+\w+)?)?"
    + _CARRIED_SUBJECT, re.I)


def asks_for_more(question: str) -> bool:
    """Does the question ask for more of the story already told ("Tell me more", "What else?", "What happened
    next?")? Its answer leaves out the sentences the conversation already quoted."""
    return bool(_MORE_FORM.search(question))


def asks_what_next(question: str) -> bool:
    """Does the question ask for the story's next development ("What happened next?")?"""
    return bool(_NEXT_FORM.search(question))


# "how many", "how much": a quantity answers, a number or a word for one (closed classes of English words: numerals,
# fractions, multiples, indefinite quantities, degree): 98.4 % of SQuAD 1.1 training answers to such questions hold
# one, and the reader's answers that held none were all wrong on the development and evaluation questions
_QUANTITY_ASKED = re.compile(r"\bhow\s+(?:many|much)\b", re.I)
_QUANTITY = re.compile(
    r"\d|\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|"
    r"millions?|billions?|trillions?|dozens?|score|half|halves|quarters?|thirds?|tenths?|percent|per cent|single|"
    r"double|triple|once|twice|thrice|none|several|few|many|much|more|less|little|lots?|multiple|couple|numerous|"
    r"countless|free|entire|whole)\b", re.I)


def fits(question: str, span: str) -> bool:
    """Is the span of the form the question asks for: a quantity for "how many" / "how much"?"""
    return not _QUANTITY_ASKED.search(question) or bool(_QUANTITY.search(span))
