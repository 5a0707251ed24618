/* The episode page: audio player, timeline and the click-to-play transcript. */
"use strict";

(function () {
  const {
    ROOT, STATUS, el, icon, formatTime, formatDuration, formatDate, request, speakerColor, toast, copyText,
    isTyping, setProgress, statusLabel,
  } = window.podalign;

  const POLL_MS = 1500;
  const RETRY_MS = 5000;
  const SKIP_SECONDS = 5;
  const NUDGE_SECONDS = 0.1;
  const LOW_CONFIDENCE = 0.5;
  const SAVE_DELAY_MS = 500;
  const SEARCH_DELAY_MS = 120;
  // currentTime can read back a hair below the value just assigned to it.
  const EPSILON = 0.005;
  const RATES = [1, 1.25, 1.5, 1.75, 2, 0.75];
  const BAR_WIDTH = 2;
  const BAR_STEP = 3;

  const $ = (id) => document.getElementById(id);
  const root = $("episode");
  const apiUrl = `${ROOT}/api/episodes/${encodeURIComponent(root.dataset.episodeId)}`;
  const audio = $("audio");
  const player = $("player");
  const turnsList = $("turns");
  const searchInput = $("search");
  const timeline = $("timeline");
  const canvas = $("timeline-canvas");
  const hoverLabel = $("timeline-hover");
  const backButton = $("back-to-current");
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  const state = {
    episode: null,
    views: [], // one per turn, in transcript order: {turn, li, textEl, ...}
    timed: [], // the views that have a start time, sorted by start
    speakers: new Map(), // speaker name -> colour
    current: null,
    currentWord: null,
    peaks: null,
    pendingSeek: null, // a seek asked for before the audio's metadata arrived
    follow: true, // keep the current turn in view; off while the user scrolls
    query: "",
    matches: [],
    matchCursor: -1,
    pollTimer: null,
    frame: null,
  };

  // ---- Loading and job status --------------------------------------------

  function isActive(episode) {
    return episode.status === STATUS.QUEUED || episode.status === STATUS.RUNNING;
  }

  async function load() {
    clearTimeout(state.pollTimer);
    let episode;
    try {
      // The words' times light up the spoken word; the API leaves them out unless asked.
      episode = await request("GET", `${apiUrl}?words=1`);
    } catch (error) {
      if (error.status === 404) {
        showPageError("This episode does not exist. It may have been deleted.");
        $("episode-title").textContent = "Episode not found";
        player.hidden = true;
        return;
      }
      showPageError(`Could not load the episode: ${error.message} Trying again…`);
      state.pollTimer = setTimeout(load, RETRY_MS);
      return;
    }
    $("page-error").hidden = true;
    applyEpisode(episode);
    if (isActive(episode)) state.pollTimer = setTimeout(load, POLL_MS);
  }

  function showPageError(message) {
    const node = $("page-error");
    node.textContent = message;
    node.hidden = false;
  }

  function applyEpisode(episode) {
    const previous = state.episode;
    state.episode = episode;
    renderHead(episode);
    renderJob(episode);

    const finished = previous && isActive(previous) && !isActive(episode);
    if (!previous || finished) {
      if (!previous || audio.error) setAudioSource(episode);
      renderTranscript(episode.transcript);
      if (episode.status === STATUS.DONE) loadPeaks(episode);
    }
    if (!previous) applyDeepLink();
  }

  function setAudioSource(episode) {
    const src = episode.urls && episode.urls.audio;
    if (!src) return;
    audio.src = src;
    audio.load();
  }

  function titleOf(episode) {
    return episode.title || (episode.transcript && episode.transcript.title) || "Untitled episode";
  }

  function renderHead(episode) {
    const title = titleOf(episode);
    $("episode-title").textContent = title;
    document.title = `${title} · podalign`;

    const meta = $("episode-meta");
    const parts = [];
    if (episode.duration) parts.push(formatDuration(episode.duration));
    const lines = episode.turn_count;
    if (lines) parts.push(`${lines} line${lines === 1 ? "" : "s"}`);
    const created = formatDate(episode.created_at);
    if (created) parts.push(created);
    meta.replaceChildren(parts.join(" · "));

    const downloads = $("downloads");
    const links = (episode.urls && episode.urls.downloads) || {};
    downloads.hidden = episode.status !== STATUS.DONE;
    for (const link of downloads.querySelectorAll("[data-download]")) {
      const href = links[link.dataset.download];
      if (href) link.href = href;
      else link.removeAttribute("href");
      link.hidden = !href;
    }
  }

  function renderJob(episode) {
    const active = isActive(episode);
    const failed = episode.status === STATUS.FAILED;
    $("job").hidden = !active && !failed;
    $("job-running").hidden = !active;
    $("job-failed").hidden = !failed;
    if (active) {
      const pill = $("job-status");
      pill.textContent = statusLabel(episode.status);
      pill.className = `status-pill status-${episode.status}`;
      const stage = episode.status === STATUS.QUEUED ? "Waiting for a worker" : episode.stage || "Aligning";
      $("job-stage").textContent = stage.charAt(0).toUpperCase() + stage.slice(1);
      const percent = episode.status === STATUS.QUEUED ? 0 : Math.round(episode.progress || 0);
      $("job-percent").textContent = `${percent}%`;
      setProgress($("job").querySelector(".progress"), percent);
    }
    if (failed) $("job-error").textContent = episode.error || "No reason was given.";
  }

  $("retry").addEventListener("click", async () => {
    const button = $("retry");
    button.disabled = true;
    $("retry-error").textContent = "";
    try {
      await request("POST", `${apiUrl}/retry`);
      await load();
    } catch (error) {
      $("retry-error").textContent = `Could not retry: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  });

  async function loadPeaks(episode) {
    const url = episode.urls && episode.urls.peaks;
    if (!url) return;
    try {
      state.peaks = await request("GET", url);
    } catch {
      state.peaks = null; // the timeline still shows the turns without a waveform
    }
    buildTimeline();
  }

  // ---- Transcript ----------------------------------------------------------

  function colorOf(name) {
    if (!state.speakers.has(name)) state.speakers.set(name, speakerColor(state.speakers.size));
    return state.speakers.get(name);
  }

  function renderTranscript(transcript) {
    state.views = [];
    state.current = null;
    state.currentWord = null;
    state.speakers = new Map();
    if (!transcript) {
      turnsList.replaceChildren();
      $("legend").replaceChildren();
      updateTimed();
      return;
    }
    for (const name of transcript.speakers || []) colorOf(name);
    const items = [];
    for (const turn of transcript.turns || []) {
      const view = buildTurn(turn);
      state.views.push(view);
      items.push(view.li);
    }
    turnsList.replaceChildren(...items);
    renderLegend();
    updateTimed();
    applySearch();
    update(now());
    document.dispatchEvent(new CustomEvent("podalign:rendered", { detail: state.episode }));
  }

  function renderLegend() {
    const items = [];
    for (const [name, color] of state.speakers) {
      const item = el("li", {}, el("span", { class: "swatch", "aria-hidden": "true" }), name || "Unknown speaker");
      item.style.setProperty("--spk", color);
      items.push(item);
    }
    $("legend").replaceChildren(...items);
  }

  function hasTime(turn) {
    return turn.start != null && isFinite(turn.start);
  }

  function updateTimed() {
    state.timed = state.views.filter((view) => hasTime(view.turn));
    state.timed.sort((a, b) => a.turn.start - b.turn.start);
    buildTimeline();
  }

  function buildTurn(turn) {
    const speaker = turn.speaker || "";
    const li = el("li", { class: "turn", id: `turn-${turn.index}`, dataset: { index: turn.index } });
    li.style.setProperty("--spk", colorOf(speaker));
    const view = {
      turn,
      li,
      speakerEl: el("span", { class: "speaker" }),
      timeButton: el("button", { type: "button", class: "turn-time", dataset: { action: "play" } }),
      badges: el("span", { class: "badges" }),
      copyButton: el("button", {
        type: "button", class: "icon-button subtle", dataset: { action: "copy" },
        "aria-label": "Copy link to this moment", title: "Copy link to this moment",
      }, icon("link")),
      adjustButton: el("button", {
        type: "button", class: "icon-button subtle", dataset: { action: "adjust" },
        "aria-label": "Fix the start time of this line", title: "Fix the start time",
        "aria-expanded": "false", "aria-controls": `adjust-${turn.index}`,
      }, icon("clock")),
      textEl: el("p", { class: "turn-text" }),
      note: el("p", { class: "turn-note" }),
      adjust: null,
      wordEls: [],
      marked: false,
      draftStart: null,
      saveTimer: null,
      saving: false,
    };
    li.append(
      el("div", { class: "turn-head" },
        view.speakerEl, view.timeButton, view.badges,
        el("span", { class: "turn-actions" }, view.copyButton, view.adjustButton)),
      view.textEl,
      view.note);
    view.speakerEl.textContent = speaker || "Unknown speaker";
    li.podalignView = view;
    renderTurnMeta(view);
    renderText(view, []);
    return view;
  }

  /* Time label, badges and the greyed / low-confidence classes of a turn. */
  function renderTurnMeta(view) {
    const { turn, li } = view;
    const timed = hasTime(turn);
    const notFound = turn.status === "not_found";
    const manual = turn.status === "manual" || turn.manual === true;
    const low = !manual && turn.confidence != null && turn.confidence < LOW_CONFIDENCE;

    view.timeButton.textContent = timed ? formatTime(turn.start) : "–:––";
    view.timeButton.setAttribute("aria-label", timed ? `Play from ${formatTime(turn.start)}` : "No time for this line");
    view.timeButton.disabled = !timed;
    view.copyButton.disabled = !timed;

    li.classList.toggle("not-found", notFound);
    li.classList.toggle("low-confidence", low && !notFound);
    li.classList.toggle("pending", turn.status === "pending");

    const badges = [];
    if (notFound) badges.push(["not-found", "Not found", "These words were not heard in the audio"]);
    else if (low) {
      const percent = Math.round(turn.confidence * 100);
      badges.push(["low", "Low confidence", `The aligner is unsure of this time (${percent}% confident)`]);
    }
    if (manual) badges.push(["manual", "Set by hand", "This start time was fixed by hand"]);
    else if (turn.status === "estimated") badges.push(["estimated", "Estimated", "Timed from the lines around it"]);
    view.badges.replaceChildren(...badges.map(([kind, label, title]) =>
      el("span", { class: `badge badge-${kind}`, title }, label)));

    view.note.hidden = !notFound;
    view.note.textContent = notFound
      ? "Not found in the audio, so this line has no time. It may have been cut from the episode; you can set its start by hand."
      : "";
  }

  function wordsOf(turn) {
    if (turn.words && turn.words.length) return turn.words;
    return turn.text.split(/\s+/).filter(Boolean).map((text) => ({ text, start: null, end: null }));
  }

  /* Pieces of text (starting at offset `from` in the searched string) with
   * the parts inside the match ranges wrapped in <mark>. */
  function highlighted(text, from, ranges) {
    const nodes = [];
    let position = 0;
    for (const [start, end] of ranges) {
      const a = Math.max(start - from, position);
      const b = Math.min(end - from, text.length);
      if (b <= a) continue;
      if (a > position) nodes.push(text.slice(position, a));
      nodes.push(el("mark", {}, text.slice(a, b)));
      position = b;
    }
    if (position < text.length) nodes.push(text.slice(position));
    return nodes;
  }

  /* The turn's words as spans (so the spoken word can be lit up), joined by
   * single spaces: the same string the search runs over. */
  function renderText(view, ranges) {
    const nodes = [];
    view.wordEls = [];
    let offset = 0;
    wordsOf(view.turn).forEach((word, i) => {
      if (i) {
        nodes.push(...highlighted(" ", offset, ranges));
        offset += 1;
      }
      const span = el("span", { class: "w" }, ...highlighted(word.text, offset, ranges));
      nodes.push(span);
      view.wordEls.push(span);
      offset += word.text.length;
    });
    view.textEl.replaceChildren(...nodes);
    view.marked = ranges.length > 0;
    if (state.current === view) state.currentWord = null;
  }

  function plainText(view) {
    return wordsOf(view.turn).map((word) => word.text).join(" ");
  }

  // ---- Playback ----------------------------------------------------------

  function now() {
    return state.pendingSeek != null ? state.pendingSeek : audio.currentTime || 0;
  }

  function duration() {
    if (isFinite(audio.duration) && audio.duration > 0) return audio.duration;
    if (state.peaks && state.peaks.duration) return state.peaks.duration;
    if (state.episode && state.episode.duration) return state.episode.duration;
    const last = state.timed[state.timed.length - 1];
    return last ? last.turn.end || last.turn.start : 0;
  }

  function seek(time, play) {
    const target = Math.max(0, Math.min(time, duration() || time));
    if (audio.readyState >= HTMLMediaElement.HAVE_METADATA) {
      state.pendingSeek = null;
      audio.currentTime = target;
    } else {
      state.pendingSeek = target;
    }
    update(target);
    if (play) startPlayback();
  }

  function startPlayback() {
    audio.play().catch((error) => {
      if (error.name !== "AbortError") toast("The browser did not start playback. Press play.", true);
    });
  }

  function togglePlay() {
    if (audio.paused) startPlayback();
    else audio.pause();
  }

  function skip(delta) {
    state.follow = true;
    seek(now() + delta, false);
  }

  /* The turn playing at `time`: the last one to have started. In a gap the
   * previous turn stays current, which reads better than flickering off. */
  function turnAt(time) {
    const timed = state.timed;
    let low = 0;
    let high = timed.length - 1;
    let found = null;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (timed[mid].turn.start <= time + EPSILON) {
        found = timed[mid];
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }

  function update(time) {
    const view = turnAt(time);
    if (view !== state.current) setCurrent(view);
    updateWord(time);
    $("time-current").textContent = formatTime(time);
    $("time-total").textContent = formatTime(duration());
    const total = duration();
    timeline.setAttribute("aria-valuemax", String(Math.round(total)));
    timeline.setAttribute("aria-valuenow", String(Math.round(time)));
    timeline.setAttribute("aria-valuetext", `${formatTime(time)} of ${formatTime(total)}`);
    drawTimeline(time);
  }

  function setCurrent(view) {
    if (state.current) {
      state.current.li.classList.remove("current");
      state.current.li.removeAttribute("aria-current");
    }
    if (state.currentWord) state.currentWord.classList.remove("spoken");
    state.currentWord = null;
    state.current = view;
    if (!view) return;
    view.li.classList.add("current");
    view.li.setAttribute("aria-current", "true");
    if (state.follow) keepInView(view.li, false);
    updateBackButton();
  }

  function updateWord(time) {
    const view = state.current;
    let word = null;
    if (view && (view.turn.end == null || time <= view.turn.end + EPSILON)) {
      const words = wordsOf(view.turn);
      for (let i = 0; i < words.length; i++) {
        if (words[i].start != null && words[i].start <= time + EPSILON) word = view.wordEls[i];
        else if (words[i].start != null) break;
      }
    }
    if (word === state.currentWord) return;
    if (state.currentWord) state.currentWord.classList.remove("spoken");
    if (word) word.classList.add("spoken");
    state.currentWord = word;
  }

  function frame() {
    update(now());
    state.frame = audio.paused ? null : requestAnimationFrame(frame);
  }

  function renderPlayButton() {
    const playing = !audio.paused;
    const button = $("play");
    button.replaceChildren(icon(playing ? "pause" : "play"));
    button.setAttribute("aria-label", playing ? "Pause" : "Play");
    root.classList.toggle("playing", playing);
  }

  audio.addEventListener("play", () => {
    renderPlayButton();
    if (!state.frame) state.frame = requestAnimationFrame(frame);
  });
  audio.addEventListener("pause", () => {
    renderPlayButton();
    update(now());
  });
  audio.addEventListener("loadedmetadata", () => {
    if (state.pendingSeek != null) {
      audio.currentTime = state.pendingSeek;
      state.pendingSeek = null;
    }
    buildTimeline();
    update(now());
  });
  audio.addEventListener("seeked", () => update(now()));
  audio.addEventListener("timeupdate", () => {
    if (audio.paused) update(now());
  });
  audio.addEventListener("error", () => {
    if (state.episode && !isActive(state.episode)) toast("The audio could not be loaded.", true);
  });

  $("play").addEventListener("click", togglePlay);
  $("back5").append(icon("back", "5"));
  $("fwd5").append(icon("forward", "5"));
  $("back5").addEventListener("click", () => skip(-SKIP_SECONDS));
  $("fwd5").addEventListener("click", () => skip(SKIP_SECONDS));
  $("rate").addEventListener("click", () => {
    const next = RATES[(RATES.indexOf(audio.playbackRate) + 1) % RATES.length];
    audio.playbackRate = next;
    $("rate").textContent = `${next}×`;
    $("rate").setAttribute("aria-label", `Playback speed ${next}×`);
  });
  renderPlayButton();

  function playTurn(view) {
    if (!hasTime(view.turn)) {
      toast("This line was not found in the audio, so it has no time yet.");
      return;
    }
    state.follow = true;
    seek(view.turn.start, true);
  }

  /* j / k: the next or previous turn among those shown (search may hide some). */
  function stepTurn(direction) {
    const shown = state.timed.filter((view) => !view.li.hidden);
    if (!shown.length) return;
    const from = state.current ? state.current.turn.start : now();
    let target = null;
    if (direction > 0) {
      target = shown.find((view) => view.turn.start > from + EPSILON) || null;
      if (!state.current && !target) target = shown[0];
    } else {
      for (const view of shown) if (view.turn.start < from - EPSILON) target = view;
    }
    if (!target) return;
    state.follow = true;
    seek(target.turn.start, false);
  }

  // ---- Following the current turn ----------------------------------------

  let scrollingByCode = false;
  let scrollTimer = null;

  function stickyTop() {
    return parseFloat(getComputedStyle(player).top) || 0;
  }

  /* Scroll so the turn sits in the upper part of the area below the sticky
   * player, unless it is already comfortably visible. */
  function keepInView(li, force) {
    if (li.hidden) return;
    const rect = li.getBoundingClientRect();
    const bottom = window.innerHeight - 24;
    if (!force && rect.top >= player.getBoundingClientRect().bottom + 12 && rect.bottom <= bottom) {
      return;
    }
    // Measured as it will be once scrolled: stuck to the top of the window.
    const top = stickyTop() + player.offsetHeight + 12;
    const room = bottom - top;
    const offset = rect.height < room ? room * 0.2 : 0;
    const lowest = document.documentElement.scrollHeight - window.innerHeight;
    const target = Math.max(0, Math.min(lowest, window.scrollY + rect.top - top - offset));
    // Already there (a turn taller than the room, or at the page's end): nothing to do,
    // and no end of a scroll to wait for.
    if (Math.abs(target - window.scrollY) < 1) return;
    scrollingByCode = true;
    endScrollingByCodeSoon();
    window.scrollTo({ top: target, behavior: reducedMotion.matches ? "auto" : "smooth" });
  }

  /* scrollend does not fire when nothing moves, nor always when the browser cuts a
   * glide short, so a timer ends a scroll by code too; every step of the glide puts it
   * off, for a glide can outlast it on a slow device. */
  function endScrollingByCodeSoon() {
    clearTimeout(scrollTimer);
    scrollTimer = setTimeout(scrollByCodeEnded, 1200);
  }

  function scrollByCodeEnded() {
    scrollingByCode = false;
    clearTimeout(scrollTimer);
    // What loads above the transcript while the page glides to a turn (the chapters,
    // their suggestions) pushes the turn down, and the browser anchors the view only
    // once it stands still: at the glide's end, the turn is looked for again.
    if (state.follow && state.current) keepInView(state.current.li, false);
  }

  function userScrolled() {
    if (!state.follow) return;
    state.follow = false;
    updateBackButton();
  }

  function inView(li) {
    const rect = li.getBoundingClientRect();
    return rect.bottom > player.getBoundingClientRect().bottom && rect.top < window.innerHeight;
  }

  /* Offered only while the current turn is out of sight and not followed. */
  function updateBackButton() {
    const current = state.current;
    backButton.hidden = state.follow || !current || current.li.hidden || inView(current.li);
  }

  let scrollFrame = null;

  function onScroll() {
    scrollFrame = null;
    player.classList.toggle("stuck", player.getBoundingClientRect().top <= stickyTop() + 0.5);
    updateBackButton();
  }

  window.addEventListener("wheel", userScrolled, { passive: true });
  window.addEventListener("touchmove", userScrolled, { passive: true });
  window.addEventListener("scroll", () => {
    if (scrollingByCode) endScrollingByCodeSoon();
    else userScrolled();
    if (!scrollFrame) scrollFrame = requestAnimationFrame(onScroll);
  }, { passive: true });
  window.addEventListener("scrollend", () => {
    if (scrollingByCode) scrollByCodeEnded();
  });

  backButton.prepend(icon("down"));
  backButton.addEventListener("click", () => {
    state.follow = true;
    updateBackButton();
    if (state.current) keepInView(state.current.li, true);
  });

  // ---- Timeline ----------------------------------------------------------

  const context = canvas.getContext("2d");
  let layers = null; // the waveform pre-drawn in its unplayed and played colours

  function peakBetween(from, to) {
    const { peaks, points_per_second: rate } = state.peaks;
    let high = 0;
    const last = Math.min(peaks.length, Math.ceil(to * rate));
    for (let i = Math.max(0, Math.floor(from * rate)); i < last; i++) {
      if (peaks[i] > high) high = peaks[i];
    }
    return high;
  }

  function drawLayer(width, height, ratio, played) {
    const layer = document.createElement("canvas");
    layer.width = Math.round(width * ratio);
    layer.height = Math.round(height * ratio);
    const ctx = layer.getContext("2d");
    ctx.scale(ratio, ratio);
    const total = duration();
    if (!total) return layer;

    for (const view of state.timed) {
      const x0 = (view.turn.start / total) * width;
      const x1 = ((view.turn.end ?? view.turn.start) / total) * width;
      ctx.globalAlpha = played ? 0.16 : 0.1;
      ctx.fillStyle = colorOf(view.turn.speaker || "");
      ctx.fillRect(x0, 0, Math.max(1, x1 - x0), height);
    }

    const usable = height - 8;
    let loudest = 0;
    if (state.peaks && state.peaks.peaks && state.peaks.peaks.length) {
      for (const value of state.peaks.peaks) if (value > loudest) loudest = value;
    }
    for (let x = 0; x < width; x += BAR_STEP) {
      const from = (x / width) * total;
      const to = ((x + BAR_STEP) / width) * total;
      const amplitude = loudest ? peakBetween(from, to) / loudest : 0;
      const bar = Math.max(2, amplitude * usable);
      const view = turnAt((from + to) / 2);
      const inside = view && (view.turn.end == null || view.turn.end >= from);
      ctx.globalAlpha = played ? 1 : 0.38;
      ctx.fillStyle = inside ? colorOf(view.turn.speaker || "") : "#8b93a0";
      ctx.fillRect(x, (height - bar) / 2, BAR_WIDTH, bar);
    }
    return layer;
  }

  function buildTimeline() {
    const width = timeline.clientWidth;
    const height = timeline.clientHeight;
    if (!width || !height) return;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    layers = {
      width, height, ratio,
      unplayed: drawLayer(width, height, ratio, false),
      played: drawLayer(width, height, ratio, true),
    };
    drawTimeline(now());
  }

  function drawTimeline(time) {
    if (!layers) return;
    const { width, height, ratio, unplayed, played } = layers;
    const total = duration();
    const x = total ? Math.min(width, (time / total) * width) : 0;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.drawImage(unplayed, 0, 0);
    if (x > 0) {
      const px = Math.round(x * ratio);
      context.drawImage(played, 0, 0, px, canvas.height, 0, 0, px, canvas.height);
    }
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    if (state.query && total) {
      context.fillStyle = "#d19a00";
      for (const view of state.matches) {
        if (hasTime(view.turn)) context.fillRect((view.turn.start / total) * width - 1, 0, 2, 5);
      }
    }
    context.fillStyle = "#1d2330";
    context.fillRect(Math.round(x) - 1, 0, 2, height);
  }

  new ResizeObserver(() => buildTimeline()).observe(timeline);

  function timeAtPointer(event) {
    const rect = timeline.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
    return fraction * duration();
  }

  let scrubbing = false;
  timeline.addEventListener("pointerdown", (event) => {
    if (!duration()) return;
    scrubbing = true;
    timeline.setPointerCapture(event.pointerId);
    state.follow = true;
    seek(timeAtPointer(event), false);
  });
  timeline.addEventListener("pointermove", (event) => {
    const time = timeAtPointer(event);
    if (scrubbing) seek(time, false);
    if (event.pointerType === "mouse" && duration()) {
      hoverLabel.hidden = false;
      hoverLabel.textContent = formatTime(time);
      const rect = timeline.getBoundingClientRect();
      hoverLabel.style.left = `${Math.min(rect.width - 24, Math.max(24, event.clientX - rect.left))}px`;
    }
  });
  const endScrub = () => (scrubbing = false);
  timeline.addEventListener("pointerup", endScrub);
  timeline.addEventListener("pointercancel", endScrub);
  timeline.addEventListener("pointerleave", () => (hoverLabel.hidden = true));

  // ---- Clicking turns, copying links -------------------------------------

  turnsList.addEventListener("click", (event) => {
    const li = event.target.closest(".turn");
    if (!li) return;
    const view = li.podalignView;
    const action = event.target.closest("[data-action]");
    if (action) {
      turnAction(view, action.dataset.action);
      return;
    }
    if (event.target.closest("a, button, input, textarea, select, .adjust, .edit-form")) return;
    // Selecting text to copy it should not jump the audio.
    if (!window.getSelection().isCollapsed) return;
    playTurn(view);
  });

  function momentUrl(time) {
    // Round up so the link never lands a hair before the turn, in the one before it.
    const t = Math.ceil(time * 100) / 100;
    return `${location.origin}${location.pathname}#t=${t}`;
  }

  async function turnAction(view, action) {
    if (action === "play") playTurn(view);
    else if (action === "copy") {
      const copied = await copyText(momentUrl(view.turn.start));
      if (copied) toast(`Link to ${formatTime(view.turn.start)} copied`);
    } else if (action === "adjust") toggleAdjust(view);
    else if (action === "earlier") nudge(view, -NUDGE_SECONDS);
    else if (action === "later") nudge(view, NUDGE_SECONDS);
    else if (action === "playhead") setDraft(view, now());
  }

  // ---- Fixing a turn's start by hand ---------------------------------------

  function toggleAdjust(view) {
    if (!view.adjust) {
      view.adjust = el("div", { class: "adjust", id: `adjust-${view.turn.index}`, hidden: true },
        el("span", { class: "adjust-label" }, "Start"),
        el("button", {
          type: "button", class: "button small", dataset: { action: "earlier" },
          "aria-label": "Move the start 0.1 seconds earlier",
        }, "−0.1 s"),
        el("output", { class: "adjust-value" }),
        el("button", {
          type: "button", class: "button small", dataset: { action: "later" },
          "aria-label": "Move the start 0.1 seconds later",
        }, "+0.1 s"),
        el("button", {
          type: "button", class: "button small", dataset: { action: "playhead" },
          "aria-label": "Set the start to the current playback position",
        }, "Set to playhead"),
        el("span", { class: "adjust-state", role: "status" }));
      view.li.append(view.adjust);
    }
    const open = view.adjust.hidden;
    view.adjust.hidden = !open;
    view.adjustButton.setAttribute("aria-expanded", String(open));
    view.li.classList.toggle("adjusting", open);
    renderAdjust(view);
  }

  function renderAdjust(view) {
    if (!view.adjust) return;
    const start = view.draftStart ?? view.turn.start;
    view.adjust.querySelector(".adjust-value").textContent = formatTime(start, true);
    for (const action of ["earlier", "later"]) {
      view.adjust.querySelector(`[data-action="${action}"]`).disabled = start == null;
    }
  }

  function setAdjustState(view, text, kind) {
    const node = view.adjust.querySelector(".adjust-state");
    node.textContent = text;
    node.className = `adjust-state ${kind || ""}`;
  }

  function nudge(view, delta) {
    const start = view.draftStart ?? view.turn.start;
    if (start == null) return;
    setDraft(view, start + delta);
    // Playing from the new start lets the user hear whether it is right.
    seek(view.draftStart, !audio.paused);
  }

  function setDraft(view, start) {
    view.draftStart = Math.max(0, Math.round(start * 1000) / 1000);
    renderAdjust(view);
    setAdjustState(view, "Not saved yet…", "pending");
    clearTimeout(view.saveTimer);
    view.saveTimer = setTimeout(() => save(view), SAVE_DELAY_MS);
  }

  async function save(view) {
    if (view.saving || view.draftStart == null) return;
    const start = view.draftStart;
    view.saving = true;
    setAdjustState(view, "Saving…", "pending");
    try {
      // Only the start: the server moves the end along, keeping the turn's length.
      const data = await request("PATCH", `${apiUrl}/turns/${view.turn.index}`, {
        start, revision: state.episode.revision,
      });
      const { revision, ...updated } = data || {};
      state.episode.revision = revision;
      view.turn = { ...view.turn, ...updated };
      document.dispatchEvent(new CustomEvent("podalign:changed"));
      if (view.draftStart === start) view.draftStart = null;
      renderTurnMeta(view);
      renderText(view, []);
      updateTimed();
      applySearchTo(view);
      setCurrent(null);
      update(now());
      setAdjustState(view, "Saved", "ok");
    } catch (error) {
      setAdjustState(view, `Not saved: ${error.message}`, "error");
      if (error.status === 409) reloadTranscript();
    } finally {
      view.saving = false;
      renderAdjust(view);
    }
    if (view.draftStart != null && view.draftStart !== start) save(view);
  }

  /* The transcript as the server has it now, after an edit made here (editor.js) or elsewhere. */
  async function reloadTranscript() {
    const episode = await request("GET", `${apiUrl}?words=1`);
    state.episode = episode;
    renderHead(episode);
    renderTranscript(episode.transcript);
    return episode;
  }

  window.podalign.player = {
    apiUrl,
    audio,
    episode: () => state.episode,
    currentTurn: () => state.current && state.current.turn,
    views: () => state.views,
    seek,
    reload: reloadTranscript,
  };

  // ---- Search --------------------------------------------------------------

  function matchRanges(text, query) {
    const ranges = [];
    if (!query) return ranges;
    const haystack = text.toLowerCase();
    let at = haystack.indexOf(query);
    while (at !== -1) {
      ranges.push([at, at + query.length]);
      at = haystack.indexOf(query, at + query.length);
    }
    return ranges;
  }

  /* Highlights the query in one turn and hides the turn when nothing matches.
   * Returns whether it matched. */
  function applySearchTo(view) {
    const query = state.query;
    const textRanges = matchRanges(plainText(view), query);
    const name = view.turn.speaker || "Unknown speaker";
    const nameRanges = matchRanges(name, query);
    if (textRanges.length || view.marked) renderText(view, textRanges);
    view.speakerEl.replaceChildren(...highlighted(name, 0, nameRanges));
    const hit = !query || textRanges.length > 0 || nameRanges.length > 0;
    view.li.hidden = !hit;
    return hit;
  }

  function applySearch() {
    state.query = searchInput.value.trim().replace(/\s+/g, " ").toLowerCase();
    state.matches = state.views.filter((view) => applySearchTo(view) && state.query);
    state.matchCursor = -1;
    root.classList.toggle("searching", Boolean(state.query));
    $("search-clear").hidden = !searchInput.value;
    $("no-matches").hidden = !state.query || state.matches.length > 0;
    renderSearchCount();
    for (const view of state.views) view.li.classList.remove("match-focus");
    updateBackButton();
    update(now());
  }

  function renderSearchCount() {
    const count = state.matches.length;
    let text = "";
    if (state.query) {
      text = state.matchCursor >= 0 ? `${state.matchCursor + 1} of ${count}` : `${count} line${count === 1 ? "" : "s"}`;
    }
    $("search-count").textContent = text;
  }

  function jumpToMatch(direction) {
    const count = state.matches.length;
    if (!count) return;
    const previous = state.matches[state.matchCursor];
    if (previous) previous.li.classList.remove("match-focus");
    state.matchCursor = (state.matchCursor + direction + count) % count;
    const view = state.matches[state.matchCursor];
    view.li.classList.add("match-focus");
    renderSearchCount();
    state.follow = true;
    if (hasTime(view.turn)) seek(view.turn.start, false);
    keepInView(view.li, true);
  }

  let searchTimer = null;
  searchInput.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(applySearch, SEARCH_DELAY_MS);
  });
  searchInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      clearTimeout(searchTimer);
      const query = searchInput.value.trim().replace(/\s+/g, " ").toLowerCase();
      if (query !== state.query) applySearch();
      jumpToMatch(event.shiftKey ? -1 : 1);
    } else if (event.key === "Escape") {
      searchInput.value = "";
      applySearch();
      searchInput.blur();
    }
  });
  $("search-clear").addEventListener("click", () => {
    searchInput.value = "";
    applySearch();
    searchInput.focus();
  });

  // ---- Keyboard --------------------------------------------------------------

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target) || document.querySelector("dialog[open]")) return;
    const target = event.target instanceof Element ? event.target : null;
    switch (event.key) {
      case " ":
        // Space presses a button reached with the keyboard; otherwise it plays.
        if (target && target.closest("button, a, summary") && target.matches(":focus-visible")) return;
        event.preventDefault();
        togglePlay();
        break;
      case "ArrowLeft":
        event.preventDefault();
        skip(-SKIP_SECONDS);
        break;
      case "ArrowRight":
        event.preventDefault();
        skip(SKIP_SECONDS);
        break;
      case "j":
        stepTurn(1);
        break;
      case "k":
        stepTurn(-1);
        break;
      case "/":
        event.preventDefault();
        searchInput.focus();
        searchInput.select();
        break;
      case "PageUp":
      case "PageDown":
      case "ArrowUp":
      case "ArrowDown":
      case "Home":
      case "End":
        userScrolled();
        break;
      default:
    }
  });

  // ---- Deep links -------------------------------------------------------------

  /* "754.2", "12:34.5" or "1:02:03" in #t= or ?t=; of a span "START,END" the start
   * (share.js plays the span and stops at its end). */
  function linkedTime() {
    const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
    const raw = (hash.get("t") ?? new URLSearchParams(location.search).get("t") ?? "").split(",")[0];
    if (!raw) return null;
    let seconds = 0;
    for (const part of raw.split(":")) {
      const value = Number(part);
      if (!isFinite(value) || part === "") return null;
      seconds = seconds * 60 + value;
    }
    return seconds >= 0 ? seconds : null;
  }

  function applyDeepLink() {
    const time = linkedTime();
    if (time == null) return;
    state.follow = true;
    seek(time, false);
    if (state.current) keepInView(state.current.li, true);
  }

  window.addEventListener("hashchange", applyDeepLink);

  load();
})();
