/*
 * The error summary of a refused form (templates/_error_summary.html): it takes the focus when the
 * page loads, so a screen reader reads it first and the keyboard starts there; each of its links
 * moves the focus to the field itself (the checked or first choice of a question of choices)
 * and scrolls its question into view, rather than only jumping to the question.
 */
(function () {
  "use strict";

  var FIELD = "input:not([type=hidden]), select, textarea";

  function fieldIn(target) {
    if (target.matches(FIELD)) {
      return target;
    }
    return target.querySelector("input:checked") || target.querySelector(FIELD);
  }

  function questionOf(target, field) {
    if (target.tagName === "FIELDSET") {
      return target.querySelector("legend") || target;
    }
    return (field.labels && field.labels[0]) || target;
  }

  function bind() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) {
      return;
    }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
      var field = target && fieldIn(target);
      if (!field) {
        return;
      }
      event.preventDefault();
      questionOf(target, field).scrollIntoView();
      field.focus({preventScroll: true});
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bind);
  } else {
    bind();
  }
})();
