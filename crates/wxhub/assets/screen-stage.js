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
  var rollSeconds = parseInt(body.getAttribute("data-roll"), 10) || 0;
  var qrBase = body.getAttribute("data-qr");
  var L = window.WxLottery;
  var H = window.WxHost;
  var verifyEl = document.getElementById("verify-large");
  var MAX_COUNT = 200;

  var phase = null; // prepare, rolling, drawn
  var prizeId = null;
  var count = 1;
  var autoDraw = null;

  // The prizes in the order the evening draws them (the lowest tier first).
  function prizes() { return L.state() ? L.drawOrder() : []; }
  function prize() {
    var found = null;
    prizes().forEach(function (p) { if (p.prize_id === prizeId) found = p; });
    return found;
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
    H.refresh();
  }

  function label() {
    var p = prize();
    return {
      prepare: p ? "下一步:承诺本轮(" + p.name + ",抽 " + count + " 人)" : "没有剩余奖品",
      rolling: "下一步:停止并开奖" + (rollSeconds ? "(" + rollSeconds + " 秒后自动开奖)" : ""),
      drawn: "下一步:下一个奖品"
    }[phase] || "";
  }

  function advance() {
    // During the reveal the key shows the rest of the winners at once (even while the draw's
    // answer is still on its way: the event may come first); the next key goes on.
    if (L.revealing()) {
      L.finishReveal();
      return null;
    }
    if (H.busy()) return null;
    if (phase === "prepare") {
      var p = prize();
      if (!p) return { refuse: "没有剩余奖品可抽" };
      H.post("commit", { prize_id: p.prize_id, count: count, exclude_winners: "1" })
        .then(function () {
          L.prepare(null);
          phase = "rolling";
          H.refresh();
          if (rollSeconds) autoDraw = window.setTimeout(drawByItself, rollSeconds * 1000);
        })
        .catch(function (e) { H.say(e.message); });
    } else if (phase === "rolling") {
      if (autoDraw) { window.clearTimeout(autoDraw); autoDraw = null; }
      var r = L.current();
      if (!r || r.state !== "committed") return { refuse: "没有待开奖的轮次" };
      // The moment the host stopped the names, for the stage's own timing (bench/).
      window.wxStopAt = performance.now();
      H.post("draw", { round_id: r.round_id })
        .then(function () { phase = "drawn"; H.refresh(); })
        .catch(function (e) { H.say(e.message); });
    } else {
      verifyEl.hidden = true;
      prepare(withStock(prizeId, 1));
    }
    return null;
  }

  // The set time passed: the names stop and the draw happens, as if the host had pressed.
  function drawByItself() {
    var step = advance();
    if (step && step.refuse) H.say(step.refuse);
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
    H.refresh();
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

  H.bind({
    label: label,
    advance: advance,
    keys: {
      PageUp: function () { choose(-1); },
      ArrowLeft: function () { choose(-1); },
      ArrowRight: function () { choose(1); },
      ArrowUp: function (e) { changeCount(e.shiftKey ? 10 : 1); },
      ArrowDown: function (e) { changeCount(e.shiftKey ? -10 : -1); },
      v: toggleVerify,
      V: toggleVerify
    }
  });
  document.getElementById("host-prev").addEventListener("click", function () { choose(-1); });
  document.getElementById("host-next-prize").addEventListener("click", function () { choose(1); });
  document.getElementById("host-less").addEventListener("click", function () { changeCount(-1); });
  document.getElementById("host-more").addEventListener("click", function () { changeCount(1); });

  // The first state decides the first step: a round waiting to be drawn rolls; otherwise
  // the first prize with something left is prepared. Later updates keep the host's step.
  L.onUpdate(function () {
    if (phase === null) {
      var r = L.current();
      if (r && r.state === "committed") { phase = "rolling"; H.refresh(); }
      else prepare(withStock(null, 1));
    } else if (phase === "prepare" && !prize()) {
      prepare(withStock(null, 1));
    }
    H.refresh();
  });
})();
