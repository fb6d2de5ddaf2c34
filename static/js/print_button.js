// The QR poster's print button: shown only when this script runs (without JavaScript the
// browser's own Print menu does the same), and kept out of inline script for the CSP.
(function () {
  "use strict";
  document.querySelectorAll("[data-print-page]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
