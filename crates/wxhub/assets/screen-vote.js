// The vote's big screen: each option with its votes as a bar (in the host's order) or as a
// ranking (most votes first, rows gliding to their new place), how many voted, and whether the
// voting waits, runs or has closed. While results are hidden until the close, the options show
// without totals. Every ballot on the stream asks for the totals again (at most four times a
// second, and once more after the last), so the screen always ends on the database's figures.
(function () {
  "use strict";
  var body = document.body;
  var stateUrl = body.getAttribute("data-state");
  var board = document.getElementById("board");
  var list = document.getElementById("options");
  var statusEl = document.getElementById("status");
  var ballotsEl = document.getElementById("ballots");
  var rows = Object.create(null); // option id -> its row
  var current = null;
  var refreshes = 0;

  var STATUS = {
    waiting: "投票即将开始 · 微信扫码参与",
    open: "投票进行中",
    closed: "投票已结束 · 最终结果"
  };

  function row(o) {
    var li = rows[o.option_id];
    if (li) return li;
    li = document.createElement("li");
    li.className = "vote-option";
    li.setAttribute("data-option", o.option_id);
    var rank = document.createElement("span");
    rank.className = "vote-rank";
    li.appendChild(rank);
    if (/^https?:\/\//.test(o.image || "")) {
      var img = document.createElement("img");
      img.className = "vote-image";
      img.src = o.image;
      img.alt = "";
      img.referrerPolicy = "no-referrer";
      li.appendChild(img);
    }
    var text = document.createElement("div");
    text.className = "vote-text";
    var label = document.createElement("span");
    label.className = "vote-label";
    text.appendChild(label);
    var track = document.createElement("div");
    track.className = "vote-track";
    var fill = document.createElement("div");
    fill.className = "vote-fill";
    track.appendChild(fill);
    text.appendChild(track);
    li.appendChild(text);
    var figure = document.createElement("span");
    figure.className = "vote-figure";
    li.appendChild(figure);
    rows[o.option_id] = li;
    return li;
  }

  // Rows and type sized to the room there is: one column up to eight options, then two.
  function fit(count) {
    var columns = count > 8 ? 2 : 1;
    var lines = Math.max(1, Math.ceil(count / columns));
    var room = board.clientHeight - statusEl.offsetHeight - 24;
    var vmin = Math.min(window.innerWidth, window.innerHeight) / 100;
    var height = Math.max(3.2 * vmin, Math.min(13 * vmin, room / lines - 0.9 * vmin));
    list.style.setProperty("--row", height + "px");
    list.setAttribute("data-columns", String(columns));
  }

  function render(state) {
    current = state;
    var style = state.screen_style === "ranking" ? "ranking" : "bars";
    body.setAttribute("data-style", style);
    body.setAttribute("data-status", state.status);
    body.setAttribute("data-hidden", state.hidden ? "true" : "false");
    ballotsEl.textContent = String(state.ballots);
    statusEl.textContent = (STATUS[state.status] || "") +
      (state.hidden && state.status !== "closed" ? " · 结果将在投票结束后揭晓" : "");
    var options = state.options.slice();
    if (style === "ranking" && !state.hidden) {
      options.sort(function (a, b) { return (b.votes - a.votes) || (a.position - b.position); });
    }
    var most = 0;
    options.forEach(function (o) { if (o.votes > most) most = o.votes; });
    // Where each row was, to glide it from there (the ranking reorders).
    var before = Object.create(null);
    Object.keys(rows).forEach(function (id) { before[id] = rows[id].getBoundingClientRect().top; });
    var keep = Object.create(null);
    options.forEach(function (o) {
      var li = row(o);
      keep[o.option_id] = true;
      li.querySelector(".vote-label").textContent = o.label;
      li.querySelector(".vote-rank").textContent = state.hidden ? "" : String(o.rank);
      var share = state.hidden || !most ? 0 : o.votes / most;
      li.querySelector(".vote-fill").style.transform = "scaleX(" + share.toFixed(4) + ")";
      li.querySelector(".vote-figure").textContent = state.hidden ? "?" :
        o.votes + " 票 · " + o.percent.toFixed(1) + "%";
      li.classList.toggle("leading", !state.hidden && o.rank === 1 && o.votes > 0);
      list.appendChild(li);
    });
    Object.keys(rows).forEach(function (id) {
      if (!keep[id]) { rows[id].remove(); delete rows[id]; }
    });
    fit(options.length);
    if (window.WxHost) WxHost.refresh();
    options.forEach(function (o) {
      var li = rows[o.option_id];
      var was = before[o.option_id];
      if (was === undefined) return;
      var moved = was - li.getBoundingClientRect().top;
      if (Math.abs(moved) < 1) return;
      li.style.transition = "none";
      li.style.transform = "translateY(" + moved + "px)";
      li.getBoundingClientRect();
      li.style.transition = "";
      li.style.transform = "";
    });
  }

  var state = WxScreen.refresher(stateUrl, function (s) { refreshes++; render(s); }, 250);
  var soon = function () { state.soon(); };

  window.addEventListener("resize", function () { if (current) fit(current.options.length); });
  state.now();
  WxScreen.connect({
    vote_ballot: soon,
    vote_status: soon,
    vote_options: soon,
    vote_settings: soon
  });

  // The host's next step: open the vote, or close it.
  if (window.WxHost) {
    WxHost.bind({
      label: function () {
        if (!current) return "";
        return current.status === "open" ? "下一步:结束投票" :
          current.status === "closed" ? "下一步:重新开始投票" : "下一步:开始投票";
      },
      advance: function () {
        if (!current) return null;
        return { action: current.status === "open" ? "close" : "open" };
      },
      done: soon
    });
  }

  window.WxVote = {
    state: function () { return current; },
    refreshes: function () { return refreshes; }
  };
})();
