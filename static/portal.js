// Tenant portal: progressive enhancement only; every page works without it.
// Kept in a file (never inline) so a strict Content-Security-Policy can allow it.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Show the needs of a tailored fit-out (量身定制) only while it is chosen.
  const tailored = document.querySelector("[data-tailored]");
  const fitOut = document.querySelectorAll('input[name="fit_out"]');
  if (tailored && fitOut.length) {
    const sync = () => {
      const chosen = document.querySelector('input[name="fit_out"]:checked');
      tailored.hidden = !chosen || chosen.value !== "tailored";
    };
    fitOut.forEach((input) => input.addEventListener("change", sync));
    sync();
  }

  // Ask before a binding answer; the question comes translated in data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // One tap, one submit. The server is idempotent anyway (the request form's
  // token, the offer services' state checks); this only spares a second round trip.
  document.querySelectorAll("form[data-once]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (event.defaultPrevented) return;
      window.setTimeout(() => {
        form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
      }, 0);
    });
  });
});
