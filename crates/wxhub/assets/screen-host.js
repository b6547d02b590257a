// The host's controls on a big screen (a signed-in organiser opened it from the console): the
// lottery stage, the vote, the quiz and the shake race. Space, Enter or a clicker's PageDown take
// the evening's next step — the bar says which — and B (or a clicker's blank key, ".") blanks the
// screen. Each step is a request the server checks and records; a refusal is said on the
// screen. The screen's own script tells what the next step is:
// WxHost.bind({ label: () → text, advance: () → step, keys: { key: handler } }).
(function () {
  "use strict";
  var body = document.body;
  var actions = body.getAttribute("data-host");
  if (!actions) return;
  var csrf = body.getAttribute("data-csrf");
  var stepEl = document.getElementById("host-step");
  var toastEl = document.getElementById("host-toast");
  var blankEl = document.getElementById("blank");
  var bar = document.getElementById("host-bar");
  var screen = null;
  var busy = false;
  var toastTimer = null;
  var barTimer = null;

  function say(text) {
    toastEl.textContent = text;
    toastEl.hidden = false;
    if (toastTimer) window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(function () { toastEl.hidden = true; }, 6000);
  }

  function showBar() {
    bar.classList.remove("faded");
    if (barTimer) window.clearTimeout(barTimer);
    barTimer = window.setTimeout(function () { bar.classList.add("faded"); }, 4000);
  }

  function label() {
    var text = busy ? "请稍候…" : screen ? screen.label() : "";
    if (stepEl.textContent !== text) stepEl.textContent = text;
  }

  // POSTs `action` with `fields`; resolves with the answer, rejects with the refusal in words.
  function post(action, fields) {
    busy = true;
    label();
    var data = new URLSearchParams(fields || {});
    data.set("csrf", csrf);
    return fetch(actions + "/" + action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: data.toString()
    })
      .then(function (resp) {
        return resp.json().catch(function () { return { code: 1, msg: "操作失败(" + resp.status + ")" }; });
      })
      .then(function (answer) {
        if (answer.code !== 0) throw new Error(answer.msg || "操作失败");
        return answer;
      })
      .finally(function () { busy = false; label(); });
  }

  function advance() {
    if (!screen) return;
    // Asked even while a step is on its way: a screen may act at once (the stage shows the
    // rest of a reveal).
    var step = screen.advance();
    if (!step) return; // nothing to post (or the screen posted itself)
    if (step.refuse) { say(step.refuse); return; }
    if (busy) return;
    post(step.action, step.fields).then(function () {
      if (screen.done) screen.done(step.action);
    }).catch(function (e) { say(e.message); });
  }

  document.addEventListener("keydown", function (e) {
    showBar();
    var onButton = e.target && e.target.tagName === "BUTTON";
    if (!blankEl.hidden && e.key !== "b" && e.key !== "B" && e.key !== ".") return;
    switch (e.key) {
      case " ": case "Enter":
        if (onButton) return; // the focused button answers it
        e.preventDefault(); advance(); break;
      case "PageDown": e.preventDefault(); advance(); break;
      case "b": case "B": case ".": blankEl.hidden = !blankEl.hidden; break;
      default:
        if (screen && screen.keys && screen.keys[e.key]) {
          e.preventDefault();
          screen.keys[e.key](e);
        }
        break;
    }
  });
  document.addEventListener("mousemove", showBar);
  document.getElementById("host-go").addEventListener("click", advance);
  body.classList.add("hosted");
  showBar();

  window.WxHost = {
    // screen: { label() → the next step in words; advance() → {action, fields} to post,
    // {refuse: text} to say, or null; done(action) after a posted step succeeded; keys: more
    // keys, each key's handler (optional) }
    bind: function (s) { screen = s; label(); },
    // The screen's state changed: the next step may have.
    refresh: label,
    post: post,
    say: say,
    busy: function () { return busy; }
  };
})();
