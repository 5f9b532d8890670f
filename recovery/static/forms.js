/*
 * A form marked data-submit-once is sent once: a double tap or double click on its button does
 * not send the same answers twice (which would show "updated" for a check-in just saved).
 *
 *   <form method="post" data-submit-once>…</form>
 *   <script src="{{ url_for('static', filename='forms.js') }}" defer></script>
 *
 * A page that came back from the back/forward cache can be sent again.
 */
(function () {
  "use strict";

  function bind() {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("data-sending") === "true") {
          event.preventDefault();
          return;
        }
        form.setAttribute("data-sending", "true");
        form.setAttribute("aria-busy", "true");
      });
    });
  }

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[data-sending]").forEach(function (form) {
        form.removeAttribute("data-sending");
        form.removeAttribute("aria-busy");
      });
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bind);
  } else {
    bind();
  }
})();
