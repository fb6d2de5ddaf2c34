// Survey page: move focus to the error summary, and let its links focus the question they name.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) {
      return;
    }
    event.preventDefault();
    // Focus the chosen answer, else the first one, so typing can start right away.
    var input = target.matches("input, textarea, select") ? target
      : target.querySelector("input:checked") || target.querySelector("input, textarea, select");
    var legend = target.querySelector("legend");
    (legend || target).scrollIntoView();
    (input || target).focus({ preventScroll: true });
  });
})();
