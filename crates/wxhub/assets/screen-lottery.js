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
  var prepareEl = document.getElementById("prepare");
  // The prize a host is about to draw ({prize_id, count}): shown until a round is committed.
  var preparing = null;
  var listeners = [];
  var state = null;
  var rolling = null;
  var revealing = null;
  var finishReveal = function () {};
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

  // Lays the reveal out for n cards: the number of columns that gives the largest type with
  // every card inside the box (a card is about 4.2 em wide and 3.8 em tall with its avatar, 3.4
  // by 1.5 as a name alone), then smaller until nothing is cut. Over 30 winners the side
  // columns step aside; over 24 only names are shown.
  var BIG_DRAW = 30;
  var DENSE = 24;
  function fitLayout(n) {
    body.classList.toggle("big-draw", n > BIG_DRAW);
    var dense = n > DENSE;
    revealEl.classList.toggle("dense", dense);
    if (!n) return;
    var width = revealEl.clientWidth;
    var height = revealEl.clientHeight;
    if (!width || !height) return;
    var cardW = dense ? 3.4 : 4.2;
    var cardH = dense ? 1.5 : 3.8;
    var largest = Math.min(width, height) * 0.2;
    var best = { size: 0, columns: 1 };
    for (var c = 1; c <= n; c++) {
      var rows = Math.ceil(n / c);
      // The gap between cards is 0.3 of the type size.
      var size = Math.min(width / (c * cardW + (c - 1) * 0.3), height / (rows * cardH + (rows - 1) * 0.3));
      if (size > best.size) best = { size: size, columns: c };
    }
    revealEl.style.setProperty("--columns", String(best.columns));
    setCard(Math.min(best.size, largest));
  }

  function setCard(size) {
    revealEl.style.setProperty("--card", size.toFixed(1) + "px");
  }

  // Once the cards are in: smaller while anything is cut (a long name wraps to more lines).
  function shrinkToFit() {
    var size = parseFloat(revealEl.style.getPropertyValue("--card")) || 0;
    for (var i = 0; i < 25 && size > 8 && cut(); i++) {
      size *= 0.93;
      setCard(size);
    }
  }

  function cut() {
    if (revealEl.scrollHeight > revealEl.clientHeight + 1) return true;
    var cards = revealEl.children;
    for (var i = 0; i < cards.length; i++) {
      if (cards[i].scrollWidth > cards[i].clientWidth + 1 || cards[i].scrollHeight > cards[i].clientHeight + 1) return true;
    }
    return false;
  }

  // The winners so far, a group per prize, the prize drawn last on top: the list builds up
  // prize by prize as the evening goes.
  function renderBoard() {
    boardEl.textContent = "";
    var groups = [];
    var byPrize = {};
    state.rounds.forEach(function (r) {
      if (r.state !== "drawn") return;
      var won = r.winners.filter(function (w) { return w.state === "won"; });
      if (!won.length) return;
      var group = byPrize[r.prize_id];
      if (!group) {
        group = byPrize[r.prize_id] = { name: r.prize_name, winners: [] };
        groups.push(group);
      } else {
        // Drawn again: the prize comes to the top.
        groups.splice(groups.indexOf(group), 1);
        groups.push(group);
      }
      group.winners = group.winners.concat(won);
    });
    groups.reverse().forEach(function (g) {
      var box = el("div", "board-group");
      var head = el("div", "board-prize", g.name + " · " + g.winners.length + " 人");
      box.appendChild(head);
      g.winners.forEach(function (w) {
        var line = el("div", "board-line");
        line.appendChild(el("span", "board-name", w.name || w.nickname));
        if (w.designated) line.appendChild(el("span", "badge", "内定"));
        box.appendChild(line);
      });
      boardEl.appendChild(box);
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

  function left(p) { return Math.max(0, p.stock - p.awarded); }

  // The order an evening draws prizes in: the lowest tier first, the top prize last.
  function drawOrder() {
    return state.prizes.slice().sort(function (a, b) { return b.tier - a.tier; });
  }

  // Before a round: the prize large (its image, what is left of it), how many may win, and the
  // join code for whoever has not joined yet.
  function showPrepare(prizeId, count) {
    var p = null;
    state.prizes.forEach(function (x) { if (x.prize_id === prizeId) p = x; });
    if (!p) return false;
    idleEl.hidden = true;
    roundEl.textContent = "";
    revealEl.textContent = "";
    stopRolling();
    proof(null, null);
    fitLayout(0);
    revealEl.hidden = true;
    prepareEl.hidden = false;
    var img = document.getElementById("prepare-image");
    if (/^(https?:\/\/|\/media\/)/.test(p.image || "")) {
      img.src = p.image;
      img.referrerPolicy = "no-referrer";
      img.hidden = false;
    } else {
      img.hidden = true;
    }
    document.getElementById("prepare-tier").textContent = tierName(p.tier);
    document.getElementById("prepare-prize").textContent = p.name;
    var facts = document.getElementById("prepare-facts");
    facts.textContent = "";
    facts.appendChild(el("span", "", "剩余 " + left(p) + " / " + p.stock));
    facts.appendChild(el("span", "", "参与 " + (state.participants_total || 0) + " 人"));
    if (count) facts.appendChild(el("span", "draw-count", "本轮抽取 " + count + " 人"));
    prizesEl.querySelectorAll(".prize").forEach(function (row) {
      row.classList.toggle("selected", row.getAttribute("data-prize") === String(p.prize_id));
    });
    return true;
  }

  function showStill(r) {
    if (revealing) return;
    prepareEl.hidden = true;
    revealEl.hidden = false;
    prizesEl.querySelectorAll(".prize.selected").forEach(function (row) { row.classList.remove("selected"); });
    if (preparing && !(r && r.state === "committed") && showPrepare(preparing.prize_id, preparing.count)) return;
    revealEl.textContent = "";
    if (!r) {
      // Nothing drawn yet: the first prize with something left, else the wait.
      var next = null;
      drawOrder().forEach(function (p) { if (!next && left(p) > 0) next = p; });
      if (next && showPrepare(next.prize_id, 0)) return;
      idleEl.hidden = false;
      roundEl.textContent = "";
      stopRolling();
      proof(null, null);
      fitLayout(0);
      return;
    }
    idleEl.hidden = true;
    commitment(r);
    if (r.state === "committed") {
      proof(r, null);
      fitLayout(0);
      if (shownRound !== r.round_id || !rolling) roll(state.names || []);
    } else {
      stopRolling();
      proof(r, r.seed);
      fitLayout(r.winners.length);
      r.winners.forEach(function (w) { revealEl.appendChild(winnerCard(w)); });
      shrinkToFit();
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
        listeners.forEach(function (f) { f(); });
      })
      .catch(function () { window.setTimeout(function () { refresh(then); }, 2000); });
  }

  // A celebration as the winners come: confetti over the stage for three seconds, and a short
  // fanfare once the page may play sound (after the first click or key, as browsers require).
  var audio = null;
  function unlockSound() {
    if (audio || !window.AudioContext) return;
    try { audio = new window.AudioContext(); } catch (e) { audio = null; }
  }
  document.addEventListener("keydown", unlockSound);
  document.addEventListener("click", unlockSound);
  function fanfare() {
    if (!audio || audio.state !== "running") return;
    [523.25, 659.25, 783.99, 1046.5].forEach(function (f, i) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      var at = audio.currentTime + i * 0.12;
      osc.type = "triangle";
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.5);
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + 0.55);
    });
  }
  var confettiColors = ["#ffc914", "#e4572e", "#17bebb", "#76b041", "#ffffff", "#f18f01"];
  function celebrate() {
    var old = document.getElementById("confetti");
    if (old) old.remove();
    var box = el("div", "confetti");
    box.id = "confetti";
    box.setAttribute("aria-hidden", "true");
    for (var i = 0; i < 80; i++) {
      var piece = el("i", "");
      piece.style.left = (Math.random() * 100).toFixed(1) + "%";
      piece.style.background = confettiColors[i % confettiColors.length];
      piece.style.animationDelay = (Math.random() * 0.8).toFixed(2) + "s";
      piece.style.animationDuration = (2 + Math.random() * 1.2).toFixed(2) + "s";
      box.appendChild(piece);
    }
    body.appendChild(box);
    window.setTimeout(function () { box.remove(); }, 4200);
    fanfare();
  }

  // The draw: winners appear one by one, as the event names them, in draw order.
  function reveal(ev) {
    if (revealing) window.clearInterval(revealing);
    stopRolling();
    idleEl.hidden = true;
    prepareEl.hidden = true;
    revealEl.hidden = false;
    var r = null;
    state.rounds.forEach(function (x) { if (x.round_id === ev.round_id) r = x; });
    if (r) commitment(r);
    revealEl.textContent = "";
    // The proof's place is kept from the start, so that the cards do not move when it shows.
    proof({ round_id: ev.round_id }, ev.seed);
    proofEl.style.visibility = "hidden";
    var winners = ev.winners || [];
    fitLayout(winners.length);
    if (winners.length) celebrate();
    // One by one for a few winners; a large draw in about four seconds whatever its size.
    var step = winners.length > 10 ? Math.max(25, Math.floor(4000 / winners.length)) : 800;
    var i = 0;
    function next() {
      if (i >= winners.length) {
        window.clearInterval(revealing);
        revealing = null;
        proofEl.style.visibility = "";
        revealEl.setAttribute("data-revealed", String(ev.round_id));
        // Who was revealed, in order (what tests read; a later redraw from the state keeps it).
        revealEl.setAttribute("data-participants", winners.map(function (w) { return w.participant_id; }).join(","));
        return;
      }
      var card = winnerCard(winners[i]);
      card.setAttribute("data-participant", winners[i].participant_id);
      revealEl.appendChild(card);
      // When the first winner reached the stage (bench/stage.sh times it from the key press).
      if (i === 0) window.wxFirstWinnerAt = performance.now();
      i += 1;
      shrinkToFit();
    }
    // The first winner at once, the others one by one (or all at once when the host moves on).
    revealing = window.setInterval(next, step);
    finishReveal = function () { while (revealing) next(); };
    next();
    shownRound = ev.round_id;
  }

  function changed() { refresh(); }

  // What the host's controls (screen-stage.js) work with.
  window.WxLottery = {
    state: function () { return state; },
    current: current,
    revealing: function () { return !!revealing; },
    // Shows the rest of the winners at once (the host pressed on during the reveal).
    finishReveal: function () { finishReveal(); },
    // Holds the stage on a prize before its round (null: back to what the record says).
    prepare: function (p) { preparing = p; if (state) showStill(current()); },
    onUpdate: function (f) { listeners.push(f); },
    drawOrder: drawOrder,
    left: left
  };

  // A window resized (or a projector plugged in): the cards laid out again.
  window.addEventListener("resize", function () {
    fitLayout(revealEl.childElementCount);
    shrinkToFit();
  });

  refresh(function () {
    showStill(current());
    WxScreen.connect({
      lottery_commit: changed,
      // The winners at once from the event; prizes and the board read again meanwhile.
      lottery_draw: function (ev) { reveal(ev); refresh(); },
      lottery_absent: changed,
      lottery_reset: changed
    });
  });
  // Prizes edited in the console send no event: the stage reads them again now and then.
  window.setInterval(function () { if (!revealing) refresh(); }, 15000);
})();
