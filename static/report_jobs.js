// Report jobs: poll the job's JSON status and move the progress bar until the
// file is ready, then show its download link. Kept in a file (never inline) so
// a strict Content-Security-Policy can allow it; without JavaScript the page
// refreshes itself instead (<noscript> meta refresh).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const card = document.querySelector("[data-job-status]");
  if (!card) return;
  const url = card.dataset.jobStatus;
  const bar = card.querySelector("[data-job-progress]");
  const percent = card.querySelector("[data-job-percent]");
  const label = card.querySelector("[data-job-label]");
  const counts = card.querySelector("[data-job-counts]");
  const done = card.querySelector("[data-job-done]");
  const link = card.querySelector("[data-job-download]");
  const error = card.querySelector("[data-job-error]");
  const countsText = card.querySelector("[data-job-template-counts]").innerHTML;
  const failedText = card.querySelector("[data-job-template-failed]").innerHTML;
  let delay = 500;

  const show = (status) => {
    bar.value = status.percent;
    bar.textContent = `${status.percent}%`;
    percent.textContent = `${status.percent}%`;
    label.textContent = status.status_label;
    if (status.total) {
      counts.textContent = countsText.replace("{done}", status.done).replace("{total}", status.total);
      counts.hidden = false;
    }
    if (status.status === "done" && status.download_url) {
      link.href = status.download_url;
      done.hidden = false;
    }
    if (status.status === "failed") {
      error.textContent = status.error || failedText;
      error.hidden = false;
    }
    return status.status === "queued" || status.status === "running";
  };

  const poll = async () => {
    let again = true;
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) again = show(await response.json());
      else if (response.status === 404) again = false; // signed out, or no longer ours
    } catch (_network) {
      // The server is busy or restarting: keep trying, a little slower.
      delay = Math.min(delay * 2, 5000);
    }
    if (again) window.setTimeout(poll, delay);
    delay = Math.min(delay + 250, 2000);
  };
  poll();
});
