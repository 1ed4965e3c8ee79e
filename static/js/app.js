// Behaviour without inline script (the Content-Security-Policy forbids it).
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to an error summary so screen-reader users hear what to fix.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});

// A form larger than the server reads (settings.DATA_UPLOAD_MAX_MEMORY_SIZE) is stopped here,
// before it is sent, so nothing typed is lost; the longest box is named and focused.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var limit = parseInt(document.body.getAttribute("data-body-limit") || "", 10);
  if (!limit || !(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") { return; }
  var data = new FormData(form);
  if (event.submitter && event.submitter.name) { data.append(event.submitter.name, event.submitter.value); }
  var size = new URLSearchParams(data).toString().length;
  if (size <= limit) { return; }
  event.preventDefault();
  var longest = null;
  form.querySelectorAll("textarea, input[type=text]").forEach(function (box) {
    if (!longest || box.value.length > longest.value.length) { longest = box; }
  });
  var note = form.querySelector(".app-too-big");
  if (!note) {
    note = document.createElement("div");
    note.className = "alert alert-danger app-too-big";
    note.setAttribute("role", "alert");
    form.insertBefore(note, form.firstChild);
  }
  // As incidents.security.size_in_words says it: "1 MB", "2.5 MB", "500 KB".
  var mb = function (n) {
    return n >= 1000000 ? (n / 1000000).toFixed(1).replace(/\.0$/, "") + " MB" : Math.max(1, Math.round(n / 1000)) + " KB";
  };
  note.textContent = "This is too much to send at once: the service reads up to " + mb(limit) +
    " and this form holds about " + mb(size) + ". Nothing has been sent, and what you typed is still here. " +
    "Shorten the longest text" + (longest && longest.labels && longest.labels.length ? " (" + longest.labels[0].textContent.replace(/\*\s*$/, "").trim() + ")" : "") +
    ", or save it in parts, then save again.";
  if (longest) { longest.focus(); } else { note.focus(); }
});
