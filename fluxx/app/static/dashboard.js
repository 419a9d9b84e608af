// Refreshes the live part of the dashboard every 3 seconds without reloading the page.
// Kept as a file (not inline) because the Content-Security-Policy allows only scripts from 'self'.
(function () {
  "use strict";
  var box = document.getElementById("live");
  if (!box) { return; }
  var last = box.innerHTML;
  function busy() {
    // Never swap the markup under a person who is pressing a button or typing in it.
    var active = document.activeElement;
    // Nor under somebody listening to a voicemail: the new markup would cut it off.
    var playing = Array.prototype.some.call(box.getElementsByTagName("audio"), function (audio) {
      return !audio.paused;
    });
    return playing || (active && box.contains(active) && active.tagName !== "A");
  }
  function refresh() {
    if (document.hidden || busy()) { return; }
    // The header marks the poll as background work: it must not keep an idle session alive.
    fetch(box.getAttribute("data-src"), {
      credentials: "same-origin", cache: "no-store", headers: { "X-Fluxx-Background": "1" }
    })
      .then(function (response) {
        if (response.status === 401) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null && html !== undefined && html !== last) {
          box.innerHTML = html;
          last = box.innerHTML;
        }
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }
  window.setInterval(refresh, 3000);
})();
