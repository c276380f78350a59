// cortina's page script (served as a file: the CSP allows no inline script).
// Pages work without it. On a room board it keeps the board live: it listens
// to the room's server-sent events (/api/v1/rooms/{id}/events, the same
// session as the page) and, on each change, fetches the page again and swaps
// in the new board. The indicator says live, reconnecting, or offline since
// HH:MM — never silently stale.
"use strict";

(function () {
  const board = document.querySelector("[data-live-room]");
  const indicator = document.getElementById("live");
  if (!board || !indicator || !window.EventSource) return;
  const room = board.getAttribute("data-live-room");
  let since = null;
  let refreshing = false;
  let again = false;

  function show(state, text) {
    indicator.className = "live " + state;
    indicator.textContent = text;
  }

  function hhmm(d) {
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }

  async function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      const r = await fetch(window.location.pathname, { credentials: "same-origin" });
      if (!r.ok) throw new Error("status " + r.status);
      const doc = new DOMParser().parseFromString(await r.text(), "text/html");
      const fresh = doc.getElementById("board");
      const current = document.getElementById("board");
      if (fresh && current) current.replaceChildren(...fresh.childNodes);
    } catch (e) {
      show("off", "could not refresh the board (" + e.message + ")");
    } finally {
      refreshing = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }

  const source = new EventSource("/api/v1/rooms/" + encodeURIComponent(room) + "/events");
  // Each (re)subscription: changes between the page's reading and the
  // subscription are not on the stream, so the board is read again.
  source.addEventListener("ready", function () {
    since = null;
    show("on", "live");
    refresh();
  });
  for (const name of ["log.record", "log.update", "log.close", "liaison_report.triage", "resync"]) {
    source.addEventListener(name, refresh);
  }
  source.onerror = function () {
    if (source.readyState === EventSource.CLOSED) {
      since = since || new Date();
      show("off", "offline since " + hhmm(since) + " — reload the page");
    } else {
      since = since || new Date();
      show("off", "reconnecting (offline since " + hhmm(since) + ")");
    }
  };
})();
