// Draws every dashboard chart from the figure JSON the server put in a json_script block.
// No inline scripts: the page's Content Security Policy forbids them.
(function () {
  "use strict";
  // Month and day names and number separators of the page's language (from the server).
  function locale() {
    var source = document.getElementById("plotly-locale");
    if (!source || typeof Plotly === "undefined") { return undefined; }
    var found = JSON.parse(source.textContent);
    if (!found) { return undefined; }  // English: plotly's own locale
    Plotly.register({moduleType: "locale", name: found.name, dictionary: {}, format: found.format});
    return found.name;
  }
  function draw() {
    var language = locale();
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source || typeof Plotly === "undefined") { return; }
      var figure = JSON.parse(source.textContent);
      var config = {
        responsive: true,
        displaylogo: false,
        modeBarButtonsToRemove: ["select2d", "lasso2d"]
      };
      if (language) { config.locale = language; }  // undefined would break plotly's default
      Plotly.newPlot(el, figure.data || [], figure.layout || {}, config)
        .then(function () { el.setAttribute("data-rendered", "true"); });
    });
  }
  // Filters submit on change so the URL always holds the view being shown.
  function autoSubmitFilters() {
    var form = document.getElementById("dashboard-filters");
    if (!form) { return; }
    form.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () { form.requestSubmit(); });
    });
    // A date typed in means custom dates: the preset period would otherwise override it.
    var period = form.querySelector("#id_period");
    form.querySelectorAll("input[type=date]").forEach(function (input) {
      input.addEventListener("change", function () { if (period) { period.value = "custom"; } });
    });
  }
  // Filters open on screens wider than a phone; on a phone they stay behind their summary.
  function openFiltersOnWideScreens() {
    var panel = document.getElementById("dashboard-filters-panel");
    if (panel && window.matchMedia("(min-width: 768px)").matches) { panel.open = true; }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      openFiltersOnWideScreens(); draw(); autoSubmitFilters();
    });
  } else {
    openFiltersOnWideScreens();
    draw();
    autoSubmitFilters();
  }
})();
