/*
 * Before the idle sign-out, offer to stay signed in (clinicians' and staff pages, see base.html):
 *
 *   <div id="idle-notice" hidden data-idle-seconds="900" data-warn-seconds="120"
 *        data-keep-url="/account/stay-signed-in" data-csrf="…">… <button data-stay-signed-in>
 *
 * The page's own request started the server's idle clock, so the notice shows warn-seconds before
 * idle-seconds have passed since the page loaded. "Stay signed in" POSTs (with the CSRF token) to
 * keep-url, which restarts the clock; then the count starts again. If nothing is done, the page is
 * reloaded just after the limit, and the server answers with the sign-in page.
 */
(function () {
  "use strict";

  function start(notice) {
    var idle = Number(notice.getAttribute("data-idle-seconds"));
    var warn = Number(notice.getAttribute("data-warn-seconds"));
    var button = notice.querySelector("[data-stay-signed-in]");
    var failed = notice.querySelector("[data-idle-failed]");
    var timers = [];

    function schedule() {
      timers.forEach(clearTimeout);
      timers = [
        setTimeout(show, Math.max(0, idle - warn) * 1000),
        setTimeout(signedOut, (idle + 2) * 1000)
      ];
    }

    function show() {
      notice.hidden = false;
      button.focus();
    }

    function signedOut() {
      window.location.assign(window.location.href);
    }

    button.addEventListener("click", function () {
      button.disabled = true;
      failed.hidden = true;
      fetch(notice.getAttribute("data-keep-url"), {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual", // signed out already: the login redirect is not followed
        headers: {"X-CSRFToken": notice.getAttribute("data-csrf"), "Accept": "application/json"}
      }).then(function (response) {
        if (!response.ok) { throw new Error("not kept"); }
        return response.json();
      }).then(function (body) {
        idle = Number(body.idle_seconds) || idle;
        notice.hidden = true;
        schedule();
      }).catch(function () {
        failed.hidden = false;
      }).then(function () {
        button.disabled = false;
      });
    });

    schedule();
  }

  function bind() {
    var notice = document.getElementById("idle-notice");
    if (notice) { start(notice); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bind);
  } else {
    bind();
  }
})();
