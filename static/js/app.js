// Behaviour without inline script (the Content-Security-Policy forbids it).
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to an error summary so screen-reader users hear what to fix.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});
