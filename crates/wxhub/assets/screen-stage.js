// The host's controls on the lottery stage (a signed-in organiser opened it from the console).
// The stage goes through three steps, each moved on by Space, Enter or a clicker's PageDown:
//   prepare  — a prize on stage with how many to draw (←/→ or PageUp choose the prize, in the
//              order an evening draws them: the lowest tier first; ↑/↓ the number, Shift for
//              ten at a time); the next step commits the round;
//   rolling  — the names roll until the host stops them (or the set time passes): that draws;
//   drawn    — the winners on stage; the next step prepares the next prize with stock left.
// V shows the round's verification code large, B blanks the screen. Every action is a request
// the server checks and records; a refusal is said on the stage.
(function () {
  "use strict";
  var body = document.body;
  var actions = body.getAttribute("data-host");
  var csrf = body.getAttribute("data-csrf");
  var rollSeconds = parseInt(body.getAttribute("data-roll"), 10) || 0;
  var qrBase = body.getAttribute("data-qr");
  var L = window.WxLottery;
  var stepEl = document.getElementById("host-step");
  var toastEl = document.getElementById("host-toast");
  var blankEl = document.getElementById("blank");
  var verifyEl = document.getElementById("verify-large");
  var bar = document.getElementById("host-bar");
  var MAX_COUNT = 200;

  var phase = null; // prepare, rolling, drawn
  var prizeId = null;
  var count = 1;
  var busy = false;
  var autoDraw = null;
  var toastTimer = null;
  var barTimer = null;

  // The prizes in the order the evening draws them (the lowest tier first).
  function prizes() { return L.state() ? L.drawOrder() : []; }
  function prize() {
    var found = null;
    prizes().forEach(function (p) { if (p.prize_id === prizeId) found = p; });
    return found;
  }

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

  // A prize with something left, from `from` on in `direction` (the same one first).
  function withStock(from, direction) {
    var list = prizes();
    if (!list.length) return null;
    var start = 0;
    list.forEach(function (p, i) { if (p.prize_id === from) start = i; });
    for (var k = 0; k < list.length; k++) {
      var p = list[(start + direction * k + list.length * 2) % list.length];
      if (L.left(p) > 0) return p;
    }
    return null;
  }

  function prepare(p) {
    phase = "prepare";
    prizeId = p ? p.prize_id : null;
    if (p) count = Math.max(1, Math.min(L.left(p), MAX_COUNT));
    L.prepare(p ? { prize_id: prizeId, count: count } : null);
    label();
  }

  function label() {
    var p = prize();
    var text = {
      prepare: p ? "下一步:承诺本轮(" + p.name + ",抽 " + count + " 人)" : "没有剩余奖品",
      rolling: "下一步:停止并开奖" + (rollSeconds ? "(" + rollSeconds + " 秒后自动开奖)" : ""),
      drawn: "下一步:下一个奖品"
    }[phase] || "";
    stepEl.textContent = busy ? "请稍候…" : text;
  }

  function post(action, fields) {
    busy = true;
    label();
    var data = new URLSearchParams(fields);
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
    // During the reveal the key shows the rest of the winners at once (even while the draw's
    // answer is still on its way: the event may come first); the next key goes on.
    if (L.revealing()) {
      L.finishReveal();
      return;
    }
    if (busy) return;
    if (phase === "prepare") {
      var p = prize();
      if (!p) { say("没有剩余奖品可抽"); return; }
      post("commit", { prize_id: p.prize_id, count: count, exclude_winners: "1" })
        .then(function () {
          L.prepare(null);
          phase = "rolling";
          label();
          if (rollSeconds) autoDraw = window.setTimeout(advance, rollSeconds * 1000);
        })
        .catch(function (e) { say(e.message); });
    } else if (phase === "rolling") {
      if (autoDraw) { window.clearTimeout(autoDraw); autoDraw = null; }
      var r = L.current();
      if (!r || r.state !== "committed") { say("没有待开奖的轮次"); return; }
      // The moment the host stopped the names, for the stage's own timing (bench/).
      window.wxStopAt = performance.now();
      post("draw", { round_id: r.round_id })
        .then(function () { phase = "drawn"; label(); })
        .catch(function (e) { say(e.message); });
    } else {
      verifyEl.hidden = true;
      prepare(withStock(prizeId, 1));
    }
  }

  function choose(direction) {
    if (phase !== "prepare") return;
    var list = prizes();
    if (!list.length) return;
    var i = 0;
    list.forEach(function (p, k) { if (p.prize_id === prizeId) i = k; });
    prepare(list[(i + direction + list.length) % list.length]);
  }

  function changeCount(by) {
    var p = prize();
    if (phase !== "prepare" || !p) return;
    count = Math.max(1, Math.min(count + by, L.left(p), MAX_COUNT));
    L.prepare({ prize_id: prizeId, count: count });
    label();
  }

  function toggleVerify() {
    var r = L.current();
    if (verifyEl.hidden && r && r.state === "drawn") {
      document.getElementById("verify-large-qr").src = qrBase.replace("{round}", String(r.round_id));
      verifyEl.hidden = false;
    } else {
      verifyEl.hidden = true;
    }
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
      case "PageUp": case "ArrowLeft": e.preventDefault(); choose(-1); break;
      case "ArrowRight": e.preventDefault(); choose(1); break;
      case "ArrowUp": e.preventDefault(); changeCount(e.shiftKey ? 10 : 1); break;
      case "ArrowDown": e.preventDefault(); changeCount(e.shiftKey ? -10 : -1); break;
      case "v": case "V": toggleVerify(); break;
      case "b": case "B": case ".": blankEl.hidden = !blankEl.hidden; break;
      default: break;
    }
  });
  document.addEventListener("mousemove", showBar);
  document.getElementById("host-go").addEventListener("click", advance);
  document.getElementById("host-prev").addEventListener("click", function () { choose(-1); });
  document.getElementById("host-next-prize").addEventListener("click", function () { choose(1); });
  document.getElementById("host-less").addEventListener("click", function () { changeCount(-1); });
  document.getElementById("host-more").addEventListener("click", function () { changeCount(1); });

  // The first state decides the first step: a round waiting to be drawn rolls; otherwise
  // the first prize with something left is prepared. Later updates keep the host's step.
  L.onUpdate(function () {
    if (phase === null) {
      var r = L.current();
      if (r && r.state === "committed") { phase = "rolling"; label(); }
      else prepare(withStock(null, 1));
    } else if (phase === "prepare" && !prize()) {
      prepare(withStock(null, 1));
    }
    label();
  });
  body.classList.add("hosted");
  showBar();
})();
