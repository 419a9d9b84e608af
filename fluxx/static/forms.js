// After a failed save: the error summary takes the focus (autofocus is not honoured on every element), and
// each of its links moves the focus to the field it names, with the field's label in view.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) return;
  if (document.activeElement !== summary) summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var id = decodeURIComponent(link.getAttribute("href").slice(1));
    var field = document.getElementById(id);
    if (!field) return;
    event.preventDefault();
    var label = document.querySelector("label[for='" + CSS.escape(id) + "']") || field;
    label.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  });
})();
