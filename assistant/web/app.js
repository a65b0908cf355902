() => {
  // Clicking an [n] marker opens its citation card (passage, highlighted quote, support) instead of navigating.
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.cite");
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const id = (link.getAttribute("href") || "").slice(1);
    const card = id && document.getElementById(id);
    if (!card) return;
    card.open = true;
    card.scrollIntoView({ block: "nearest", behavior: "smooth" });
    card.classList.add("flash");
    setTimeout(() => card.classList.remove("flash"), 1200);
  }, true);
}
