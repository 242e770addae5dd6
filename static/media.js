// Pictures in the workspace: ask before deleting a photo (the question comes
// translated in data-confirm).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".media-gallery form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
