/* The embeddable player (/embed/<id>): a compact click-to-play transcript for
 * other sites' pages. It follows the same #t=START and #t=START,END links as the
 * episode page. */
"use strict";

(function () {
  const { ROOT, STATUS, el, icon, formatTime, request, moments } = window.podalign;
  const $ = (id) => document.getElementById(id);
  const root = $("embed");
  const audio = $("embed-audio");
  const list = $("embed-turns");
  const playButton = $("embed-play");
  const episodeId = root.dataset.episodeId;

  const words = []; // {el, start, end, text, speaker}, in order
  const turns = []; // {li, start}
  let currentTurn = null;
  let currentWord = null;
  let frame = null;

  async function load() {
    let episode;
    try {
      // words=1: the word times, for servers that leave them out of the detail by default.
      episode = await request("GET", `${ROOT}/api/episodes/${encodeURIComponent(episodeId)}?words=1`);
    } catch (error) {
      showError(error.status === 404 ? "This episode does not exist." : `Could not load the episode: ${error.message}`);
      return;
    }
    const title = $("embed-title");
    title.textContent = episode.title || "Untitled episode";
    title.href = episode.urls.page;
    document.title = `${episode.title} · podalign`;
    if (episode.status !== STATUS.DONE) {
      showError("This episode is still being aligned; come back in a moment.");
      return;
    }
    audio.src = episode.urls.audio;
    render(episode.transcript.turns);
    followLink();
  }

  function showError(message) {
    const node = $("embed-error");
    node.textContent = message;
    node.hidden = false;
  }

  function render(transcriptTurns) {
    const items = [];
    for (const turn of transcriptTurns) {
      if (turn.start == null) continue;
      const text = el("p", { class: "embed-text" });
      turn.words.forEach((word, i) => {
        const span = el("span", { class: "w" }, word.text);
        if (i) text.append(" ");
        text.append(span);
        words.push({ el: span, start: word.start, end: word.end, text: word.text, speaker: turn.speaker });
      });
      const li = el("li", { class: "embed-turn", dataset: { start: turn.start } },
        el("span", { class: "speaker" }, turn.speaker || "Unknown speaker"),
        el("span", { class: "muted small" }, ` ${formatTime(turn.start)}`),
        text);
      li.addEventListener("click", (event) => {
        if (!window.getSelection().isCollapsed) return;
        const word = words.find((w) => w.el === event.target);
        play(word && word.start != null ? word.start : turn.start);
      });
      turns.push({ li, start: turn.start });
      items.push(li);
    }
    list.replaceChildren(...items);
  }

  function play(time) {
    audio.currentTime = time;
    audio.play().catch(() => {});
  }

  function update() {
    const time = audio.currentTime;
    $("embed-clock").textContent = `${formatTime(time)} / ${formatTime(audio.duration)}`;
    let turn = null;
    for (const candidate of turns) if (candidate.start <= time + 0.005) turn = candidate;
    if (turn !== currentTurn) {
      if (currentTurn) currentTurn.li.classList.remove("current");
      if (turn) {
        turn.li.classList.add("current");
        keepInView(turn.li);
      }
      currentTurn = turn;
    }
    let word = null;
    for (const candidate of words) {
      if (candidate.start != null && candidate.start <= time + 0.005) word = candidate;
      else if (candidate.start != null && candidate.start > time) break;
    }
    if (word !== currentWord) {
      if (currentWord) currentWord.el.classList.remove("spoken");
      if (word) word.el.classList.add("spoken");
      currentWord = word;
    }
  }

  /* Scrolls the transcript box only: scrollIntoView would scroll the host page too. */
  function keepInView(li) {
    const top = li.offsetTop;
    if (top < list.scrollTop || top + li.offsetHeight > list.scrollTop + list.clientHeight) {
      list.scrollTop = Math.max(0, top - 24);
    }
  }

  function tick() {
    update();
    frame = audio.paused ? null : requestAnimationFrame(tick);
  }

  function renderPlayButton() {
    const playing = !audio.paused;
    playButton.replaceChildren(icon(playing ? "pause" : "play"));
    playButton.setAttribute("aria-label", playing ? "Pause" : "Play");
  }

  function followLink() {
    const linked = moments.linkedSpan();
    moments.highlight(words, 0, null);
    if (!linked) return;
    if (linked.end == null) {
      audio.currentTime = linked.start;
      return;
    }
    moments.highlight(words, linked.start, linked.end);
    moments.playSpan(audio, linked.start, linked.end, () => {});
  }

  playButton.addEventListener("click", () => (audio.paused ? audio.play().catch(() => {}) : audio.pause()));
  audio.addEventListener("play", () => {
    renderPlayButton();
    if (!frame) frame = requestAnimationFrame(tick);
  });
  audio.addEventListener("pause", () => {
    renderPlayButton();
    update();
  });
  audio.addEventListener("seeked", update);
  audio.addEventListener("loadedmetadata", update);
  window.addEventListener("hashchange", followLink);
  renderPlayButton();
  load();
})();
