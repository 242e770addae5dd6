// The unit search (/units/): over the whole district the page is sent before
// its units are counted (carriers/search_results.py). Ask for the count and
// put its sentences, translated by the server, in place of "counting…".
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const basis = document.querySelector("[data-count-url]");
  if (!basis) return;
  fetch(basis.dataset.countUrl, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  })
    .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
    .then((answer) => {
      basis.textContent = answer.text;
      basis.dataset.count = String(answer.count);
      const pages = document.querySelector("[data-pages]");
      if (pages) pages.textContent = answer.pages;
    })
    .catch(() => {
      basis.textContent = basis.dataset.countFailed;
    });
});
