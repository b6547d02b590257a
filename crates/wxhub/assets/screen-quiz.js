// The quiz's big screen: the current question with its choices and a countdown against the
// server's clock; once it closes, how many picked each choice with the correct ones marked; the
// leaderboard (L shows and hides it; it shows by itself a few seconds after each close, until
// the next question opens). The state is read again when the stream says a question opened,
// closed or was answered (at most twice a second), and when the countdown reaches zero.
(function () {
  "use strict";
  var body = document.body;
  var stateUrl = body.getAttribute("data-state");
  var $ = function (id) { return document.getElementById(id); };
  var LETTERS = "ABCDEFGH";
  var current = null;
  var offset = 0; // the server's clock minus this page's
  var leadersByHand = null; // the host's L: true shown, false hidden, null automatic
  var closedAt = 0;

  function showLeaders(on) {
    $("leaders").hidden = !on;
    $("question").hidden = on;
    body.setAttribute("data-view", on ? "leaders" : "question");
  }

  function renderLeaders(board) {
    var list = $("leader-list");
    list.textContent = "";
    board.forEach(function (s) {
      var li = document.createElement("li");
      li.className = "quiz-leader";
      var rank = document.createElement("span");
      rank.className = "quiz-leader-rank";
      rank.textContent = String(s.rank);
      li.appendChild(rank);
      li.appendChild(WxScreen.avatar("", s.name, s.seed, "quiz-leader-face"));
      var name = document.createElement("span");
      name.className = "quiz-leader-name";
      name.textContent = s.name || "匿名";
      li.appendChild(name);
      var score = document.createElement("span");
      score.className = "quiz-leader-score";
      score.textContent = s.score + " 分";
      li.appendChild(score);
      list.appendChild(li);
    });
    if (!board.length) {
      var none = document.createElement("li");
      none.className = "quiz-leader empty";
      none.textContent = "还没有人得分";
      list.appendChild(none);
    }
  }

  function render(state) {
    current = state;
    offset = state.server_now - Date.now();
    var q = state.question;
    $("number").textContent = q ? q.number + "/" + q.total : "0/" + state.total;
    $("answers").textContent = q ? String(q.answers) : "0";
    renderLeaders(state.leaderboard);
    var choices = $("choices");
    choices.textContent = "";
    if (!q) {
      $("text").textContent = "答题即将开始,请扫码参与";
      $("clock").hidden = true;
      body.setAttribute("data-phase", "waiting");
      return;
    }
    body.setAttribute("data-phase", q.state);
    $("text").textContent = q.text + (q.kind === "multiple" ? "(多选)" : "");
    var most = 0;
    q.picked.forEach(function (n) { if (n > most) most = n; });
    q.choices.forEach(function (c, i) {
      var li = document.createElement("li");
      li.className = "quiz-choice";
      var letter = LETTERS.charAt(i);
      if (q.correct.indexOf(letter) >= 0) li.classList.add("correct");
      var mark = document.createElement("span");
      mark.className = "quiz-letter";
      mark.textContent = letter;
      li.appendChild(mark);
      var label = document.createElement("span");
      label.className = "quiz-choice-text";
      label.textContent = c;
      li.appendChild(label);
      if (q.state === "closed") {
        var n = q.picked[i] || 0;
        var bar = document.createElement("span");
        bar.className = "quiz-bar";
        bar.style.transform = "scaleX(" + (most ? n / most : 0).toFixed(4) + ")";
        li.appendChild(bar);
        var count = document.createElement("span");
        count.className = "quiz-count";
        count.textContent = n + " 人";
        li.appendChild(count);
      }
      choices.appendChild(li);
    });
    if (q.state === "closed") {
      if (!closedAt) closedAt = Date.now();
    } else {
      closedAt = 0;
      leadersByHand = null;
    }
    tick();
  }

  // The countdown, and the leaderboard a few seconds after a close (unless the host chose).
  function tick() {
    var q = current && current.question;
    var clock = $("clock");
    if (q && q.state === "open") {
      var left = Math.max(0, q.closes_at - (Date.now() + offset));
      clock.hidden = false;
      clock.textContent = String(Math.ceil(left / 1000));
      clock.classList.toggle("urgent", left <= 5000);
      if (left === 0) { q.state = "closing"; soon(300); }
    } else {
      clock.hidden = true;
    }
    var auto = q && q.state === "closed" && closedAt && Date.now() - closedAt > 6000;
    showLeaders(leadersByHand === null ? !!auto : leadersByHand);
  }

  var state = WxScreen.refresher(stateUrl, render, 500);
  var soon = state.soon;

  document.addEventListener("keydown", function (e) {
    if (e.key === "l" || e.key === "L") {
      leadersByHand = $("leaders").hidden;
      showLeaders(leadersByHand);
    }
  });
  window.setInterval(tick, 200);
  state.now();
  WxScreen.connect({
    quiz_open: function () { leadersByHand = null; soon(50); },
    quiz_close: function () { soon(50); },
    quiz_questions: function () { soon(200); },
    quiz_answer: function () { soon(500); }
  });

  window.WxQuiz = { state: function () { return current; } };
})();
