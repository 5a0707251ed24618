/* The library's search box: every episode's turns through GET /api/search (SQLite
 * FTS5); a result opens the episode at that moment. */
"use strict";

(function () {
  const { ROOT, el, formatTime, request } = window.podalign;
  const $ = (id) => document.getElementById(id);
  const input = $("library-search");
  const results = $("search-results");
  const status = $("library-search-state");
  const DELAY_MS = 200;
  let timer = null;
  let asked = 0;

  /* The text with the query's words (and words they begin) wrapped in <mark>, as text nodes. */
  function marked(text, query) {
    const words = (query.toLowerCase().match(/[\p{L}\p{N}]+/gu) || []);
    if (!words.length) return [text];
    const nodes = [];
    let last = 0;
    for (const match of text.matchAll(/[\p{L}\p{N}]+/gu)) {
      const word = match[0].toLowerCase();
      if (!words.some((w) => word.startsWith(w))) continue;
      if (match.index > last) nodes.push(text.slice(last, match.index));
      nodes.push(el("mark", {}, match[0]));
      last = match.index + match[0].length;
    }
    if (last < text.length) nodes.push(text.slice(last));
    return nodes;
  }

  function momentHref(hit) {
    // Rounded up so the link never lands a hair before the turn, in the one before it.
    const t = Math.ceil(hit.start * 100) / 100;
    return `${ROOT}/episodes/${encodeURIComponent(hit.episode_id)}#t=${t}`;
  }

  async function search() {
    const query = input.value.trim();
    const ticket = ++asked;
    if (!query) {
      results.replaceChildren();
      status.textContent = "";
      return;
    }
    status.textContent = "Searching…";
    let data;
    try {
      data = await request("GET", `${ROOT}/api/search?q=${encodeURIComponent(query)}`);
    } catch (error) {
      if (ticket === asked) status.textContent = `Search failed: ${error.message}`;
      return;
    }
    if (ticket !== asked) return; // a later query answered first
    const hits = data.results;
    status.textContent = hits.length ? `${hits.length} line${hits.length === 1 ? "" : "s"} found` : "Nothing found.";
    results.replaceChildren(...hits.map((hit) => el("li", { class: "search-result" },
      el("a", { href: momentHref(hit), class: "search-hit" },
        el("span", { class: "search-meta" },
          el("span", { class: "speaker" }, hit.speaker || "Unknown speaker"),
          el("span", { class: "muted" }, ` · ${hit.episode_title} · ${formatTime(hit.start)}`)),
        el("span", { class: "search-text" }, ...marked(hit.text, query))))));
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, DELAY_MS);
  });
  $("library-search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    search();
  });
})();
