/* The episode page's chapters: mark a turn as a chapter start, edit and move
 * titles, accept suggestions from the uploaded page. Every change is saved at once
 * (PUT with the revision last seen; a 409 reloads the list). */
"use strict";

(function () {
  const { el, icon, formatTime, request, toast, player } = window.podalign;
  const $ = (id) => document.getElementById(id);
  const panel = $("chapters");
  const list = $("chapter-list");
  const suggestionList = $("chapter-suggestions");
  const url = `${player.apiUrl}/chapters`;
  const TITLE_WORDS = 6;

  const state = { chapters: [], suggestions: [], saving: Promise.resolve() };

  async function load() {
    try {
      const data = await request("GET", url);
      state.chapters = data.chapters;
      state.suggestions = data.suggestions;
    } catch (error) {
      $("chapters-state").textContent = `Could not load the chapters: ${error.message}`;
    }
    render();
  }

  /* Saves the list after any save in flight, so revisions follow each other. The
   * revision is the episode's transcript revision, shared with the transcript editor. */
  function save(chapters) {
    state.saving = state.saving.then(async () => {
      $("chapters-state").textContent = "Saving…";
      try {
        const episode = player.episode();
        const data = await request("PUT", url, { revision: episode.revision, chapters });
        episode.revision = data.revision;
        state.chapters = data.chapters;
        $("chapters-state").textContent = "Saved";
      } catch (error) {
        $("chapters-state").textContent = `Not saved: ${error.message}`;
        toast(`Chapters not saved: ${error.message}`, true);
        // The transcript moved on: reloading it redraws the page and reloads the chapters.
        if (error.status === 409) await player.reload();
      }
      render();
    });
    return state.saving;
  }

  function withChange(change) {
    const chapters = state.chapters.map((chapter) => ({ ...chapter }));
    change(chapters);
    return save(chapters);
  }

  function defaultTitle(turn) {
    const words = turn.text.split(/\s+/).filter(Boolean);
    return words.slice(0, TITLE_WORDS).join(" ") + (words.length > TITLE_WORDS ? "…" : "");
  }

  async function markTurn(view) {
    if (view.turn.start == null) {
      toast("This line has no time yet, so it cannot start a chapter.");
      return;
    }
    const existing = state.chapters.findIndex((c) => Math.abs(c.startTime - view.turn.start) < 0.01);
    if (existing >= 0) {
      focusTitle(existing);
      return;
    }
    await withChange((chapters) => chapters.push({ startTime: view.turn.start, title: defaultTitle(view.turn) }));
    focusTitle(state.chapters.findIndex((c) => Math.abs(c.startTime - view.turn.start) < 0.01));
  }

  function focusTitle(index) {
    const input = list.querySelectorAll(".chapter-title")[index];
    if (input) {
      input.focus();
      input.select();
    }
  }

  function renderChapter(chapter, index) {
    const title = el("input", {
      type: "text", class: "chapter-title", value: chapter.title, maxlength: "200",
      "aria-label": `Title of the chapter at ${formatTime(chapter.startTime)}`,
    });
    title.addEventListener("change", () => {
      const text = title.value.trim();
      if (!text) {
        title.value = chapter.title;
        toast("A chapter needs a title.", true);
        return;
      }
      withChange((chapters) => (chapters[index].title = text));
    });
    title.addEventListener("keydown", (event) => {
      if (event.key === "Enter") title.blur();
    });
    return el("li", { class: "chapter", dataset: { start: chapter.startTime } },
      el("button", {
        type: "button", class: "turn-time", "aria-label": `Play from ${formatTime(chapter.startTime)}`,
        onclick: () => player.seek(chapter.startTime, true),
      }, formatTime(chapter.startTime)),
      title,
      el("button", {
        type: "button", class: "button small chapter-move",
        "aria-label": `Move the chapter "${chapter.title}" to the playback position`,
        onclick: () => withChange((chapters) => (chapters[index].startTime = player.audio.currentTime)),
      }, "Move to playhead"),
      el("button", {
        type: "button", class: "button small chapter-delete", "aria-label": `Delete the chapter "${chapter.title}"`,
        onclick: () => withChange((chapters) => chapters.splice(index, 1)),
      }, "Delete"));
  }

  function renderSuggestion(suggestion) {
    return el("li", { class: "suggestion" },
      el("span", { class: "turn-time" }, formatTime(suggestion.startTime)),
      el("span", { class: "suggestion-title" }, suggestion.title),
      el("button", {
        type: "button", class: "button small primary", "aria-label": `Accept the chapter "${suggestion.title}"`,
        onclick: () => {
          state.suggestions = state.suggestions.filter((s) => s !== suggestion);
          withChange((chapters) => chapters.push({ startTime: suggestion.startTime, title: suggestion.title }));
        },
      }, "Accept"));
  }

  function render() {
    list.replaceChildren(...state.chapters.map(renderChapter));
    $("chapters-empty").hidden = state.chapters.length > 0;
    const open = state.suggestions.filter(
      (s) => !state.chapters.some((c) => Math.abs(c.startTime - s.startTime) < 0.01));
    suggestionList.replaceChildren(...open.map(renderSuggestion));
    $("chapter-suggestions-block").hidden = open.length === 0;
    markTurns();
  }

  /* Chapter titles show above the turns they start (see .turn.chapter-start in the CSS). */
  function markTurns() {
    for (const view of player.views()) {
      const chapter = state.chapters.find((c) => view.turn.start != null && Math.abs(c.startTime - view.turn.start) < 0.01);
      view.li.classList.toggle("chapter-start", Boolean(chapter));
      if (chapter) view.li.dataset.chapter = chapter.title;
      else delete view.li.dataset.chapter;
    }
  }

  function addTurnButtons() {
    for (const view of player.views()) {
      const actions = view.li.querySelector(".turn-actions");
      if (!actions || actions.querySelector(".mark-chapter")) continue;
      actions.prepend(el("button", {
        type: "button", class: "icon-button subtle mark-chapter",
        "aria-label": "Start a chapter at this line", title: "Start a chapter here",
        onclick: () => markTurn(view),
      }, icon("flag")));
    }
  }

  document.addEventListener("podalign:rendered", () => {
    const episode = player.episode();
    panel.hidden = !episode || episode.status !== window.podalign.STATUS.DONE;
    if (panel.hidden) return;
    addTurnButtons();
    load();
  });
})();
