// The console's one script of its own: destructive actions ask first. A form (or the button
// that submits it) with data-confirm="…" is sent only when the person agrees to the question,
// which says what will be lost.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var button = e.submitter;
    var question = (button && button.getAttribute("data-confirm")) ||
      (form && form.getAttribute && form.getAttribute("data-confirm"));
    if (question && !window.confirm(question)) {
      e.preventDefault();
      e.stopPropagation();
    }
  }, true);
})();
