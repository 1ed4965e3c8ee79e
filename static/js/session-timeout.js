// The timeout warning (GOV.UK's pattern): a modal dialog two minutes before the idle limit,
// "Stay signed in" (a POST that renews the session) or sign out. Escape is "Stay signed in".
// Served from here, not a CDN; no inline script (the Content-Security-Policy forbids it).
// Passive pages (an export's progress) never renew the session: their requests carry the
// time left as the server counts it (the Session-Idle-Remaining header), and this follows it.
(function () {
  "use strict";
  var SHARED = "safeguarding-session-deadline";  // the deadline, shared between open tabs

  function words(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    var m = Math.floor(s / 60);
    var r = s % 60;
    var parts = [];
    if (m) { parts.push(m + (m === 1 ? " minute" : " minutes")); }
    if (r || !m) { parts.push(r + (r === 1 ? " second" : " seconds")); }
    return parts.join(" ");
  }

  function init() {
    var dialog = document.getElementById("session-timeout");
    if (!dialog || typeof dialog.showModal !== "function") { return; }
    var warning = parseInt(dialog.getAttribute("data-warning"), 10) * 1000;
    var deadline = Date.now() + parseInt(dialog.getAttribute("data-remaining"), 10) * 1000;
    var countdown = dialog.querySelector("[data-countdown]");
    var spoken = dialog.querySelector("[data-countdown-spoken]");
    var live = dialog.querySelector("[data-countdown-live]");
    var keepForm = dialog.querySelector("form[data-keep-alive]");
    var warningState = dialog.querySelector('[data-state="warning"]');
    var endedState = dialog.querySelector('[data-state="ended"]');
    var returnFocus = null;
    var lastSpoken = null;
    var ended = false;
    var asking = false;

    function share() {
      try { window.localStorage.setItem(SHARED, String(deadline)); } catch (e) { /* private mode */ }
    }

    function open() {
      returnFocus = document.activeElement;
      dialog.showModal();
      dialog.focus();
    }

    function close() {
      if (dialog.open) { dialog.close(); }
      if (returnFocus && typeof returnFocus.focus === "function") { returnFocus.focus(); }
      returnFocus = null;
    }

    function moveDeadline(at) {
      deadline = at;
      lastSpoken = null;
      if (dialog.open && !ended && deadline - Date.now() > warning) { close(); }
    }

    function end() {
      ended = true;
      warningState.hidden = true;
      endedState.hidden = false;
      dialog.setAttribute("aria-labelledby", "session-timeout-ended-heading");
      dialog.setAttribute("aria-describedby", "session-timeout-ended-message");
      if (dialog.open) { dialog.close(); }
      open();
    }

    function tick() {
      if (ended) { return; }
      var left = deadline - Date.now();
      if (left <= 0) { end(); return; }
      if (left > warning) { return; }
      var step = Math.ceil(left / 30000);
      countdown.textContent = words(left);
      if (!dialog.open) {
        // Read with the dialog as it opens (its description).
        spoken.textContent = words(left);
        live.textContent = "";
        lastSpoken = step;
        open();
      } else if (step !== lastSpoken) {
        // Then spoken every 30 seconds, not every second.
        lastSpoken = step;
        live.textContent = "We will sign you out in " + words(left) + ".";
      }
    }

    function stay() {
      if (asking || ended) { return; }
      asking = true;
      window.fetch(keepForm.action, {
        method: "POST",
        body: new FormData(keepForm),
        credentials: "same-origin",
        redirect: "manual",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error("signed out"); }
        return response.json();
      }).then(function (data) {
        moveDeadline(Date.now() + data.remaining * 1000);
        share();
        close();
      }).catch(function () {
        end();
      }).then(function () {
        asking = false;
      });
    }

    keepForm.addEventListener("submit", function (event) {
      event.preventDefault();
      stay();
    });
    dialog.addEventListener("cancel", function (event) {
      // Escape: "Stay signed in" while it still can; once ended, only close.
      event.preventDefault();
      if (ended) { close(); } else { stay(); }
    });
    dialog.querySelector("[data-close]").addEventListener("click", close);
    document.addEventListener("htmx:afterRequest", function (event) {
      var xhr = event.detail && event.detail.xhr;
      var left = xhr ? xhr.getResponseHeader("Session-Idle-Remaining") : null;
      if (left !== null && left !== "" && !ended) {
        moveDeadline(Date.now() + parseInt(left, 10) * 1000);
        share();
      }
    });
    window.addEventListener("storage", function (event) {
      // Another tab kept the session alive: the deadline only ever moves later.
      if (event.key !== SHARED || !event.newValue || ended) { return; }
      var at = parseInt(event.newValue, 10);
      if (at > deadline) { moveDeadline(at); }
    });
    share();
    tick();
    window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
