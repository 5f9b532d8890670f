/*
 * Print buttons without inline JavaScript (a strict Content-Security-Policy forbids onclick):
 *
 *   <button type="button" data-print hidden>Print</button>
 *   <script src="{{ url_for('static', filename='print.js') }}" defer></script>
 *
 * The button starts hidden and is shown only when this script runs, so it never does nothing.
 */
(function () {
  "use strict";

  function bind() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bind);
  } else {
    bind();
  }
})();
