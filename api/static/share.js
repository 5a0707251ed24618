/* The episode page's shareable moments: select words to get a link that plays
 * exactly them, copy that link or a quote, and follow such links when opened. */
"use strict";

(function () {
  const { toast, copyText, formatTime, moments, player } = window.podalign;
  const turnsList = document.getElementById("turns");
  const bar = document.getElementById("share-bar");
  const linkInput = document.getElementById("share-link");
  let picked = [];
  let disarm = null;

  /* Every word on the page with its element and times, in transcript order. */
  function allWords() {
    const words = [];
    for (const view of player.views()) {
      view.turn.words.forEach((word, i) => {
        const node = view.wordEls[i];
        if (node) words.push({ el: node, start: word.start, end: word.end, text: word.text, speaker: view.turn.speaker });
      });
    }
    return words;
  }

  function span() {
    return { start: picked[0].start, end: Math.max(...picked.map((word) => word.end ?? word.start)) };
  }

  function showBar() {
    picked = moments.selectedWords(allWords());
    if (!picked.length) {
      bar.hidden = true;
      return;
    }
    const { start, end } = span();
    linkInput.value = moments.spanLink(start, end);
    document.getElementById("share-span").textContent = `${formatTime(start, true)} – ${formatTime(end, true)}`;
    bar.hidden = false;
    const rect = window.getSelection().getRangeAt(0).getBoundingClientRect();
    bar.style.top = `${window.scrollY + rect.bottom + 8}px`;
    bar.style.left = `${Math.max(8, Math.min(window.innerWidth - bar.offsetWidth - 8, rect.left))}px`;
  }

  let timer = null;
  document.addEventListener("selectionchange", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const selection = window.getSelection();
      if (selection && selection.rangeCount && turnsList.contains(selection.anchorNode)) showBar();
      else if (!bar.contains(document.activeElement)) bar.hidden = true;
    }, 150);
  });

  document.getElementById("share-copy-link").addEventListener("click", async () => {
    if (await copyText(linkInput.value)) toast("Link to the selection copied");
  });
  document.getElementById("share-copy-quote").addEventListener("click", async () => {
    if (await copyText(moments.quoteOf(picked, linkInput.value))) toast("Quote copied");
  });
  document.getElementById("share-play").addEventListener("click", () => {
    const { start, end } = span();
    play(start, end);
  });

  function play(start, end) {
    if (disarm) disarm();
    moments.highlight(allWords(), start, end);
    disarm = moments.playSpan(player.audio, start, end, () => toast("Press play to hear the quote."));
  }

  /* A #t=START,END link: highlight the span, play it, stop at its end. */
  function followLink() {
    const linked = moments.linkedSpan();
    if (!linked || linked.end == null) {
      moments.highlight(allWords(), 0, null);
      return;
    }
    play(linked.start, linked.end);
  }

  let followed = false;
  document.addEventListener("podalign:rendered", () => {
    if (followed) return;
    followed = true;
    followLink();
  });
  window.addEventListener("hashchange", followLink);
})();
