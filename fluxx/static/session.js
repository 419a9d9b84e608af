// Warns before an idle logout and says when it has happened, on every staff page.
// The server knows how long the session has left (GET data-status; looking is not activity, so several
// tabs agree); "Angemeldet bleiben" posts to data-keep-alive, which counts as activity.
// Kept as a file (not inline) because the Content-Security-Policy allows only scripts from 'self'.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch) { return; }
  var statusUrl = script.getAttribute("data-status");
  var keepAliveUrl = script.getAttribute("data-keep-alive");
  var csrf = script.getAttribute("data-csrf");
  var timer = null;
  var ended = false;
  // Writing a note is activity although nothing is sent yet: typing renews the session, at most every
  // five minutes, so a long note is not lost to the idle logout while it is being written.
  var TYPING_RENEWS_EVERY_MS = 5 * 60 * 1000;
  var lastTypingRenewal = 0;
  var returnFocus = null;

  var dialog = document.createElement("dialog");
  dialog.id = "session-dialog";
  dialog.className = "session-dialog";
  dialog.setAttribute("role", "alertdialog");
  dialog.setAttribute("aria-labelledby", "session-dialog-title");
  dialog.setAttribute("aria-describedby", "session-dialog-text");
  var title = document.createElement("h2");
  title.id = "session-dialog-title";
  title.tabIndex = -1;
  var text = document.createElement("p");
  text.id = "session-dialog-text";
  var note = document.createElement("p");
  note.id = "session-dialog-note";
  note.className = "duty-note";
  var stay = document.createElement("button");
  stay.type = "button";
  stay.className = "primary";
  stay.textContent = "Angemeldet bleiben";
  var dismiss = document.createElement("button");
  dismiss.type = "button";
  dismiss.textContent = "Schließen";
  var dismissed = false;  // the notice before the maximum age was read and closed: do not open it again
  var login = document.createElement("a");
  login.className = "button primary";
  login.textContent = "Neu anmelden";
  dialog.appendChild(title);
  dialog.appendChild(text);
  dialog.appendChild(note);
  dialog.appendChild(stay);
  dialog.appendChild(dismiss);
  dialog.appendChild(login);
  document.body.appendChild(dialog);

  function open(focusOn, modal) {
    if (dialog.open && !modal) { dialog.close(); }
    if (!dialog.open) {
      returnFocus = returnFocus || document.activeElement;
      // The warning waits for an answer; the logout message leaves the page usable (to copy a note
      // that could not be saved any more) and stays in view.
      if (modal) { dialog.showModal(); } else { dialog.show(); }
    }
    focusOn.focus();
  }
  function close() {
    if (!dialog.open) { return; }
    dialog.close();
    // The element may be gone meanwhile (a live list replaced it): then focus stays where the browser puts it.
    if (returnFocus && returnFocus.focus && document.contains(returnFocus)) { returnFocus.focus(); }
    returnFocus = null;
  }
  function schedule(seconds) {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, Math.max(1, seconds) * 1000);
  }
  function showWarning(state) {
    text.textContent = state.message;
    note.hidden = true;
    login.hidden = true;
    if (!state.renewable) {
      // The login's maximum age: "Angemeldet bleiben" cannot help. The page stays usable (not modal) so
      // that entries can still be saved; once closed, the notice does not come back before the end.
      title.textContent = "Anmeldung läuft ab";
      stay.hidden = true;
      dismiss.hidden = false;
      if (!dismissed && !dialog.open) { open(dismiss, false); }
      return;
    }
    title.textContent = "Abmeldung wegen Inaktivität";
    stay.hidden = false;
    dismiss.hidden = true;
    open(stay, true);
  }
  function showEnded(body) {
    ended = true;
    window.clearTimeout(timer);
    var here = window.location.pathname + window.location.search;
    var target = "/login?next=" + encodeURIComponent(here);
    if (body.grund) { target += "&grund=" + encodeURIComponent(body.grund); }
    title.textContent = "Abgemeldet";
    text.textContent = body.message || "Sie sind nicht mehr angemeldet.";
    note.textContent = body.duty_note || "";
    note.hidden = !body.duty_note;
    stay.hidden = true;
    dismiss.hidden = true;
    login.hidden = false;
    login.href = target;
    open(login, false);
  }
  function answer(response) {
    if (response.status === 401) {
      return response.json().catch(function () { return {}; }).then(showEnded);
    }
    if (!response.ok) { schedule(30); return null; }
    return response.json().then(function (state) {
      if (state.warn) {
        showWarning(state);
        // While warning: follow the countdown, and notice another tab keeping the session alive.
        schedule(Math.min(15, state.seconds_left + 1));
      } else {
        close();
        schedule(Math.min(60, state.seconds_left - state.warn_seconds));
      }
    });
  }
  function check() {
    if (ended) { return; }
    fetch(statusUrl, { credentials: "same-origin", cache: "no-store", headers: { "X-Fluxx-Background": "1" } })
      .then(answer)
      .catch(function () { schedule(30); });
  }
  function keepAlive() {
    var body = new URLSearchParams();
    body.set("csrf_token", csrf);
    fetch(keepAliveUrl, { method: "POST", credentials: "same-origin", cache: "no-store", body: body })
      .then(answer)
      .catch(function () { schedule(5); });
  }
  document.addEventListener("fluxx:logged-out", function (event) {
    // A live part of the page (dashboard.js) found the session ended: say so here, right away.
    event.preventDefault();
    if (!ended) { showEnded(event.detail || {}); }
  });
  stay.addEventListener("click", keepAlive);
  dismiss.addEventListener("click", function () { dismissed = true; close(); });
  document.addEventListener("input", function (event) {
    if (ended || dialog.contains(event.target)) { return; }
    var now = Date.now();
    if (now - lastTypingRenewal < TYPING_RENEWS_EVERY_MS) { return; }
    lastTypingRenewal = now;
    keepAlive();
  });
  function escape() {
    // Escape on the warning: somebody is here, which means "Angemeldet bleiben"; on the notice: "Schließen".
    if (!ended && !stay.hidden) { keepAlive(); } else if (!ended) { dismissed = true; close(); }
  }
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    escape();
  });
  dialog.addEventListener("keydown", function (event) {
    // A dialog opened with show() (the notices) gets no "cancel" from Escape: the same answer here.
    if (event.key === "Escape" && !dialog.matches(":modal")) {
      event.preventDefault();
      escape();
    }
  });
  document.addEventListener("visibilitychange", function () {
    // Timers of hidden tabs are slowed down: look again as soon as the page is seen.
    if (!document.hidden) { check(); }
  });
  check();
})();
