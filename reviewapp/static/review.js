// Live preview on the edit page. Progressive enhancement: without JavaScript the
// "Preview" button renders the same preview through a full page load.
(function () {
  "use strict";
  var form = document.getElementById("edit-form");
  var region = document.getElementById("preview-region");
  if (!form || !region || !window.fetch || !window.FormData) {
    return;
  }
  var url = form.getAttribute("data-preview-url");
  var status = document.getElementById("preview-status");
  var timer = null;
  var controller = null;

  function refresh() {
    if (controller && controller.abort) {
      controller.abort();
    }
    controller = window.AbortController ? new AbortController() : null;
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("preview refused: " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        region.innerHTML = html;
        if (status) {
          status.textContent = "Preview updated as you type.";
        }
      })
      .catch(function (error) {
        if (error.name !== "AbortError" && status) {
          status.textContent = "The live preview is unavailable; use the Preview button.";
        }
      });
  }

  form.addEventListener("input", function (event) {
    var name = event.target.name;
    if (name !== "body" && name !== "heading") {
      return;
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 600);
  });
})();
