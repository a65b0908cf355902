"""Leaving a conversation while its answer is still being produced, in a real browser: New chat, the chat's trash
icon and reopening an earlier conversation cancel the answer (assistant/ui/history.py), so its later outputs
(the answer itself, or the follow-up questions checked after it shows) never bring the old conversation back
over the new one, on the page or in the browser's copy. The Timeline button waits while an answer is produced.

The clicks are made by the page itself (a MutationObserver), in the same moment the chat shows the pending answer,
a draft or the answer: a click from the test process could come after the follow-ups. The windows are made wide
enough to click in: a server of this module's own reads slowly (one thread, every retrieved passage), the
follow-ups are of an article added after the page loaded (its questions unchecked: checks are cached), and the
drafted answer is the llama answerer's (seconds of drafts; the reader's answer takes a tenth of a second here)."""

import pytest
from helpers import KEPT, app_server, ask, browser_tests

pytestmark = browser_tests

ARTICLE = """The {place} Harbour Board Elects a New Chair

The harbour board of {place} elected {p[0]} as its chair on Monday, the board's secretary {p[1]} said.
{s[0]}, a former ferry captain, replaced {p[2]}, who retired after twelve years on the board.
The new chair will oversee the dredging of the inner basin, which the engineer {p[3]} expects to cost 4 million euros.
{s[2]} told reporters in {place} that the port needed younger leadership and a new fish market.
The mayor of {place}, {p[4]}, welcomed the vote; {s[4]} had backed {s[0]} against {p[5]}, a local trawler owner.
{s[3]} said the dredging would start in May, and {s[5]} said he would stand again in four years. {s[1]} declined to comment.
"""
FINAL = ".answer:not(.streaming), .abstain, .error"
USERS = "Array.from(document.querySelectorAll('#chat [data-testid=user]')).map(m => m.innerText.trim())"
# Click `target` as soon as the chat's new reply shows `shown` (any reply, pending "…" included, when null); note
# whether the follow-up questions were there already and whether the Timeline button could be clicked.
ARM = """([shown, target]) => {
    window.__race = null;
    const chat = document.querySelector('#chat');
    const before = chat.querySelectorAll('[data-testid=bot]').length;
    const observer = new MutationObserver(() => {
        const bots = chat.querySelectorAll('[data-testid=bot]');
        const last = bots[bots.length - 1];
        const button = document.querySelector(target);
        if (bots.length <= before || (shown && !last.querySelector(shown)) || !button) return;
        observer.disconnect();
        window.__race = {followUps: !!last.querySelector('.suggestions'),
                         timeline: !document.querySelector('#timeline').disabled};
        for (const type of ['pointerdown', 'mousedown', 'pointerup', 'mouseup'])
            button.dispatchEvent(new MouseEvent(type, {bubbles: true, cancelable: true}));
        button.click();
    });
    observer.observe(chat, {childList: true, subtree: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def race_app(tmp_path_factory, embeddings):
    root = tmp_path_factory.mktemp("race")
    # one thread, every retrieved passage read: the follow-ups' checks take a second or two, not a tenth
    with app_server(root, embeddings, ASSISTANT_THREADS="1", ASSISTANT_ANSWER_PASSAGES="20", ASSISTANT_K="20") as (url, corpus):
        yield {"url": f"{url}/", "corpus": corpus, "index": root / "index"}


@pytest.fixture()
def chat(browser, race_app):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(race_app["url"])
    page.wait_for_selector("#question textarea")
    page.wait_for_selector("#examples button.suggestion", timeout=60_000)  # the landing's questions are checked
    yield page
    context.close()


def add_article(race_app, embeddings, place: str, *people: str) -> str:
    """A new article about `place` and six `people` (names of its own: a check cites the article it asks about)
    indexed under the running app, as `assistant ingest` would; returns a question it answers. Its follow-ups are
    not checked yet: six questions, one per person, for the reader to check after the answer shows."""
    from assistant import Assistant, Settings

    path = race_app["corpus"] / f"{place.lower().replace(' ', '-')}.txt"
    path.write_text(ARTICLE.format(place=place, p=people, s=[name.split()[-1] for name in people]), encoding="utf-8")
    Assistant(Settings(index_dir=race_app["index"], corpus_dir=race_app["corpus"]), embeddings=embeddings).ingest([path])
    return f"Who is the chair of the {place} harbour board?"


def offers_follow_ups(page, question: str) -> bool:
    """Asked in a new chat, does the answer get follow-up questions? (Else a test raced nothing.)"""
    page.locator("#new-chat").click()
    page.wait_for_function(f"{USERS}.length === 0")
    ask(page, question)
    return page.locator("#chat .suggestions button.suggestion").count() > 0


def race(page, question: str, shown: str | None, target: str) -> dict:
    """Ask `question` by Enter, as `ask()` does, `target` clicked by the page the moment the reply shows `shown`.

    The same event as `ask()`'s: a next question asked there waits (`trigger_mode="always_last"`) until this
    answer's event has ended, follow-ups and all, unless it was cancelled; so `ask()` after a race returns only
    once nothing of the old answer can still come, and says by what it shows whether it did. It returns once the
    page's cancel requests are answered: Gradio's page defers a question asked while one is in flight and can
    lose it (the CI's 3-minute wait; a person's next question comes later than the 0.1 s it takes)."""
    cancels = {"sent": 0, "done": 0}

    def count(key):
        def seen(request) -> None:
            if request.url.endswith("/cancel"):
                cancels[key] += 1
        return seen

    listeners = [("request", count("sent")), ("requestfinished", count("done")), ("requestfailed", count("done"))]
    for event, listener in listeners:
        page.on(event, listener)
    kept = page.evaluate(f"localStorage.getItem({KEPT!r})")
    page.evaluate(ARM, [shown, target])
    page.evaluate("""q => {
        const box = document.querySelector('#question textarea');
        box.value = q;
        box.dispatchEvent(new Event('input', {bubbles: true}));
        box.dispatchEvent(new KeyboardEvent('keypress', {key: 'Enter', bubbles: true, cancelable: true}));
    }""", question)  # the focus stays where it is: an open Earlier conversations list stays open
    page.wait_for_function("window.__race !== null", timeout=60_000)
    page.wait_for_function(f"k => localStorage.getItem({KEPT!r}) !== k", arg=kept, timeout=30_000)  # left
    for _ in range(600):  # 30 s at most
        if cancels["done"] >= cancels["sent"]:
            break
        page.wait_for_timeout(50)
    for event, listener in listeners:
        page.remove_listener(event, listener)
    return page.evaluate("window.__race")


def earlier(page, pick: bool = False) -> list[str]:
    """The questions the Earlier conversations list shows (it must list one at least); `pick` reopens the first."""
    page.locator("#question textarea").focus()  # a list left open by a pick closes, to open afresh
    page.locator("#history input").click()
    page.locator("[role=option]").first.wait_for()
    titles = [t.split(" · ", 1)[1] for t in page.locator("[role=option]").all_inner_texts()]
    if pick:
        page.locator("[role=option]").first.click()
    else:
        page.keyboard.press("Escape")
        page.locator("#question textarea").focus()
        page.locator("[role=option]").first.wait_for(state="detached")
    return titles


PEOPLE = ("Ines Varga", "Otto Lindqvist", "Tomas Brandt", "Felix Aranda", "Carla Moreno", "Jonas Kerr")


def test_new_chat_right_after_the_answer_shows_files_it_and_its_follow_ups_never_come_back(chat, race_app, embeddings):
    question = add_article(race_app, embeddings, "Marlow Bay", *PEOPLE)
    seen = race(chat, question, FINAL, "#new-chat")
    assert not seen["followUps"], "the follow-ups came before the click: this run did not race them"
    assert chat.evaluate(USERS) == []
    # the next question waits for nothing the old answer still does: it is the new chat's only one
    ask(chat, "Who is the harbour master of Fairhaven?")
    assert chat.evaluate(USERS) == ["Who is the harbour master of Fairhaven?"]
    offered = chat.locator("#chat .suggestions button").all_inner_texts()  # the new answer's own ("Tell me more")
    assert not any(name in q for q in offered for name in PEOPLE)  # the Marlow Bay follow-ups were never drawn
    chat.reload()  # the browser's copy is the new chat too
    chat.wait_for_function("document.querySelectorAll('#chat .answer').length === 1", timeout=30_000)
    assert chat.evaluate(USERS) == ["Who is the harbour master of Fairhaven?"]
    assert earlier(chat, pick=True) == [question]  # its answer had shown: filed with it, without its follow-ups
    chat.wait_for_function(f"{USERS}.length === 1 && {USERS}[0].includes('Marlow Bay')", timeout=30_000)
    assert "Ines Varga" in chat.locator("#chat .answer").first.inner_text()
    assert offers_follow_ups(chat, question)


@pytest.mark.parametrize("target", ["#new-chat", "#chat button[aria-label='Clear']"], ids=["new-chat", "trash"])
def test_leaving_while_an_answer_is_drafted_drops_it(chat, target):
    # the llama answerer drafts for seconds before its answer is checked: time enough to leave it for sure (the
    # reader's answer here is as quick as the click's way to the server)
    chat.get_by_text("Answer and retrieval settings").click()
    chat.get_by_label("Answerer").click()
    chat.get_by_role("option", name="llama").click()
    race(chat, "Who represents the Hutchins family?", ".answer.streaming", target)
    assert chat.evaluate(USERS) == []
    # the dropped answer's generation stops (LlamaAnswerer.tokens: it once held the model until collected, and this
    # waited 3 min); this answer's own reads 20 passages on one thread, slow under the whole suite's load
    ask(chat, "Who is the harbour master of Fairhaven?", timeout=180_000)
    assert chat.evaluate(USERS) == ["Who is the harbour master of Fairhaven?"]
    assert "Petra Quillfeather" in chat.locator("#sources").inner_text()  # not the dropped answer's sources
    chat.reload()
    chat.wait_for_function("document.querySelectorAll('#chat .answer').length === 1", timeout=30_000)
    assert chat.evaluate(USERS) == ["Who is the harbour master of Fairhaven?"]
    chat.locator("#new-chat").click()
    assert earlier(chat) == ["Who is the harbour master of Fairhaven?"]  # no answer had shown: nothing filed


def test_reopening_an_earlier_conversation_during_an_answer_keeps_it_open(chat, race_app, embeddings):
    ask(chat, "Who represents the Hutchins family?")
    chat.locator("#new-chat").click()
    chat.wait_for_function(f"{USERS}.length === 0")
    question = add_article(race_app, embeddings, "Kestrel Point", "Maren Holt", "Lucia Ferrante", "Pieter Sandoval",
                           "Emil Novak", "Rosa Iglesias", "Aaron Pike")
    chat.locator("#history input").click()  # the list stays open while the question is asked
    chat.locator("[role=option]").first.wait_for()
    seen = race(chat, question, FINAL, "[role=option]")
    assert not seen["followUps"], "the follow-ups came before the click: this run did not race them"
    chat.wait_for_function(f"{USERS}.length === 1 && {USERS}[0] === 'Who represents the Hutchins family?'")
    ask(chat, "Who is the harbour master of Fairhaven?", 2)
    assert chat.evaluate(USERS) == ["Who represents the Hutchins family?", "Who is the harbour master of Fairhaven?"]
    assert chat.locator("#chat .answer").count() == 2
    # the reopened one (chosen in the list), then the conversation left, with the answer it showed
    assert earlier(chat) == ["Who represents the Hutchins family?", question]
    assert offers_follow_ups(chat, question)


def test_the_timeline_waits_for_the_answer_being_produced(chat):
    ask(chat, "Who represents the Hutchins family?")
    seen = race(chat, "Who is the harbour master of Fairhaven?", None, "#timeline")  # pressed while it is greyed
    assert seen["timeline"] is False
    chat.wait_for_function(f"document.querySelectorAll('#chat [data-testid=bot]')[1]?.querySelector({FINAL!r})",
                           timeout=60_000)
    chat.locator("#timeline").click()  # enabled once the answer is in: the story of the question just answered
    chat.wait_for_selector("#chat ol.timeline li")
    assert chat.evaluate(USERS) == ["Who represents the Hutchins family?", "Who is the harbour master of Fairhaven?",
                                    "Timeline: Who is the harbour master of Fairhaven?"]
    assert "Petra Quillfeather" in chat.locator("#chat .answer").nth(1).inner_text()
