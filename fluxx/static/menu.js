// The header's disclosure buttons: "Menü" opens the navigation on small screens, "Verwaltung" (and any folded
// group) opens its links on wide ones. Buttons with aria-expanded, no menu roles: the links stay ordinary links
// in the tab order (the disclosure pattern of the WAI-ARIA Authoring Practices). Escape closes and returns the
// focus to the button; a click or the focus elsewhere closes a folded group. On a confirmation page Escape
// follows its "Abbrechen" link (a[data-escape]); the print line's time is set here too (see the end).
// Loaded in <head> without defer so that the class "js" is set before the first paint: without this script
// (or without JavaScript) the navigation is simply shown in full, wrapped. A file, not inline: the
// Content-Security-Policy allows only scripts from 'self'.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function controlled(button) {
    return document.getElementById(button.getAttribute("aria-controls"));
  }
  function isOpen(button) {
    return button.getAttribute("aria-expanded") === "true";
  }
  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function init() {
    var menu = document.querySelector("[data-menu-toggle]");
    var groups = Array.prototype.slice.call(document.querySelectorAll("[data-group-toggle]"));
    if (menu) {
      menu.addEventListener("click", function () { setOpen(menu, !isOpen(menu)); });
    }
    groups.forEach(function (button) {
      button.addEventListener("click", function () {
        var open = !isOpen(button);
        groups.forEach(function (other) { setOpen(other, false); });
        setOpen(button, open);
      });
      // The focus left the group (Tab past its last link, or elsewhere): fold it again.
      button.parentNode.addEventListener("focusout", function (event) {
        if (isOpen(button) && event.relatedTarget && !button.parentNode.contains(event.relatedTarget)) {
          setOpen(button, false);
        }
      });
    });
    document.addEventListener("click", function (event) {
      groups.forEach(function (button) {
        if (isOpen(button) && !button.parentNode.contains(event.target)) { setOpen(button, false); }
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      var buttons = groups.concat(menu ? [menu] : []);
      for (var i = 0; i < buttons.length; i += 1) {
        var button = buttons[i];
        var panel = controlled(button);
        if (isOpen(button) && panel && (panel.contains(document.activeElement) || document.activeElement === button)) {
          setOpen(button, false);
          button.focus();
          return;
        }
      }
      // A page that asks first (shell/confirm.html): Escape is its "Abbrechen" link, unless a dialog has it.
      var cancel = document.querySelector("a[data-escape]");
      if (cancel && !event.defaultPrevented && !document.querySelector("dialog[open]")) {
        event.preventDefault();
        window.location.assign(cancel.href);
      }
    });
  }

  // The print line (shell/base.html, shown only on paper) says when the sheet was printed: set on loading (for a
  // PDF made without the print dialog) and again just before printing.
  function stampPrintTime() {
    var slot = document.querySelector("[data-print-time]");
    if (!slot) { return; }
    var now = new Date();
    var date = now.toLocaleDateString("de-DE", { day: "2-digit", month: "2-digit", year: "numeric" });
    var time = now.toLocaleTimeString("de-DE", { hour: "2-digit", minute: "2-digit" });
    slot.textContent = " · gedruckt am " + date + " um " + time + " Uhr";
  }
  window.addEventListener("beforeprint", stampPrintTime);

  function start() {
    init();
    stampPrintTime();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
