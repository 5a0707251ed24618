/* Helpers shared by the library and the player page.
 *
 * All user text goes into the DOM through textContent or text nodes (see el),
 * never through innerHTML, so transcripts and titles cannot inject markup. */
"use strict";

window.podalign = (function () {
  const TOKEN_KEY = "podalign.apiToken";
  // Where the app is mounted ("" at the site root), so the pages work behind a path prefix.
  const ROOT = document.body.dataset.root || "";

  const SPEAKER_COLORS = [
    "#2f6db5", "#c2571a", "#2e8b57", "#8e44ad",
    "#a87a00", "#0f8b8d", "#c0396b", "#5b6b7f",
  ];

  const ICONS = {
    play: "M8 5.14v13.72a1 1 0 0 0 1.52.85l10.6-6.86a1 1 0 0 0 0-1.7L9.52 4.29A1 1 0 0 0 8 5.14z",
    pause: "M7 5h3.2a.8.8 0 0 1 .8.8v12.4a.8.8 0 0 1-.8.8H7a.8.8 0 0 1-.8-.8V5.8A.8.8 0 0 1 7 5zm6.8 0H17a.8.8 0 0 1 .8.8v12.4a.8.8 0 0 1-.8.8h-3.2a.8.8 0 0 1-.8-.8V5.8a.8.8 0 0 1 .8-.8z",
    back: "M12 5V2L7 6.5 12 11V7.5a6 6 0 1 1-6 6H3.5A8.5 8.5 0 1 0 12 5z",
    forward: "M12 5V2l5 4.5-5 4.5V7.5a6 6 0 1 0 6 6h2.5A8.5 8.5 0 1 1 12 5z",
    link: "M10.6 13.4a1 1 0 0 1 0-1.4l3.5-3.5a1 1 0 1 1 1.4 1.4L12 13.4a1 1 0 0 1-1.4 0zM8.1 20.5a4.6 4.6 0 0 1-3.2-7.9l2.5-2.5a1 1 0 1 1 1.4 1.4l-2.5 2.5a2.6 2.6 0 1 0 3.7 3.7l2.5-2.5a1 1 0 1 1 1.4 1.4L11.4 19a4.6 4.6 0 0 1-3.3 1.5zm7.8-6.3a1 1 0 0 1-.7-1.7l2.5-2.5a2.6 2.6 0 1 0-3.7-3.7l-2.5 2.5a1 1 0 1 1-1.4-1.4l2.5-2.5a4.6 4.6 0 1 1 6.5 6.5l-2.5 2.5a1 1 0 0 1-.7.3z",
    clock: "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zm.5-13H11v6l5.2 3.2.8-1.3-4.5-2.7V7z",
    download: "M12 3a1 1 0 0 1 1 1v9.6l3.3-3.3a1 1 0 1 1 1.4 1.4l-5 5a1 1 0 0 1-1.4 0l-5-5a1 1 0 1 1 1.4-1.4l3.3 3.3V4a1 1 0 0 1 1-1zM5 19h14a1 1 0 1 1 0 2H5a1 1 0 1 1 0-2z",
    audio: "M12 3v10.55A4 4 0 1 0 14 17V7h4V3h-6z",
    text: "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8l-6-6zm2 16H8v-2h8v2zm0-4H8v-2h8v2zm-3-5V3.5L18.5 9H13z",
    flag: "M6 3a1 1 0 0 1 1 1v.5h10.5a.8.8 0 0 1 .66 1.25L16 9.5l2.16 3.75a.8.8 0 0 1-.66 1.25H7V20a1 1 0 1 1-2 0V4a1 1 0 0 1 1-1z",
    search: "M10 3a7 7 0 0 1 5.6 11.2l4.6 4.6a1 1 0 0 1-1.4 1.4l-4.6-4.6A7 7 0 1 1 10 3zm0 2a5 5 0 1 0 0 10 5 5 0 0 0 0-10z",
    down: "M12 4a1 1 0 0 1 1 1v11.6l4.3-4.3a1 1 0 1 1 1.4 1.4l-6 6a1 1 0 0 1-1.4 0l-6-6a1 1 0 1 1 1.4-1.4l4.3 4.3V5a1 1 0 0 1 1-1z",
  };

  /* Build an element. Children that are strings become text nodes, so user
   * data is always inert; "text" sets textContent. */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value == null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child != null && child !== false) node.append(child);
    }
    return node;
  }

  function icon(name, label) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "icon icon-" + name);
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    if (label) {
      const text = document.createElementNS(ns, "text");
      text.setAttribute("x", "12");
      text.setAttribute("y", "16.4");
      text.setAttribute("text-anchor", "middle");
      text.textContent = label;
      svg.append(text);
    }
    return svg;
  }

  function fillIcons() {
    for (const node of document.querySelectorAll("[data-icon]")) {
      node.replaceChildren(icon(node.dataset.icon));
    }
  }

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  /* 75.4 -> "1:15"; precise keeps hundredths ("1:15.40") for fixing times by hand. */
  function formatTime(seconds, precise) {
    if (seconds == null || !isFinite(seconds)) return "–:––";
    const hundredths = Math.round(Math.max(0, seconds) * 100);
    const whole = Math.floor(hundredths / 100);
    const h = Math.floor(whole / 3600);
    const m = Math.floor((whole % 3600) / 60);
    const s = whole % 60;
    const out = h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
    return precise ? `${out}.${pad(hundredths % 100)}` : out;
  }

  function formatDuration(seconds) {
    if (seconds == null || !isFinite(seconds)) return "";
    const minutes = Math.round(seconds / 60);
    if (seconds < 60) return `${Math.round(seconds)} s`;
    if (minutes < 60) return `${minutes} min`;
    return `${Math.floor(minutes / 60)} h ${pad(minutes % 60)} min`;
  }

  function parseDate(value) {
    if (value == null || value === "") return null;
    // Numbers are Unix times; below 1e12 they are seconds rather than milliseconds.
    const date = typeof value === "number" ? new Date(value < 1e12 ? value * 1000 : value) : new Date(value);
    return isNaN(date) ? null : date;
  }

  function formatDate(value) {
    const date = parseDate(value);
    if (!date) return "";
    return date.toLocaleString(undefined, {
      year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
    });
  }

  function speakerColor(index) {
    return SPEAKER_COLORS[((index % SPEAKER_COLORS.length) + SPEAKER_COLORS.length) % SPEAKER_COLORS.length];
  }

  function getToken() {
    try {
      return localStorage.getItem(TOKEN_KEY) || "";
    } catch {
      return "";
    }
  }

  function setToken(token) {
    try {
      if (token) localStorage.setItem(TOKEN_KEY, token);
      else localStorage.removeItem(TOKEN_KEY);
    } catch {
      // Private modes may refuse storage; the token then lasts for this page only.
    }
    sessionToken = token;
  }

  let sessionToken = getToken();
  let tokenPrompt = null;

  /* Ask for the API token in a small dialog. Concurrent 401s share one prompt.
   * Resolves true when a token was entered. */
  function askToken(rejected) {
    if (tokenPrompt) return tokenPrompt;
    const dialog = document.getElementById("token-dialog");
    const input = document.getElementById("token-input");
    const error = document.getElementById("token-error");
    tokenPrompt = new Promise((resolve) => {
      input.value = "";
      error.textContent = rejected ? "That token was not accepted. Check it and try again." : "";
      dialog.returnValue = "";
      dialog.addEventListener("close", () => {
        tokenPrompt = null;
        const token = input.value.trim();
        if (dialog.returnValue === "save" && token) {
          setToken(token);
          resolve(true);
        } else {
          resolve(false);
        }
      }, { once: true });
      dialog.showModal();
      input.focus();
    });
    return tokenPrompt;
  }

  class ApiError extends Error {
    constructor(message, status, data) {
      super(message);
      this.status = status;
      this.data = data;
    }
  }

  function errorMessage(status, data, statusText) {
    if (data && typeof data.error === "string" && data.error) return data.error;
    if (status === 413) return "That file is too large for this server.";
    if (status === 0) return "Could not reach the server. Check your connection and try again.";
    return `The server answered ${status}${statusText ? " " + statusText : ""}.`;
  }

  function authHeaders() {
    return sessionToken ? { Authorization: "Bearer " + sessionToken } : {};
  }

  async function parseBody(response) {
    const type = response.headers.get("Content-Type") || "";
    if (type.includes("json")) {
      try {
        return await response.json();
      } catch {
        return null;
      }
    }
    return null;
  }

  /* Calls the JSON API. On a 401 it asks for the token and tries again, so
   * callers never handle authentication themselves. Throws ApiError. */
  async function request(method, url, json) {
    for (let attempt = 0; ; attempt++) {
      const headers = { Accept: "application/json", ...authHeaders() };
      const init = { method, headers };
      if (json !== undefined) {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(json);
      }
      let response;
      try {
        response = await fetch(url, init);
      } catch {
        throw new ApiError(errorMessage(0), 0, null);
      }
      const data = await parseBody(response);
      if (response.status === 401 && attempt < 2 && (await askToken(attempt > 0))) continue;
      if (!response.ok) {
        throw new ApiError(errorMessage(response.status, data, response.statusText), response.status, data);
      }
      return data;
    }
  }

  /* POSTs a form with XMLHttpRequest, which (unlike fetch) reports upload
   * progress. onProgress gets a fraction from 0 to 1. */
  function upload(url, formData, onProgress) {
    const send = () => new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("Accept", "application/json");
      for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
      xhr.responseType = "text";
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
      });
      xhr.addEventListener("load", () => {
        let data = null;
        try {
          data = JSON.parse(xhr.responseText);
        } catch {
          data = null;
        }
        resolve({ status: xhr.status, statusText: xhr.statusText, data });
      });
      xhr.addEventListener("error", () => resolve({ status: 0, data: null }));
      xhr.send(formData);
    });

    return (async () => {
      for (let attempt = 0; ; attempt++) {
        const result = await send();
        if (result.status === 401 && attempt < 2 && (await askToken(attempt > 0))) continue;
        if (result.status < 200 || result.status >= 300) {
          throw new ApiError(errorMessage(result.status, result.data, result.statusText), result.status, result.data);
        }
        return result.data;
      }
    })();
  }

  let toastTimer = null;

  function toast(message, isError) {
    const node = document.getElementById("toast");
    node.textContent = message;
    node.classList.toggle("error", Boolean(isError));
    node.classList.add("show");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => node.classList.remove("show"), 2600);
  }

  /* The Clipboard API only exists on https and localhost; plain-http servers
   * on a LAN fall back to execCommand, and as a last resort a prompt the user
   * can copy from. */
  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch {
        // Fall through: permission may be denied in some embeddings.
      }
    }
    const area = el("textarea", { class: "copy-buffer", readonly: true, "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch {
      copied = false;
    }
    area.remove();
    if (!copied) window.prompt("Copy this link:", text);
    return copied;
  }

  function isTyping(target) {
    if (!target || !(target instanceof Element)) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
  }

  function setProgress(bar, percent) {
    const value = Math.max(0, Math.min(100, Math.round(percent || 0)));
    bar.setAttribute("aria-valuenow", String(value));
    bar.querySelector(".progress-bar").style.width = value + "%";
  }

  // An episode's statuses, NAME -> value, as the server's EpisodeStatus serves them into the page.
  const STATUS = Object.freeze(JSON.parse(document.body.dataset.statuses));
  const STATUS_LABELS = {
    [STATUS.QUEUED]: "Queued", [STATUS.RUNNING]: "Aligning", [STATUS.DONE]: "Ready", [STATUS.FAILED]: "Failed",
  };

  function statusLabel(status) {
    return STATUS_LABELS[status] || status || "Unknown";
  }

  fillIcons();

  return {
    ROOT, STATUS, el, icon, formatTime, formatDuration, formatDate, speakerColor,
    request, upload, toast, copyText, isTyping, setProgress, statusLabel,
  };
})();
