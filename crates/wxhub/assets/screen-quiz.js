// The quiz's big screen: the current question with its choices and a countdown against the
// server's clock; once it closes, how many picked each choice with the correct ones marked; the
// leaderboard, and the departments' ranking where members carry a department. L shows and hides
// the leaderboard, D the departments; without a key the leaderboard shows by itself a few
// seconds after each close and the departments some seconds later, until the next question
// opens. The state is read again when the stream says a question opened, closed or was
// answered (at most twice a second), and when the countdown reaches zero.
(function () {
  "use strict";
  var body = document.body;
  var stateUrl = body.getAttribute("data-state");
  var $ = function (id) { return document.getElementById(id); };
  var LETTERS = "ABCDEFGH";
  var current = null;
  var offset = 0; // the server's clock minus this page's
  var viewByHand = null; // the host's L or D: the view chosen, null automatic
  var closedAt = 0;

  // question, leaders or departments
  function showView(view) {
    $("question").hidden = view !== "question";
    $("leaders").hidden = view !== "leaders";
    $("departments").hidden = view !== "departments";
    body.setAttribute("data-view", view);
  }

  // One place on a board: its rank, a face (or none), the name, a note, the score.
  function place(rank, face, name, note, score) {
    var li = document.createElement("li");
    li.className = "quiz-leader";
    var r = document.createElement("span");
    r.className = "quiz-leader-rank";
    r.textContent = String(rank);
    li.appendChild(r);
    if (face) li.appendChild(face);
    var n = document.createElement("span");
    n.className = "quiz-leader-name";
    n.textContent = name;
    li.appendChild(n);
    if (note) {
      var m = document.createElement("span");
      m.className = "quiz-leader-members";
      m.textContent = note;
      li.appendChild(m);
    }
    var s = document.createElement("span");
    s.className = "quiz-leader-score";
    s.textContent = score;
    li.appendChild(s);
    return li;
  }

  function renderDepartments(list) {
    var el = $("department-list");
    el.textContent = "";
    (list || []).forEach(function (d) {
      el.appendChild(place(d.rank, null, d.department, d.members + " 人", d.average_score.toFixed(1) + " 分"));
    });
    if (!list || !list.length) {
      var none = document.createElement("li");
      none.className = "quiz-leader empty";
      none.textContent = "还没有部门的成绩(参与者需带有部门)";
      el.appendChild(none);
    }
  }

  function renderLeaders(board) {
    var list = $("leader-list");
    list.textContent = "";
    board.forEach(function (s) {
      list.appendChild(place(s.rank, WxScreen.avatar("", s.name, s.seed, "quiz-leader-face"),
        s.name || "匿名", "", s.score + " 分"));
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
    renderDepartments(state.departments);
    var choices = $("choices");
    choices.textContent = "";
    if (!q) {
      $("text").textContent = "答题即将开始,请扫码参与";
      $("clock").hidden = true;
      body.setAttribute("data-phase", "waiting");
      if (window.WxHost) WxHost.refresh();
      return;
    }
    body.setAttribute("data-phase", q.state);
    if (window.WxHost) WxHost.refresh();
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
      viewByHand = null;
    }
    tick();
  }

  // The countdown; the leaderboard a few seconds after a close and the departments (where
  // there are any) some seconds later, unless the host chose.
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
    var since = q && q.state === "closed" && closedAt ? Date.now() - closedAt : 0;
    var hasDepartments = current && current.departments && current.departments.length > 0;
    var auto = since > 16000 && hasDepartments ? "departments" : since > 6000 ? "leaders" : "question";
    showView(viewByHand === null ? auto : viewByHand);
  }

  // L and D: show that board, or the question again when it is showing.
  function toggle(view) {
    var showing = body.getAttribute("data-view");
    viewByHand = showing === view ? "question" : view;
    showView(viewByHand);
  }

  var state = WxScreen.refresher(stateUrl, render, 500);
  var soon = state.soon;

  document.addEventListener("keydown", function (e) {
    if (e.key === "l" || e.key === "L") toggle("leaders");
    if (e.key === "d" || e.key === "D") toggle("departments");
  });
  window.setInterval(tick, 200);
  state.now();
  WxScreen.connect({
    quiz_open: function () { viewByHand = null; soon(50); },
    quiz_close: function () { soon(50); },
    quiz_questions: function () { soon(200); },
    quiz_answer: function () { soon(500); }
  });

  // The host's next step: end the open question, or ask the next one.
  if (window.WxHost) {
    WxHost.bind({
      label: function () {
        if (!current) return "";
        var q = current.question;
        if (q && q.state === "open") return "下一步:结束第 " + q.number + " 题";
        if (current.asked < current.total) return "下一步:出第 " + (current.asked + 1) + " 题";
        return current.total ? "题目已全部出完" : "还没有题目,请在控制台添加";
      },
      advance: function () {
        if (!current) return null;
        var q = current.question;
        if (q && q.state === "open") return { action: "close", fields: { question_id: q.question_id } };
        if (current.asked < current.total) return { action: "next" };
        return { refuse: current.total ? "题目已全部出完" : "还没有题目,请在控制台添加" };
      },
      done: function () { soon(50); }
    });
  }

  window.WxQuiz = { state: function () { return current; } };
})();
