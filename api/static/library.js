/* The library page: upload an episode, list episodes with live progress. */
"use strict";

(function () {
  const { ROOT, STATUS, el, icon, formatDuration, formatDate, request, upload, setProgress, statusLabel, toast } =
    window.podalign;

  const API = `${ROOT}/api/episodes`;
  const PER_PAGE = 20;
  const POLL_MS = 1500;
  const RETRY_MS = 5000;
  const AUDIO_NAME = /\.(mp3|m4a|m4b|aac|wav|ogg|oga|opus|flac|webm|mp4|mka|wma)$/i;
  const TEXT_NAME = /\.(txt|text|md|srt|vtt|json|html?|docx)$/i;
  const DOWNLOADS = [
    ["srt", "SRT", "SRT subtitles"],
    ["vtt", "WebVTT", "WebVTT subtitles"],
    ["podcast", "Podcast JSON", "Podcasting 2.0 JSON"],
    ["json", "JSON", "timed JSON"],
    ["txt", "Text", "plain text"],
  ];

  const $ = (id) => document.getElementById(id);
  const form = $("upload-form");
  const audioInput = $("audio-input");
  const transcriptInput = $("transcript-input");
  const transcriptText = $("transcript-text");
  const titleInput = $("title-input");
  const uploadError = $("upload-error");
  const uploadNote = $("upload-note");
  const uploadButton = $("upload-button");
  const progressWrap = $("upload-progress");
  const progressBar = progressWrap.querySelector(".progress");
  const progressLabel = $("upload-progress-label");
  const list = $("episode-list");

  const files = { audio: null, transcript: null };
  const rows = new Map();
  let page = 1;
  let pollTimer = null;

  // ---- Upload form -------------------------------------------------------

  function setFile(kind, file) {
    files[kind] = file || null;
    $(kind + "-name").textContent = file ? file.name : "";
    $("drop-" + kind).classList.toggle("has-file", Boolean(file));
    $("drop-" + kind).classList.remove("invalid");
    uploadError.textContent = "";
  }

  function kindOf(file) {
    if (/^(audio|video)\//.test(file.type) || AUDIO_NAME.test(file.name)) return "audio";
    if (/^text\/|json/.test(file.type) || TEXT_NAME.test(file.name)) return "transcript";
    return null;
  }

  audioInput.addEventListener("change", () => setFile("audio", audioInput.files[0]));
  transcriptInput.addEventListener("change", () => setFile("transcript", transcriptInput.files[0]));
  transcriptText.addEventListener("input", () => $("drop-transcript").classList.remove("invalid"));

  /* Files are sorted by type, so audio and transcript can be dropped together
   * anywhere; a file of unknown type goes to the zone it was dropped on. */
  function takeDrop(dropped, zoneKind) {
    for (const file of dropped) {
      setFile(kindOf(file) || zoneKind || (files.audio ? "transcript" : "audio"), file);
    }
  }

  let dragDepth = 0;
  window.addEventListener("dragenter", (event) => {
    if (!event.dataTransfer || !event.dataTransfer.types.includes("Files")) return;
    dragDepth += 1;
    document.body.classList.add("dragging-files");
  });
  window.addEventListener("dragleave", () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) document.body.classList.remove("dragging-files");
  });
  // Without this a file dropped beside the zones would replace the page.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => {
    event.preventDefault();
    dragDepth = 0;
    document.body.classList.remove("dragging-files");
    const dropped = [...(event.dataTransfer ? event.dataTransfer.files : [])];
    if (!dropped.length) return;
    const zone = event.target instanceof Element ? event.target.closest(".drop") : null;
    takeDrop(dropped, zone ? zone.dataset.kind : null);
  });

  for (const zone of document.querySelectorAll(".drop")) {
    zone.addEventListener("dragover", () => zone.classList.add("over"));
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", () => zone.classList.remove("over"));
  }

  function validate() {
    const problems = [];
    if (!files.audio) {
      problems.push("Choose the episode's audio file.");
      $("drop-audio").classList.add("invalid");
    }
    if (!files.transcript && !transcriptText.value.trim()) {
      problems.push("Add the transcript as a file or paste it.");
      $("drop-transcript").classList.add("invalid");
    }
    return problems;
  }

  function showUploadProgress(fraction) {
    const percent = Math.round(fraction * 100);
    setProgress(progressBar, percent);
    progressLabel.textContent = percent < 100 ? `Uploading… ${percent}%` : "Upload complete, queuing…";
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    uploadNote.textContent = "";
    const problems = validate();
    uploadError.textContent = problems.join(" ");
    if (problems.length) return;

    const data = new FormData();
    data.append("audio", files.audio, files.audio.name);
    if (files.transcript) data.append("transcript", files.transcript, files.transcript.name);
    else data.append("transcript_text", transcriptText.value);
    if (titleInput.value.trim()) data.append("title", titleInput.value.trim());

    uploadButton.disabled = true;
    progressWrap.hidden = false;
    showUploadProgress(0);
    try {
      const created = await upload(API, data, showUploadProgress);
      form.reset();
      setFile("audio", null);
      setFile("transcript", null);
      $("paste-details").open = false;
      uploadNote.replaceChildren(
        "Uploaded. Aligning now — ",
        el("a", { href: created.page_url || `${ROOT}/episodes/${encodeURIComponent(created.id)}` }, "open the episode"),
        "."
      );
      page = 1;
      loadList();
    } catch (error) {
      uploadError.textContent = error.message;
      if (error.status === 422 && /transcript|turn/i.test(error.message)) {
        $("drop-transcript").classList.add("invalid");
      } else if (error.status === 415 || error.status === 422) {
        $("drop-audio").classList.add("invalid");
      }
    } finally {
      uploadButton.disabled = false;
      progressWrap.hidden = true;
    }
  });

  // ---- Episode list ------------------------------------------------------

  function isActive(episode) {
    return episode.status === STATUS.QUEUED || episode.status === STATUS.RUNNING;
  }

  function countOf(value) {
    return Array.isArray(value) ? value.length : value;
  }

  function metaParts(episode) {
    const parts = [];
    if (episode.duration) parts.push(formatDuration(episode.duration));
    const speakers = countOf(episode.speakers);
    if (speakers) parts.push(`${speakers} speaker${speakers === 1 ? "" : "s"}`);
    if (episode.turn_count) parts.push(`${episode.turn_count} line${episode.turn_count === 1 ? "" : "s"}`);
    const created = formatDate(episode.created_at);
    if (created) parts.push(created);
    return parts.join(" · ");
  }

  function progressText(episode) {
    if (episode.status === STATUS.QUEUED) return "Waiting for a worker…";
    const stage = episode.stage ? episode.stage.charAt(0).toUpperCase() + episode.stage.slice(1) : "Aligning";
    return `${stage} · ${Math.round(episode.progress || 0)}%`;
  }

  function pageUrl(episode) {
    return (episode.urls && episode.urls.page) || `${ROOT}/episodes/${encodeURIComponent(episode.id)}`;
  }

  function buildRow(episode) {
    const title = episode.title || "Untitled episode";
    const main = el("div", { class: "row-main" },
      el("a", { class: "row-title", href: pageUrl(episode) }, title),
      el("div", { class: "row-meta" }, metaParts(episode)));

    if (isActive(episode)) {
      const bar = el("div", {
        class: "progress", role: "progressbar", "aria-label": `Alignment progress of ${title}`,
        "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0",
      }, el("div", { class: "progress-bar" }));
      main.append(el("div", { class: "row-progress" }, bar, el("span", { class: "row-stage" })));
    }
    if (episode.status === STATUS.FAILED) {
      main.append(el("p", { class: "row-error" }, episode.error || "The alignment failed."));
    }

    const actions = el("div", { class: "row-actions" });
    if (episode.status === STATUS.DONE && episode.urls && episode.urls.downloads) {
      const links = el("div", { class: "row-downloads", role: "group", "aria-label": `Downloads for ${title}` },
        icon("download"));
      for (const [key, label, description] of DOWNLOADS) {
        const href = episode.urls.downloads[key];
        if (href) {
          links.append(el("a", { href, download: true, "aria-label": `Download ${title} as ${description}` }, label));
        }
      }
      actions.append(links);
    }
    if (episode.status === STATUS.FAILED) {
      actions.append(el("button", {
        type: "button", class: "button small", "aria-label": `Retry aligning ${title}`,
        onclick: (event) => retry(episode, event.currentTarget),
      }, "Retry"));
    }
    actions.append(el("a", { class: "button small primary", href: pageUrl(episode), "aria-label": `Open ${title}` }, "Open"));

    const side = el("div", { class: "row-side" },
      el("span", { class: `status-pill status-${episode.status}` }, statusLabel(episode.status)),
      actions);

    return el("li", { class: `episode-row status-${episode.status}`, dataset: { id: episode.id } }, main, side);
  }

  function rowSignature(episode) {
    const { progress, stage, ...rest } = episode;
    return JSON.stringify(rest);
  }

  /* Rows are rebuilt only when something other than progress changed, so a
   * link the user has focused is not swapped out under them every poll. */
  function renderList(data) {
    const episodes = data.episodes || [];
    const seen = new Set();
    let previous = null;
    for (const episode of episodes) {
      seen.add(episode.id);
      const signature = rowSignature(episode);
      let entry = rows.get(episode.id);
      if (!entry || entry.signature !== signature) {
        const row = buildRow(episode);
        if (entry) entry.row.replaceWith(row);
        entry = { row, signature };
        rows.set(episode.id, entry);
      }
      const bar = entry.row.querySelector(".progress");
      if (bar) {
        setProgress(bar, episode.status === STATUS.QUEUED ? 0 : episode.progress);
        entry.row.querySelector(".row-stage").textContent = progressText(episode);
      }
      const expectedPosition = previous ? previous.nextSibling : list.firstChild;
      if (expectedPosition !== entry.row) list.insertBefore(entry.row, expectedPosition);
      previous = entry.row;
    }
    for (const [id, entry] of rows) {
      if (!seen.has(id)) {
        entry.row.remove();
        rows.delete(id);
      }
    }

    const total = data.total ?? episodes.length;
    $("episodes-empty").hidden = total > 0;
    $("episodes-count").textContent = total ? `${total} in all` : "";
    const pages = Math.max(1, Math.ceil(total / PER_PAGE));
    $("pager").hidden = pages <= 1;
    $("page-label").textContent = `Page ${page} of ${pages}`;
    $("page-prev").disabled = page <= 1;
    $("page-next").disabled = page >= pages;
    return episodes.some(isActive);
  }

  async function loadList() {
    clearTimeout(pollTimer);
    let delay = null;
    try {
      const data = await request("GET", `${API}?page=${page}&per_page=${PER_PAGE}`);
      $("list-error").textContent = "";
      if (renderList(data)) delay = POLL_MS;
    } catch (error) {
      // After a refused or cancelled token, wait for the user rather than asking again.
      if (error.status === 401) {
        $("list-error").replaceChildren(
          `${error.message} `,
          el("button", { type: "button", class: "button small", onclick: loadList }, "Enter the API token"));
      } else {
        $("list-error").textContent = `Could not load the episodes: ${error.message}`;
        delay = RETRY_MS;
      }
    }
    if (delay) pollTimer = setTimeout(loadList, delay);
  }

  async function retry(episode, button) {
    button.disabled = true;
    try {
      await request("POST", `${API}/${encodeURIComponent(episode.id)}/retry`);
      toast("Queued again.");
      loadList();
    } catch (error) {
      button.disabled = false;
      toast(`Could not retry: ${error.message}`, true);
    }
  }

  $("page-prev").addEventListener("click", () => {
    page = Math.max(1, page - 1);
    loadList();
  });
  $("page-next").addEventListener("click", () => {
    page += 1;
    loadList();
  });

  loadList();
})();
