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

// The screens' theme: choosing one shows it at once in the preview beside the choice (the
// activity's own screen, opened with the session, with ?theme= for the preview only).
(function () {
  "use strict";
  var select = document.getElementById("edit-theme");
  var frame = document.getElementById("theme-preview");
  if (!select || !frame) return;
  select.addEventListener("change", function () {
    var base = select.getAttribute("data-preview");
    frame.src = select.value ? base + "?theme=" + encodeURIComponent(select.value) : base;
  });
})();

// An auto-reply's form: only the fields its trigger and reply type use are shown (without the
// script all are, and the server ignores the others). A part marked data-for-on="keyword click"
// shows for those triggers; data-for-type="news" for that reply type.
(function () {
  "use strict";
  function update(form) {
    var on = form.querySelector("[name=on]");
    var type = form.querySelector("[name=reply_type]");
    form.querySelectorAll("[data-for-on]").forEach(function (part) {
      part.hidden = part.getAttribute("data-for-on").split(" ").indexOf(on.value) < 0;
    });
    form.querySelectorAll("[data-for-type]").forEach(function (part) {
      part.hidden = part.getAttribute("data-for-type") !== type.value;
    });
  }
  document.querySelectorAll("form[data-reply-form]").forEach(function (form) {
    update(form);
    form.addEventListener("change", function (e) {
      if (e.target.name === "on" || e.target.name === "reply_type") update(form);
    });
  });
})();

// A menu's editor: each button shows only the fields its type needs (data-for-type lists the
// types), and the audience only for a conditional menu (data-for-kind). Without the script all
// are shown, and the server keeps only each type's own fields.
(function () {
  "use strict";
  function update(form) {
    form.querySelectorAll("[data-button]").forEach(function (slot) {
      var type = slot.querySelector("select[name$=_type]");
      slot.querySelectorAll("[data-for-type]").forEach(function (part) {
        part.hidden = part.getAttribute("data-for-type").split(" ").indexOf(type.value) < 0;
      });
    });
    var kind = form.querySelector("[name=kind]");
    form.querySelectorAll("[data-for-kind]").forEach(function (part) {
      part.hidden = !kind || part.getAttribute("data-for-kind") !== kind.value;
    });
  }
  document.querySelectorAll("form[data-menu-form]").forEach(function (form) {
    update(form);
    form.addEventListener("change", function (e) {
      if (/_type$/.test(e.target.name) || e.target.name === "kind") update(form);
    });
  });
})();
