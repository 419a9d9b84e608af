// Refreshes the live part of the dashboard every 3 seconds without reloading the page.
// Kept as a file (not inline) because the Content-Security-Policy allows only scripts from 'self'.
(function () {
  "use strict";
  var box = document.getElementById("live");
  if (!box) { return; }
  // The live part itself is not a live region (screen readers would read all of it every time it is
  // replaced): only what is new is said, through this visually hidden role="status" element.
  var news = document.getElementById("live-news");
  var last = box.innerHTML;
  var seen = newsIn(box);
  var stopped = false;
  function newsIn(root) {
    // Entries that are worth saying when they appear carry data-news-id and data-news (the sentence).
    var found = {};
    var entries = root.querySelectorAll("[data-news-id]");
    for (var i = 0; i < entries.length; i++) {
      found[entries[i].getAttribute("data-news-id")] = entries[i].getAttribute("data-news");
    }
    return found;
  }
  function announce(now) {
    var sentences = [];
    for (var id in now) {
      if (Object.prototype.hasOwnProperty.call(now, id) && !Object.prototype.hasOwnProperty.call(seen, id)) {
        sentences.push(now[id]);
      }
    }
    seen = now;
    if (!news || sentences.length === 0) { return; }
    // Emptied first, so that the same sentence twice in a row is still read out.
    news.textContent = "";
    window.setTimeout(function () { news.textContent = sentences.join(". ") + "."; }, 100);
  }
  function busy() {
    // Never swap the markup under a person who is pressing a button or typing in it, nor while the idle
    // warning is open (the element focus returns to afterwards must still be there).
    var warning = document.getElementById("session-dialog");
    if (warning && warning.open) { return true; }
    var active = document.activeElement;
    // Nor under somebody listening to a voicemail: the new markup would cut it off.
    var playing = Array.prototype.some.call(box.getElementsByTagName("audio"), function (audio) {
      return !audio.paused;
    });
    // Nor under a form refused with a message at its field (the job page's search form): the new markup
    // would drop the message and what was typed before it is corrected and sent again.
    var refused = box.querySelector("[aria-invalid='true']");
    return playing || refused !== null || (active && box.contains(active) && active.tagName !== "A");
  }
  function loggedOut(response) {
    // The session has ended. The dashboard (data-on-logout="login") goes to the login page, which says
    // why and brings the person back here: lists that no longer update must not look current. Other pages
    // (a case with a half-written note) keep their content and show the message in place (session.js).
    stopped = true;
    response.json().catch(function () { return {}; }).then(function (body) {
      body = body || {};
      var here = window.location.pathname + window.location.search;
      var target = "/login?next=" + encodeURIComponent(here);
      if (body.grund) { target += "&grund=" + encodeURIComponent(body.grund); }
      if (box.getAttribute("data-on-logout") !== "login") {
        var shown = !document.dispatchEvent(new CustomEvent("fluxx:logged-out", { detail: body, cancelable: true }));
        if (shown) { return; }
      }
      window.location.assign(target);
    });
  }
  function refresh() {
    if (stopped || document.hidden || busy()) { return; }
    // The header marks the poll as background work: it must not keep an idle session alive.
    fetch(box.getAttribute("data-src"), {
      credentials: "same-origin", cache: "no-store", headers: { "X-Fluxx-Background": "1" }
    })
      .then(function (response) {
        if (response.status === 401) { loggedOut(response); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null && html !== undefined && html !== last) {
          box.innerHTML = html;
          last = box.innerHTML;
          announce(newsIn(box));
        }
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }
  window.setInterval(refresh, 3000);
})();
