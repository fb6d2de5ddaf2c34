// Survey page: empty a form restored by Back, move focus to the error summary, and let its
// links focus the question they name.
(function () {
  "use strict";
  // Back or Forward can restore this page from the browser's memory (the back/forward cache)
  // with the last patient's answers still filled in; Safari does so even for no-store pages.
  // The server prevents it where it can (no-store, autocomplete="off", a new CSRF cookie after
  // each survey); this clears what gets through, for the next patient at a shared tablet.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    document.querySelectorAll("form input[type=radio], form input[type=checkbox]")
      .forEach(function (input) { input.checked = false; });
    document.querySelectorAll("form textarea, form input[type=text]")
      .forEach(function (input) { input.value = ""; });
  });

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
