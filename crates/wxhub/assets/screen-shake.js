// The shake race's big screen: before the start, the call to scan; the countdown large; while
// the race runs, the first ten as runners on lanes, each moving toward the finish line as its
// total grows and changing lanes as places change (read ten times a second); at the end, the
// winners. The clock is the server's.
(function () {
  "use strict";
  var body = document.body;
  var stateUrl = body.getAttribute("data-state");
  var $ = function (id) { return document.getElementById(id); };
  var current = null;
  var offset = 0; // the server's clock minus this page's
  var lanes = {}; // seed → the lane's element
  var PLACE_NAMES = ["冠军", "亚军", "季军"];

  function serverNow() { return Date.now() + offset; }

  function phaseOf(s) {
    if (!s) return "waiting";
    if (s.status === "countdown" && s.starts_at && serverNow() >= s.starts_at) return "running";
    if ((s.status === "running" || s.status === "countdown") && s.ends_at && serverNow() >= s.ends_at) return "ended";
    return s.status;
  }

  function lane(place) {
    var li = lanes[place.seed];
    if (!li) {
      li = document.createElement("li");
      li.className = "shake-lane";
      li.setAttribute("data-seed", place.seed);
      var rank = document.createElement("span");
      rank.className = "shake-rank";
      li.appendChild(rank);
      li.appendChild(WxScreen.avatar("", place.name, place.seed, "shake-face"));
      var name = document.createElement("span");
      name.className = "shake-name";
      li.appendChild(name);
      var road = document.createElement("span");
      road.className = "shake-road";
      var runner = document.createElement("span");
      runner.className = "shake-runner";
      road.appendChild(runner);
      li.appendChild(road);
      var total = document.createElement("span");
      total.className = "shake-total";
      li.appendChild(total);
      lanes[place.seed] = li;
      $("track").appendChild(li);
    }
    return li;
  }

  function renderTrack(s) {
    var seen = {};
    s.board.forEach(function (p) {
      var li = lane(p);
      seen[p.seed] = true;
      li.style.setProperty("--place", String(p.rank - 1));
      li.classList.toggle("finished", p.finish_seconds !== null && p.finish_seconds !== undefined);
      li.querySelector(".shake-rank").textContent = String(p.rank);
      li.querySelector(".shake-name").textContent = p.name || "匿名";
      var share = s.target ? Math.min(1, p.total / s.target) : 0;
      li.querySelector(".shake-runner").style.transform = "scaleX(" + share.toFixed(4) + ")";
      li.querySelector(".shake-total").textContent = String(p.total);
    });
    Object.keys(lanes).forEach(function (seed) {
      if (!seen[seed]) { lanes[seed].remove(); delete lanes[seed]; }
    });
  }

  function renderPodium(s) {
    var list = $("winners");
    list.textContent = "";
    var winners = s.board.filter(function (p) { return p.total > 0; }).slice(0, s.places);
    winners.forEach(function (p) {
      var li = document.createElement("li");
      li.className = "shake-winner";
      var place = document.createElement("span");
      place.className = "shake-place";
      place.textContent = PLACE_NAMES[p.rank - 1] || "第 " + p.rank + " 名";
      li.appendChild(place);
      li.appendChild(WxScreen.avatar("", p.name, p.seed, "shake-winner-face"));
      var name = document.createElement("span");
      name.className = "shake-winner-name";
      name.textContent = p.name || "匿名";
      li.appendChild(name);
      var how = document.createElement("span");
      how.className = "shake-winner-how";
      how.textContent = p.finish_seconds !== null && p.finish_seconds !== undefined
        ? p.finish_seconds.toFixed(1) + " 秒到达终点" : p.total + " 次";
      li.appendChild(how);
      list.appendChild(li);
    });
    if (!winners.length) {
      var none = document.createElement("li");
      none.className = "shake-winner empty";
      none.textContent = "本轮没有人摇动";
      list.appendChild(none);
    }
  }

  var renders = 0;

  function render(s) {
    renders += 1;
    current = s;
    offset = s.server_now - Date.now();
    $("runners").textContent = String(s.runners);
    $("finished").textContent = String(s.finished);
    renderTrack(s);
    renderPodium(s);
    tick();
  }

  // The phase by the clock: the countdown's number, the time left, the podium at the end.
  function tick() {
    var s = current;
    var phase = phaseOf(s);
    body.setAttribute("data-phase", phase);
    var countdown = $("countdown");
    var clock = $("clock");
    if (phase === "countdown") {
      var left = Math.max(0, s.starts_at - serverNow());
      countdown.hidden = false;
      countdown.textContent = String(Math.ceil(left / 1000) || "开始");
    } else {
      countdown.hidden = true;
    }
    if (phase === "running" || phase === "countdown") {
      clock.textContent = String(Math.ceil(Math.max(0, s.ends_at - Math.max(serverNow(), s.starts_at)) / 1000));
      $("goal").textContent = "摇动手机,先摇满 " + s.target + " 次的前 " + s.places + " 名获胜";
    } else if (phase === "ended") {
      clock.textContent = "0";
      $("goal").textContent = "本轮结束";
    } else {
      clock.textContent = "–";
      $("goal").textContent = "摇一摇即将开始,请扫码参与";
    }
    $("podium").hidden = phase !== "ended";
    $("track").hidden = phase === "ended" || phase === "waiting";
    if (window.WxHost) WxHost.refresh();
  }

  var state = WxScreen.refresher(stateUrl, render, 500);
  // Ten reads a second while the round counts down or runs; one a second otherwise.
  var quiet = 0;
  window.setInterval(function () {
    var phase = phaseOf(current);
    if (phase === "running" || phase === "countdown" || ++quiet >= 10) {
      quiet = 0;
      state.now();
    }
    tick();
  }, 100);
  state.now();
  WxScreen.connect({
    shake_status: function () { state.soon(20); },
    shake_settings: function () { state.soon(100); }
  });

  // The host's next step: start a round, or stop the one that runs.
  if (window.WxHost) {
    WxHost.bind({
      label: function () {
        if (!current) return "";
        var phase = phaseOf(current);
        if (phase === "running" || phase === "countdown") return "下一步:结束本轮";
        return "下一步:开始第 " + (current.round + 1) + " 轮";
      },
      advance: function () {
        if (!current) return null;
        var phase = phaseOf(current);
        return { action: phase === "running" || phase === "countdown" ? "stop" : "start" };
      },
      done: function () { state.soon(20); }
    });
  }

  // Frames drawn and states rendered (bench/ measures both rates), and the state (the tests).
  var frames = 0;
  (function count() { frames += 1; window.requestAnimationFrame(count); })();
  window.WxShake = {
    state: function () { return current; },
    frames: function () { return frames; },
    renders: function () { return renders; }
  };
})();
