() => {
  // Citation chips: hovering or focusing one shows its popover (title, outlet, date, the sentence) in one
  // floating box on <body>, so the chat's scrolling area cannot clip it; Escape closes it.
  const pop = document.createElement("div");
  pop.id = "cite-popover";
  pop.setAttribute("role", "tooltip");
  pop.hidden = true;
  document.body.appendChild(pop);
  let current = null;
  const chipOf = (node) => (node && node.closest ? node.closest("a.cite") : null);
  const show = (chip) => {
    const source = chip.querySelector(".cite-pop");
    if (!source) return;
    pop.replaceChildren(...Array.from(source.cloneNode(true).childNodes));
    pop.hidden = false;
    current = chip;
    chip.setAttribute("aria-describedby", "cite-popover");
    const r = chip.getBoundingClientRect();
    const left = Math.min(Math.max(8, r.left - 12), window.innerWidth - pop.offsetWidth - 8);
    let top = r.bottom + 6;
    if (top + pop.offsetHeight > window.innerHeight - 8) top = Math.max(8, r.top - pop.offsetHeight - 6);
    pop.style.left = `${left}px`;
    pop.style.top = `${top}px`;
  };
  const hide = () => {
    if (current) current.removeAttribute("aria-describedby");
    pop.hidden = true;
    current = null;
  };
  document.addEventListener("mouseover", (e) => { const chip = chipOf(e.target); if (chip && chip !== current) show(chip); });
  document.addEventListener("mouseout", (e) => {
    const chip = chipOf(e.target);
    if (chip && !chip.contains(e.relatedTarget) && document.activeElement !== chip) hide();
  });
  document.addEventListener("focusin", (e) => { const chip = chipOf(e.target); if (chip) show(chip); });
  document.addEventListener("focusout", (e) => { if (chipOf(e.target)) hide(); });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") hide(); });
  window.addEventListener("scroll", hide, true);

  // Clicking a chip opens its card in the Sources panel (an earlier answer's panel is fetched first) instead of navigating;
  // a suggested question is asked at once.
  document.addEventListener("click", (event) => {
    const suggestion = event.target.closest && event.target.closest("button.suggestion");
    if (suggestion) {
      const box = document.querySelector("#question textarea");
      box.value = suggestion.textContent;
      box.dispatchEvent(new Event("input", { bubbles: true }));
      setTimeout(() => document.querySelector("#ask").click(), 50);
      return;
    }
    const link = chipOf(event.target);
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const id = (link.getAttribute("href") || "").slice(1);
    const reveal = (anchor) => {
      const card = anchor.closest("details") || anchor;
      card.open = true;
      card.scrollIntoView({ block: "nearest", behavior: "smooth" });
      card.classList.add("flash");
      setTimeout(() => card.classList.remove("flash"), 1200);
    };
    const card = document.getElementById(id);
    if (card) return reveal(card);
    // An earlier answer's chip: ask the server for that answer's Sources panel, then show the card in it.
    const turn = /^source-(.+)-\d+$/.exec(id);
    const request = document.querySelector("#turn-request textarea, #turn-request input");
    if (!turn || !request) return;
    request.value = turn[1];
    request.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(() => document.querySelector("#turn-show").click(), 50);
    let tries = 0;
    const wait = setInterval(() => {
      const found = document.getElementById(id);
      if (found || ++tries > 40) { clearInterval(wait); if (found) reveal(found); }
    }, 100);
  }, true);

  // The chat's copy button copies the message's plain text (answer, quote, "[1] Title — outlet, date"), not its HTML.
  const clipboard = navigator.clipboard;
  if (clipboard && clipboard.writeText) {
    const write = clipboard.writeText.bind(clipboard);
    clipboard.writeText = (value) => {
      if (typeof value === "string" && /[<&]/.test(value)) {
        const doc = new DOMParser().parseFromString(value, "text/html");
        const plain = doc.querySelector("[data-copy]");
        value = plain ? plain.getAttribute("data-copy") : doc.body.textContent.trim();
      }
      return write(value);
    };
  }

  // The question box counts characters against the limit, so nothing is cut or refused by surprise; counted once
  // at start too, for a question typed (or restored by the browser) before this script ran.
  const count = (box) => {
    const counter = document.querySelector("#question-count");
    if (!box || !counter) return;
    const limit = Number(counter.dataset.limit || 0);
    const n = box.value.length;
    counter.textContent = n > limit * 0.8 ? `${n} / ${limit} characters` : "";
    counter.classList.toggle("over", n > limit);
  };
  document.addEventListener("input", (e) => count(e.target.closest && e.target.closest("#question textarea")));
  count(document.querySelector("#question textarea"));

  // The date filters are the browser's own date fields, bounded by the corpus's first and last dates (so the
  // calendar opens where the articles are); Gradio sees a text box, so whatever is typed reaches the server.
  const dates = () => {
    const overview = document.querySelector("#overview .overview");
    document.querySelectorAll("#since input, #until input, #since textarea, #until textarea").forEach((field) => {
      if (field.tagName === "INPUT" && field.type !== "date") field.type = "date";
      if (overview && overview.dataset.first) { field.min = overview.dataset.first; field.max = overview.dataset.last; }
    });
  };
  new MutationObserver(dates).observe(document.body, { childList: true, subtree: true });
  dates();
}
