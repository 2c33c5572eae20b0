// Move the focus to the error summary once the page has loaded, so that a screen reader
// reads the problems first and the view starts at them (GOV.UK Design System pattern).
// A separate file because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
})();
