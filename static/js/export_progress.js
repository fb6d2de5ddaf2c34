// Export job page: polls the job's JSON status and moves the progress bar until the file is
// ready (then shows the download link) or the job failed (then shows why). No inline script:
// the page's Content Security Policy allows scripts from this origin's static files only.
(function () {
  "use strict";
  var root = document.getElementById("export-job");
  if (!root) {
    return;
  }
  var url = root.getAttribute("data-status-url");
  var progress = root.querySelector("[data-export-progress]");
  var bar = root.querySelector("[data-export-bar]");
  var statusText = root.querySelector("[data-export-status]");
  var rowsText = root.querySelector("[data-export-rows]");
  var totalText = root.querySelector("[data-export-total]");
  var errorBox = root.querySelector("[data-export-error]");
  var download = root.querySelector("[data-export-download]");
  var waiting = root.querySelector("[data-export-waiting]");
  var delay = 1000;

  function show(job) {
    var percent = job.rows_total > 0 ? Math.floor((100 * job.rows_done) / job.rows_total) : 0;
    if (job.status === "done") {
      percent = 100;
    }
    bar.style.width = percent + "%";
    progress.setAttribute("aria-valuenow", String(job.rows_done));
    progress.setAttribute("aria-valuemax", String(job.rows_total));
    statusText.textContent = job.status_label;
    rowsText.textContent = String(job.rows_done);
    totalText.textContent = String(job.rows_total);
    waiting.hidden = !job.waiting_for_worker;
    if (job.error) {
      errorBox.textContent = job.error;
      errorBox.hidden = false;
    }
    if (job.download_url) {
      download.querySelector("a").setAttribute("href", job.download_url);
      download.hidden = false;
    }
    return job.status === "done" || job.status === "failed";
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (reply) {
        if (!reply.ok) {
          throw new Error("status " + reply.status);
        }
        return reply.json();
      })
      .then(function (job) {
        if (!show(job)) {
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000); // back off while the server is unreachable
        window.setTimeout(poll, delay);
      });
  }

  var initial = root.getAttribute("data-status");
  if (initial !== "done" && initial !== "failed") {
    poll();
  } else {
    bar.style.width = initial === "done" ? "100%" : "0%";
  }
})();
