// The lottery stage. It only displays: the server draws, and the stage shows what the event
// stream and the published state say. Prizes with their remaining stock on the left; the
// current round in the middle (its commitment while names roll, then the winners revealed one
// by one with the revealed seed and a QR code of the public verification page); every standing
// winner on the right.
(function () {
  "use strict";
  var body = document.body;
  var stateUrl = body.getAttribute("data-state");
  var qrBase = body.getAttribute("data-qr");
  var prizesEl = document.getElementById("prizes");
  var roundEl = document.getElementById("round");
  var rollEl = document.getElementById("roll");
  var revealEl = document.getElementById("reveal");
  var proofEl = document.getElementById("proof");
  var boardEl = document.getElementById("board");
  var idleEl = document.getElementById("idle");
  var state = null;
  var rolling = null;
  var revealing = null;
  var shownRound = 0;

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function tierName(tier) {
    var names = ["特等奖", "一等奖", "二等奖", "三等奖", "四等奖", "五等奖", "六等奖"];
    return names[tier] || tier + "等奖";
  }

  function renderPrizes() {
    prizesEl.textContent = "";
    state.prizes.forEach(function (p) {
      var row = el("div", "prize");
      row.setAttribute("data-prize", p.prize_id);
      if (/^(https?:\/\/|\/media\/)/.test(p.image || "")) {
        var img = el("img", "prize-image");
        img.src = p.image;
        img.alt = "";
        img.referrerPolicy = "no-referrer";
        row.appendChild(img);
      }
      var text = el("div", "prize-text");
      text.appendChild(el("span", "tier", tierName(p.tier)));
      text.appendChild(el("span", "prize-name", p.name));
      var left = Math.max(0, p.stock - p.awarded);
      text.appendChild(el("span", "stock", "剩余 " + left + " / " + p.stock));
      row.appendChild(text);
      prizesEl.appendChild(row);
    });
  }

  function winnerCard(w) {
    var card = el("div", "winner" + (w.state && w.state !== "won" ? " " + w.state : ""));
    var shown = w.name || w.nickname || "";
    card.appendChild(WxScreen.avatar("", shown, shown, "winner-avatar"));
    card.appendChild(el("span", "winner-name", shown));
    if (w.nickname && w.name) card.appendChild(el("span", "winner-nick", w.nickname));
    if (w.designated) card.appendChild(el("span", "badge", "内定"));
    if (w.state === "absent") card.appendChild(el("span", "badge absent", "缺席"));
    return card;
  }

  function renderBoard() {
    boardEl.textContent = "";
    state.rounds.forEach(function (r) {
      if (r.state !== "drawn") return;
      r.winners.forEach(function (w) {
        if (w.state !== "won") return;
        var line = el("div", "board-line");
        line.appendChild(el("span", "board-prize", r.prize_name));
        line.appendChild(el("span", "board-name", w.name || w.nickname));
        if (w.designated) line.appendChild(el("span", "badge", "内定"));
        boardEl.appendChild(line);
      });
    });
  }

  function stopRolling() {
    if (rolling) window.clearInterval(rolling);
    rolling = null;
    rollEl.hidden = true;
  }

  function roll(names) {
    stopRolling();
    if (!names.length) return;
    rollEl.hidden = false;
    var i = 0;
    rolling = window.setInterval(function () {
      i = (i + 1 + Math.floor(Math.random() * 7)) % names.length;
      rollEl.textContent = names[i];
    }, 70);
  }

  function commitment(r) {
    roundEl.textContent = "";
    roundEl.appendChild(el("div", "round-prize", (r.kind === "redraw" ? "补抽 · " : "") + r.prize_name));
    var facts = el("div", "round-facts");
    facts.appendChild(el("span", "", "参与 " + r.participants_count + " 人"));
    facts.appendChild(el("span", "", "种子哈希 " + WxScreen.short(r.seed_hash)));
    facts.appendChild(el("span", "", "名单哈希 " + WxScreen.short(r.list_hash)));
    roundEl.appendChild(facts);
  }

  function proof(r, seed) {
    proofEl.textContent = "";
    if (!seed) { proofEl.hidden = true; return; }
    proofEl.hidden = false;
    var text = el("div", "proof-text");
    text.appendChild(el("span", "", "开奖种子 " + WxScreen.short(seed)));
    text.appendChild(el("span", "", "扫码验证本轮结果"));
    proofEl.appendChild(text);
    var qr = el("img", "qr");
    qr.alt = "验证二维码";
    qr.src = qrBase.replace("{round}", String(r.round_id));
    proofEl.appendChild(qr);
  }

  // The round on stage: the newest one not reset.
  function current() {
    for (var i = state.rounds.length - 1; i >= 0; i--) {
      if (state.rounds[i].state !== "reset") return state.rounds[i];
    }
    return null;
  }

  function showStill(r) {
    if (revealing) return;
    revealEl.textContent = "";
    if (!r) {
      idleEl.hidden = false;
      roundEl.textContent = "";
      stopRolling();
      proof(null, null);
      return;
    }
    idleEl.hidden = true;
    commitment(r);
    if (r.state === "committed") {
      proof(r, null);
      if (shownRound !== r.round_id || !rolling) roll(state.names || []);
    } else {
      stopRolling();
      r.winners.forEach(function (w) { revealEl.appendChild(winnerCard(w)); });
      proof(r, r.seed);
    }
    shownRound = r.round_id;
  }

  function refresh(then) {
    fetch(stateUrl, { cache: "no-store" })
      .then(function (resp) { return resp.ok ? resp.json() : Promise.reject(resp.status); })
      .then(function (data) {
        state = data;
        renderPrizes();
        renderBoard();
        if (then) then();
        else showStill(current());
      })
      .catch(function () { window.setTimeout(function () { refresh(then); }, 2000); });
  }

  // The draw: winners appear one by one, as the event names them, in draw order.
  function reveal(ev) {
    if (revealing) window.clearInterval(revealing);
    stopRolling();
    idleEl.hidden = true;
    var r = null;
    state.rounds.forEach(function (x) { if (x.round_id === ev.round_id) r = x; });
    if (r) commitment(r);
    revealEl.textContent = "";
    proof(null, null);
    var winners = ev.winners || [];
    var step = winners.length > 10 ? Math.max(80, Math.floor(8000 / winners.length)) : 800;
    var i = 0;
    revealing = window.setInterval(function () {
      if (i >= winners.length) {
        window.clearInterval(revealing);
        revealing = null;
        proof({ round_id: ev.round_id }, ev.seed);
        revealEl.setAttribute("data-revealed", String(ev.round_id));
        return;
      }
      var card = winnerCard(winners[i]);
      card.setAttribute("data-participant", winners[i].participant_id);
      revealEl.appendChild(card);
      i += 1;
    }, step);
    shownRound = ev.round_id;
  }

  function changed() { refresh(); }

  refresh(function () {
    showStill(current());
    WxScreen.connect({
      lottery_commit: changed,
      lottery_draw: function (ev) { refresh(function () { reveal(ev); }); },
      lottery_absent: changed,
      lottery_reset: changed
    });
  });
  // Prizes edited in the console send no event: the stage reads them again now and then.
  window.setInterval(function () { if (!revealing) refresh(); }, 15000);
})();
