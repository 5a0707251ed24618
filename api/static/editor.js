/* Fixing the transcript on the episode page: a turn's text and speaker, renaming a
 * speaker, find and replace, split, merge, insert, delete, undo and redo, and the
 * history of changes.
 *
 * Every change goes to the API with the transcript revision it was made on; the page
 * then reloads the transcript from the server (player.js draws it). A stale revision
 * (another tab changed it) reloads too. User text reaches the DOM only as text. */
"use strict";

(function () {
  const { el, request, toast, isTyping, formatDate, STATUS } = window.podalign;
  const player = window.podalign.player;
  const root = document.getElementById("editor");
  const turnsList = document.getElementById("turns");
  const PREVIEW_DELAY_MS = 250;
  const NOT_FOUND = "not_found";

  const state = {
    busy: false,
    history: null,
    editing: null, // {index, form} of the open edit or insert form
  };

  // ---- The toolbar and its panels ------------------------------------------

  const status = el("span", { class: "edit-status", id: "edit-status", role: "status" });
  const undoButton = el("button", {
    type: "button", class: "button small", id: "undo", "aria-keyshortcuts": "Control+Z",
  }, "Undo");
  const redoButton = el("button", {
    type: "button", class: "button small", id: "redo", "aria-keyshortcuts": "Control+Shift+Z",
  }, "Redo");
  const speakerNames = el("datalist", { id: "speaker-names" });

  function toggle(label, id, panel) {
    const button = el("button", {
      type: "button", class: "button small", id, "aria-expanded": "false", "aria-controls": panel.id,
    }, label);
    button.addEventListener("click", () => {
      const open = panel.hidden;
      panel.hidden = !open;
      button.setAttribute("aria-expanded", String(open));
      if (open) {
        const field = panel.querySelector("input, select");
        if (field) field.focus();
        if (panel === historyPanel) renderHistory();
      }
    });
    return button;
  }

  const findInput = el("input", { type: "text", id: "replace-find", autocomplete: "off", spellcheck: "false" });
  const replaceInput = el("input", { type: "text", id: "replace-with", autocomplete: "off", spellcheck: "false" });
  const preview = el("output", { class: "replace-preview", id: "replace-preview", "aria-live": "polite" });
  const replacePanel = el("form", { class: "editor-panel", id: "replace-panel", hidden: true },
    el("label", { for: "replace-find" }, "Find"), findInput,
    el("label", { for: "replace-with" }, "Replace with"), replaceInput,
    el("button", { type: "submit", class: "button small primary", id: "replace-all" }, "Replace all"),
    preview);

  const renameFrom = el("select", { id: "rename-from" });
  const renameTo = el("input", {
    type: "text", id: "rename-to", list: "speaker-names", autocomplete: "off", spellcheck: "false",
  });
  const renamePanel = el("form", { class: "editor-panel", id: "rename-panel", hidden: true },
    el("label", { for: "rename-from" }, "Speaker"), renameFrom,
    el("label", { for: "rename-to" }, "New name"), renameTo,
    el("button", { type: "submit", class: "button small primary", id: "rename-submit" }, "Rename everywhere"));

  const historyList = el("ol", { class: "history-list", id: "history-list" });
  const historyPanel = el("div", { class: "editor-panel", id: "history-panel", hidden: true },
    el("p", { class: "muted small" }, "Changes, oldest first. Undone ones are struck through."),
    historyList);

  root.append(
    el("div", { class: "editor-bar" },
      undoButton, redoButton,
      toggle("Find & replace", "toggle-replace", replacePanel),
      toggle("Rename speaker", "toggle-rename", renamePanel),
      toggle("History", "toggle-history", historyPanel),
      status),
    replacePanel, renamePanel, historyPanel, speakerNames);

  // ---- Talking to the API --------------------------------------------------

  /* Send one change; on success reload the transcript and the history. */
  async function send(method, path, body, message) {
    if (state.busy) return null;
    state.busy = true;
    root.classList.add("busy");
    try {
      const revision = player.episode().revision;
      const data = await request(method, `${player.apiUrl}${path}`, { ...body, revision });
      closeForm();
      await player.reload();
      await loadHistory();
      say(typeof message === "function" ? message(data) : message);
      return data;
    } catch (error) {
      if (error.status === 409) {
        say(`Not saved: ${error.message}`);
        closeForm();
        await player.reload();
        await loadHistory();
      } else {
        say(`Not saved: ${error.message}`);
        toast(`Not saved: ${error.message}`, true);
      }
      return null;
    } finally {
      state.busy = false;
      root.classList.remove("busy");
    }
  }

  function say(text) {
    status.textContent = text;
  }

  async function loadHistory() {
    try {
      state.history = await request("GET", `${player.apiUrl}/revisions`);
    } catch {
      state.history = null;
    }
    renderHistory();
  }

  function renderHistory() {
    const history = state.history;
    undoButton.disabled = !history || !history.undo;
    redoButton.disabled = !history || !history.redo;
    undoButton.title = history && history.undo ? `Undo: ${history.undo} (Ctrl+Z)` : "Nothing to undo";
    redoButton.title = history && history.redo ? `Redo: ${history.redo} (Ctrl+Shift+Z)` : "Nothing to redo";
    if (historyPanel.hidden) return;
    const changes = (history && history.changes) || [];
    historyList.replaceChildren(...(changes.length ? changes.map((change) =>
      el("li", { class: change.undone ? "undone" : "" },
        el("span", { class: "history-label" }, change.label),
        el("time", { class: "muted small", datetime: change.at }, formatDate(change.at)),
        change.undone ? el("span", { class: "visually-hidden" }, " (undone)") : null))
      : [el("li", { class: "muted" }, "No changes yet.")]));
  }

  function undo() {
    return send("POST", "/undo", {}, (data) => `Undone: ${data.change.label}`);
  }

  function redo() {
    return send("POST", "/redo", {}, (data) => `Redone: ${data.change.label}`);
  }

  undoButton.addEventListener("click", undo);
  redoButton.addEventListener("click", redo);

  // ---- Find and replace ----------------------------------------------------

  let previewTimer = null;
  let previewFor = "";

  function linesWord(count) {
    return `${count} line${count === 1 ? "" : "s"}`;
  }

  async function renderPreview() {
    const find = findInput.value;
    previewFor = find;
    if (!find.trim()) {
      preview.textContent = "";
      return;
    }
    try {
      const data = await request("POST", `${player.apiUrl}/replace`, {
        find, replace: replaceInput.value, dry_run: true,
      });
      if (previewFor !== find) return;
      preview.textContent = data.occurrences
        ? `${data.occurrences} match${data.occurrences === 1 ? "" : "es"} in ${linesWord(data.count)}`
        : "No matches";
    } catch (error) {
      preview.textContent = error.message;
    }
  }

  findInput.addEventListener("input", () => {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(renderPreview, PREVIEW_DELAY_MS);
  });

  replacePanel.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!findInput.value.trim()) return;
    const data = await send("POST", "/replace", {
      find: findInput.value, replace: replaceInput.value,
    }, (result) => `Replaced ${result.occurrences} in ${linesWord(result.count)}`);
    if (data) renderPreview();
  });

  // ---- Renaming a speaker --------------------------------------------------

  function renderSpeakers(speakers) {
    speakerNames.replaceChildren(...speakers.map((name) => el("option", { value: name })));
    const chosen = renameFrom.value;
    renameFrom.replaceChildren(...speakers.map((name) => el("option", { value: name }, name)));
    if (speakers.includes(chosen)) renameFrom.value = chosen;
  }

  renamePanel.addEventListener("submit", async (event) => {
    event.preventDefault();
    const from = renameFrom.value;
    const to = renameTo.value.trim();
    if (!from || !to) return;
    const data = await send("POST", "/speakers/rename", { from, to }, `Renamed ${from} to ${to}`);
    if (data) renameTo.value = "";
  });

  // ---- Editing a turn ------------------------------------------------------

  function viewOf(index) {
    const li = document.getElementById(`turn-${index}`);
    return li && li.podalignView;
  }

  function decorate(episode) {
    const editable = episode && episode.status === STATUS.DONE;
    root.hidden = !editable;
    if (!editable) return;
    renderSpeakers((episode.transcript && episode.transcript.speakers) || episode.speakers || []);
    for (const li of turnsList.querySelectorAll(".turn")) {
      const index = Number(li.dataset.index);
      li.querySelector(".turn-actions").append(el("button", {
        type: "button", class: "icon-button subtle edit-button", dataset: { edit: "open", index },
        "aria-label": `Edit line ${index + 1}`, title: "Edit this line (e)",
      }, "Edit"));
    }
    renderHistory();
  }

  function closeForm() {
    if (!state.editing) return;
    const { form, view } = state.editing;
    form.remove();
    if (view) {
      view.textEl.hidden = false;
      view.li.classList.remove("editing");
    }
    state.editing = null;
  }

  function field(label, input) {
    return el("label", { class: "edit-field" }, el("span", { class: "edit-label" }, label), input);
  }

  function openEditor(index) {
    const view = viewOf(index);
    if (!view) return;
    closeForm();
    const turn = view.turn;
    const text = el("textarea", {
      name: "text", class: "edit-text", rows: "3", spellcheck: "true",
      "aria-label": `Text of line ${index + 1}`,
    }, turn.text);
    const speaker = el("input", {
      type: "text", name: "speaker", class: "edit-speaker", list: "speaker-names",
      value: turn.speaker || "", autocomplete: "off", "aria-label": `Speaker of line ${index + 1}`,
    });
    const splitSpeaker = el("input", {
      type: "text", name: "split-speaker", class: "edit-split-speaker", list: "speaker-names",
      value: turn.speaker || "", autocomplete: "off",
    });
    const last = index === player.episode().transcript.turns.length - 1;
    const form = el("form", { class: "edit-form", dataset: { index } },
      field("Speaker", speaker),
      field("Text", text),
      el("div", { class: "edit-actions" },
        el("button", { type: "submit", class: "button small primary", dataset: { edit: "save" } }, "Save"),
        el("button", { type: "button", class: "button small", dataset: { edit: "cancel" } }, "Cancel"),
        el("span", { class: "edit-hint muted small" }, "Enter saves · Escape cancels")),
      el("div", { class: "edit-actions edit-structure" },
        el("button", {
          type: "button", class: "button small", dataset: { edit: "split" },
          title: "Split this line where the cursor is in the text",
        }, "Split at cursor"),
        field("Second part spoken by", splitSpeaker),
        el("button", {
          type: "button", class: "button small", dataset: { edit: "merge" }, disabled: last,
        }, "Merge with next"),
        el("button", { type: "button", class: "button small", dataset: { edit: "insert" } }, "Insert line after"),
        el("button", { type: "button", class: "button small danger", dataset: { edit: "delete" } }, "Delete line")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      saveTurn(index, text.value, speaker.value);
    });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        saveTurn(index, text.value, speaker.value);
      }
    });
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        cancel();
      }
    });
    form.addEventListener("click", (event) => {
      const action = event.target.closest("[data-edit]");
      if (!action) return;
      const kind = action.dataset.edit;
      if (kind === "cancel") cancel();
      else if (kind === "split") split(index, text, splitSpeaker.value);
      else if (kind === "merge") {
        send("POST", `/turns/${index}/merge`, {}, `Merged lines ${index + 1} and ${index + 2}`);
      } else if (kind === "insert") openInsert(index);
      else if (kind === "delete") {
        send("DELETE", `/turns/${index}`, {}, `Deleted line ${index + 1}. Ctrl+Z undoes it.`);
      }
    });
    view.textEl.hidden = true;
    view.li.classList.add("editing");
    view.textEl.after(form);
    state.editing = { index, form, view };
    text.focus();
    text.setSelectionRange(text.value.length, text.value.length);
  }

  function cancel() {
    const index = state.editing && state.editing.index;
    closeForm();
    say("Edit cancelled");
    focusEditButton(index);
  }

  function focusEditButton(index) {
    const view = index == null ? null : viewOf(index);
    const button = view && view.li.querySelector("[data-edit='open']");
    if (button) button.focus();
  }

  async function saveTurn(index, text, speaker) {
    const turn = viewOf(index).turn;
    const body = {};
    const cleanText = text.trim().replace(/\s+/g, " ");
    const cleanSpeaker = speaker.trim().replace(/\s+/g, " ");
    if (cleanText !== turn.text) body.text = cleanText;
    if (cleanSpeaker !== (turn.speaker || "")) body.speaker = cleanSpeaker;
    if (!Object.keys(body).length) {
      closeForm();
      focusEditButton(index);
      return;
    }
    if (body.text === "") {
      say("The text is empty: use Delete line to remove it.");
      return;
    }
    const data = await send("PATCH", `/turns/${index}`, body, `Saved line ${index + 1}`);
    if (data) focusEditButton(index);
  }

  /* The word the second part starts with: the one the cursor is in or before. */
  function wordAtCursor(textarea) {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const words = before.split(/\s+/).filter(Boolean);
    const inWord = before && !/\s$/.test(before) && !/^\s|^$/.test(textarea.value.slice(textarea.selectionStart));
    return inWord ? words.length - 1 : words.length;
  }

  function split(index, textarea, speaker) {
    const turn = viewOf(index).turn;
    if (textarea.value.trim().replace(/\s+/g, " ") !== turn.text) {
      say("Save or cancel the text changes before splitting.");
      return;
    }
    const atWord = wordAtCursor(textarea);
    const count = turn.text.split(/\s+/).filter(Boolean).length;
    if (atWord < 1 || atWord >= count) {
      say("Put the cursor in the text where the second part begins.");
      textarea.focus();
      return;
    }
    send("POST", `/turns/${index}/split`, { at_word: atWord, speaker: speaker.trim() },
      `Split line ${index + 1}`);
  }

  function openInsert(index) {
    const view = viewOf(index);
    closeForm();
    const speaker = el("input", {
      type: "text", name: "speaker", class: "edit-speaker", list: "speaker-names",
      value: view.turn.speaker || "", autocomplete: "off", "aria-label": "Speaker of the new line",
    });
    const text = el("textarea", {
      name: "text", class: "edit-text", rows: "2", "aria-label": "Text of the new line",
    });
    const form = el("form", { class: "edit-form insert-form", dataset: { after: index } },
      el("p", { class: "edit-title" }, `New line after line ${index + 1}`),
      field("Speaker", speaker),
      field("Text", text),
      el("div", { class: "edit-actions" },
        el("button", { type: "submit", class: "button small primary", dataset: { edit: "save" } }, "Insert"),
        el("button", { type: "button", class: "button small", dataset: { edit: "cancel" } }, "Cancel"),
        el("span", { class: "edit-hint muted small" }, "Enter inserts · Escape cancels")));
    const submit = () => {
      if (!text.value.trim()) {
        say("Type the text of the new line.");
        return;
      }
      send("POST", "/turns", { after: index, speaker: speaker.value.trim(), text: text.value.trim() },
        (data) => {
          const turn = data.turns[0];
          return turn.status === NOT_FOUND
            ? `Inserted line ${turn.index + 1}; it was not found in the audio`
            : `Inserted line ${turn.index + 1}`;
        });
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit();
    });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submit();
      }
    });
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        cancel();
      }
    });
    form.addEventListener("click", (event) => {
      if (event.target.closest("[data-edit='cancel']")) cancel();
    });
    view.li.append(form);
    state.editing = { index, form, view: null };
    text.focus();
  }

  turnsList.addEventListener("click", (event) => {
    const button = event.target.closest("[data-edit='open']");
    if (button) openEditor(Number(button.dataset.index));
  });

  // ---- Keyboard --------------------------------------------------------------

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || root.hidden || document.querySelector("dialog[open]")) return;
    if (isTyping(event.target)) return;
    const key = event.key.toLowerCase();
    const command = event.ctrlKey || event.metaKey;
    if (command && !event.altKey && key === "z") {
      event.preventDefault();
      if (event.shiftKey) redo();
      else undo();
    } else if (command && !event.altKey && key === "y") {
      event.preventDefault();
      redo();
    } else if (!command && !event.altKey && key === "e") {
      const turn = player.currentTurn();
      if (turn) {
        event.preventDefault();
        openEditor(turn.index);
      }
    }
  });

  document.addEventListener("podalign:rendered", (event) => {
    state.editing = null;
    decorate(event.detail);
  });

  // The transcript may have been drawn while this script was still loading.
  if (player.episode()) decorate(player.episode());
  loadHistory();
})();
