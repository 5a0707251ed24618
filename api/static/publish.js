/* The episode page's Publish panel: the <podcast:transcript> and <podcast:chapters>
 * tags for the feed, and the <iframe> of the embeddable player, with absolute URLs. */
"use strict";

(function () {
  const { ROOT, copyText, toast, player } = window.podalign;
  const $ = (id) => document.getElementById(id);
  const panel = $("publish");
  const languageInput = $("publish-language");

  function attr(value) {
    return String(value).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function absolute(path) {
    return new URL(path, location.origin).href;
  }

  function feedTags(episode, language) {
    const api = absolute(`${ROOT}/api/episodes/${encodeURIComponent(episode.id)}`);
    const lang = attr(language || "en");
    const transcript = (path, type, captions) =>
      `<podcast:transcript url="${attr(api + path)}" type="${type}" language="${lang}"${captions ? ' rel="captions"' : ""} />`;
    return [
      transcript("/transcript.vtt?preset=apple", "text/vtt", true),
      transcript("/transcript.srt?preset=p20", "application/x-subrip", true),
      transcript("/transcript.podcast.json?words=1", "application/json", false),
      transcript("/transcript.html", "text/html", false),
      `<podcast:chapters url="${attr(`${api}/chapters.json`)}" type="application/json+chapters" />`,
    ].join("\n");
  }

  function iframeSnippet(episode) {
    const src = absolute(`${ROOT}/embed/${encodeURIComponent(episode.id)}`);
    const title = `${episode.title || "Episode"} – transcript player`;
    return `<iframe src="${attr(src)}" title="${attr(title)}" width="100%" height="420" loading="lazy"></iframe>`;
  }

  function render() {
    const episode = player.episode();
    if (!episode) return;
    $("publish-tags").value = feedTags(episode, languageInput.value.trim());
    $("publish-iframe").value = iframeSnippet(episode);
    $("publish-notes").href = episode.urls.chapters.txt;
    $("publish-embed").href = episode.urls.embed;
  }

  for (const [button, field, what] of [
    ["publish-copy-tags", "publish-tags", "Feed tags"],
    ["publish-copy-iframe", "publish-iframe", "Embed code"],
  ]) {
    $(button).addEventListener("click", async () => {
      if (await copyText($(field).value)) toast(`${what} copied`);
    });
  }
  languageInput.addEventListener("input", render);

  document.addEventListener("podalign:rendered", () => {
    const episode = player.episode();
    panel.hidden = !episode || episode.status !== window.podalign.STATUS.DONE;
    if (!panel.hidden) render();
  });
})();
