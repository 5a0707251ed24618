/* Shareable moments, shared by the episode page (share.js) and the embed (embed.js):
 * links of the form #t=START,END, playing exactly that span, and quoting a selection. */
"use strict";

window.podalign.moments = (function () {
  // Stop this close before END rather than a frame after it.
  const STOP_EARLY = 0.02;

  function parseClock(raw) {
    let seconds = 0;
    for (const part of raw.split(":")) {
      const value = Number(part);
      if (part === "" || !isFinite(value)) return null;
      seconds = seconds * 60 + value;
    }
    return seconds >= 0 ? seconds : null;
  }

  /* {start, end} from #t=START,END (end null for a plain #t=START); null without t. */
  function linkedSpan() {
    const raw = new URLSearchParams(location.hash.replace(/^#/, "")).get("t");
    if (!raw) return null;
    const [from, to] = raw.split(",");
    const start = parseClock(from);
    const end = to === undefined ? null : parseClock(to);
    if (start == null || (end != null && end <= start)) return null;
    return { start, end };
  }

  /* Hundredths, rounded outwards; the nudge keeps 8.04 * 100 = 803.99… at 8.04. */
  function round2(seconds, up) {
    return (up ? Math.ceil(seconds * 100 - 1e-6) : Math.floor(seconds * 100 + 1e-6)) / 100;
  }

  /* The page's own URL with #t=START,END, widened to hundredths so no word is cut. */
  function spanLink(start, end) {
    return `${location.origin}${location.pathname}#t=${round2(start, false)},${round2(end, true)}`;
  }

  /* Plays [start, end] of `audio` and pauses at end. Seeking away disarms the stop.
   * Returns a function that disarms it. */
  function playSpan(audio, start, end, onBlocked) {
    let armed = true;
    let frame = null;
    const watch = () => {
      frame = null;
      if (!armed) return;
      if (audio.currentTime >= end - STOP_EARLY) {
        audio.pause();
        audio.currentTime = end;
        disarm();
        return;
      }
      if (!audio.paused) frame = requestAnimationFrame(watch);
    };
    const onPlay = () => {
      if (armed && frame == null) frame = requestAnimationFrame(watch);
    };
    const onSeeked = () => {
      if (audio.currentTime < start - 0.5 || audio.currentTime > end + 0.5) disarm();
    };
    function disarm() {
      armed = false;
      if (frame != null) cancelAnimationFrame(frame);
      audio.removeEventListener("play", onPlay);
      audio.removeEventListener("seeked", onSeeked);
    }
    const begin = () => {
      audio.currentTime = start;
      audio.addEventListener("play", onPlay);
      audio.addEventListener("seeked", onSeeked);
      audio.play().catch((error) => {
        if (error.name !== "AbortError" && onBlocked) onBlocked();
      });
      onPlay();
    };
    if (audio.readyState >= HTMLMediaElement.HAVE_METADATA) begin();
    else audio.addEventListener("loadedmetadata", begin, { once: true });
    return disarm;
  }

  /* Marks the word elements of `words` ({el, start, end}) that lie in [start, end]. */
  function highlight(words, start, end) {
    let first = null;
    for (const word of words) {
      const inside = end != null && word.start != null && word.start >= start - 0.01 &&
        (word.end ?? word.start) <= end + 0.01;
      word.el.classList.toggle("in-moment", inside);
      if (inside && !first) first = word.el;
    }
    return first;
  }

  /* The timed words ({el, start, end, text, speaker}) the current selection touches, in order. */
  function selectedWords(words) {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return [];
    const range = selection.getRangeAt(0);
    return words.filter((word) => word.start != null && range.intersectsNode(word.el));
  }

  function quoteOf(picked, link) {
    const text = picked.map((word) => word.text).join(" ");
    const speakers = [...new Set(picked.map((word) => word.speaker).filter(Boolean))];
    return `“${text}”${speakers.length ? ` — ${speakers.join(", ")}` : ""}\n${link}`;
  }

  return { linkedSpan, spanLink, playSpan, highlight, selectedWords, quoteOf };
})();
