// The sign-in wall as a show. It counts every sign-in of the activity's event stream (joins, for
// an activity that is not a sign-in) from its first event, and shows the arrivals in one of four
// layouts, chosen with ?layout= or a key (any screen: they only change what this screen shows):
//
//   G  the grid of the newest arrivals          S  a turning sphere of everyone (canvas, 3D)
//   Q  a large join code, for the first minutes  T  a countdown (?countdown=N minutes, else 5;
//                                                   + and - add or take a minute; T again ends it)
//
// Each arrival after the page opened is welcomed — avatar and name large for about a second —
// without holding back a burst: the count, the grid and the sphere take everyone at once, and
// the welcome skips ahead when people arrive faster than it can greet them. DOM updates are
// batched per animation frame; the grid keeps MAX_SHOWN people, the sphere SPHERE_MAX.
(function () {
  "use strict";
  var MAX_SHOWN = 120;
  var PER_ENTRY = 6;
  var ENTRY_MS = 100;
  var SPHERE_MAX = 5000;
  var LAYOUTS = { g: "grid", s: "sphere", q: "qr" };
  var body = document.body;
  var counted = body.getAttribute("data-counted") || "signin";
  // Events up to this id were history when the page was made: counted, never welcomed.
  var after = parseInt(body.getAttribute("data-after"), 10) || 0;
  var countEl = document.getElementById("count");
  var copies = document.querySelectorAll(".count-copy");
  var rateEl = document.getElementById("rate");
  var wall = document.getElementById("wall");
  var canvas = document.getElementById("sphere");
  var clock = document.getElementById("countdown-clock");
  var welcomeEl = document.getElementById("welcome");
  var params = new URLSearchParams(window.location.search);
  var count = 0;
  var pending = [];
  var recent = [];
  var scheduled = false;
  var lastEntry = 0;
  var layout = "grid";

  // Everyone on the sphere: {text, avatar, seed, sprite}; once full, a ring (`oldest` next
  // to go).
  var people = [];
  var oldest = 0;

  function shownName(ev) {
    return ev.name || ev.nickname || "";
  }

  function person(ev) {
    var box = document.createElement("div");
    box.className = "person";
    var text = shownName(ev) || "?";
    box.appendChild(WxScreen.avatar(ev.avatar, text, ev.seed || ev.member_id, "face"));
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = shownName(ev);
    box.appendChild(name);
    return box;
  }

  function render() {
    scheduled = false;
    countEl.textContent = String(count);
    for (var c = 0; c < copies.length; c++) copies[c].textContent = String(count);
    var now = Date.now();
    while (recent.length && recent[0] < now - 60000) recent.shift();
    rateEl.textContent = String(recent.length);
    // Only the newest few arrivals enter the grid, at most PER_ENTRY every ENTRY_MS: in a
    // burst (hundreds a second, more than eyes follow) the count carries the rest, and the
    // page's time goes to reading events and drawing frames, not laying out faces.
    if (layout !== "grid" || now - lastEntry < ENTRY_MS) {
      if (pending.length && layout === "grid") schedule();
      return;
    }
    lastEntry = now;
    var fresh = pending.slice(-PER_ENTRY);
    pending = [];
    var fragment = document.createDocumentFragment();
    for (var i = fresh.length - 1; i >= 0; i--) fragment.appendChild(person(fresh[i]));
    wall.insertBefore(fragment, wall.firstChild);
    while (wall.childElementCount > MAX_SHOWN) wall.removeChild(wall.lastElementChild);
  }

  function schedule() {
    if (!scheduled) {
      scheduled = true;
      window.requestAnimationFrame(render);
    }
  }

  // --- the sphere ---------------------------------------------------------------------------
  // Everyone on a Fibonacci lattice of the sphere, turning; each face a small bitmap drawn once
  // (initials on a colour are shared by everyone with the same initial and colour), the far
  // side dimmed and smaller. Positions are computed again only when the number changes.
  var g = canvas.getContext("2d");
  var tile = 48;
  var sprites = {};
  var lattice = new Float32Array(0);
  var latticeFor = -1;
  var running = 0;
  var loading = 0;
  var toLoad = [];

  function round(draw) {
    var c = document.createElement("canvas");
    c.width = c.height = tile;
    var cg = c.getContext("2d");
    cg.beginPath();
    cg.arc(tile / 2, tile / 2, tile / 2 - 1, 0, 2 * Math.PI);
    cg.closePath();
    draw(cg);
    return c;
  }

  function initialSprite(p) {
    var initial = (p.text || "?").charAt(0);
    var color = WxScreen.color(p.seed || p.text);
    var key = color + "|" + initial;
    if (!sprites[key]) {
      sprites[key] = round(function (cg) {
        cg.fillStyle = color;
        cg.fill();
        cg.fillStyle = "#fff";
        cg.font = "700 " + Math.round(tile * 0.52) + "px \"Noto Sans CJK SC\", sans-serif";
        cg.textAlign = "center";
        cg.textBaseline = "middle";
        cg.fillText(initial, tile / 2, tile / 2 + tile * 0.03);
      });
    }
    return sprites[key];
  }

  // Avatars load while the sphere is shown, a few at a time and paced, so that thousands of
  // faces neither flood the server nor take the frames' time.
  function loadNext() {
    while (layout === "sphere" && loading < 2 && toLoad.length) {
      var p = toLoad.shift();
      loading += 1;
      (function (p) {
        var img = new Image();
        img.referrerPolicy = "no-referrer";
        img.onload = function () {
          p.sprite = round(function (cg) {
            cg.save();
            cg.clip();
            cg.drawImage(img, 0, 0, tile, tile);
            cg.restore();
          });
          loading -= 1;
          window.setTimeout(loadNext, 40);
        };
        img.onerror = function () {
          loading -= 1;
          window.setTimeout(loadNext, 40);
        };
        img.src = p.avatar;
      })(p);
    }
  }

  function addToSphere(ev) {
    var p = { text: shownName(ev), avatar: ev.avatar, seed: ev.seed || ev.member_id, sprite: null };
    // Full: the newest takes the oldest one's place on the sphere.
    if (people.length < SPHERE_MAX) people.push(p);
    else {
      people[oldest] = p;
      oldest = (oldest + 1) % SPHERE_MAX;
    }
    if (/^\/(avatars|media)\//.test(p.avatar || "")) {
      toLoad.push(p);
      if (toLoad.length > SPHERE_MAX) toLoad.shift();
      loadNext();
    }
  }

  function placeOnSphere(n) {
    lattice = new Float32Array(n * 3);
    var golden = Math.PI * (3 - Math.sqrt(5));
    for (var i = 0; i < n; i++) {
      var y = 1 - ((i + 0.5) / n) * 2;
      var r = Math.sqrt(1 - y * y);
      lattice[i * 3] = Math.cos(golden * i) * r;
      lattice[i * 3 + 1] = y;
      lattice[i * 3 + 2] = Math.sin(golden * i) * r;
    }
    latticeFor = n;
  }

  function drawSphere(now) {
    if (layout !== "sphere") {
      running = 0;
      return;
    }
    running = window.requestAnimationFrame(drawSphere);
    var ratio = window.devicePixelRatio || 1;
    var w = Math.round(canvas.clientWidth * ratio);
    var h = Math.round(canvas.clientHeight * ratio);
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    g.clearRect(0, 0, w, h);
    var n = people.length;
    if (!n) {
      g.fillStyle = getComputedStyle(body).color;
      g.font = Math.round(Math.min(w, h) * 0.05) + "px \"Noto Sans CJK SC\", sans-serif";
      g.textAlign = "center";
      g.fillText("扫码签到,你的头像将出现在这里", w / 2, h / 2);
      return;
    }
    if (n !== latticeFor) placeOnSphere(n);
    var radius = Math.min(w, h) * 0.46;
    var cx = w / 2;
    var cy = h / 2;
    // A face's side: what the sphere's surface gives each, a little apart; at most a tile.
    var side = Math.min(tile * ratio * 1.6, Math.max(4, Math.sqrt((4 * Math.PI * radius * radius) / Math.max(n, 80)) * 0.74));
    var turn = (now / 1000) * 0.22;
    var sa = Math.sin(turn);
    var ca = Math.cos(turn);
    var st = Math.sin(0.32);
    var ct = Math.cos(0.32);
    for (var pass = 0; pass < 2; pass++) {
      g.globalAlpha = pass ? 1 : 0.3;
      for (var i = 0; i < n; i++) {
        var x = lattice[i * 3];
        var y = lattice[i * 3 + 1];
        var z = lattice[i * 3 + 2];
        var x1 = x * ca + z * sa;
        var z1 = z * ca - x * sa;
        var y2 = y * ct - z1 * st;
        var z2 = y * st + z1 * ct;
        // The far cap is hidden behind the near side: not drawn.
        if ((z2 >= 0) !== (pass === 1) || z2 < -0.6) continue;
        var depth = 0.62 + 0.38 * ((z2 + 1) / 2);
        var s = side * depth;
        var persp = 1 / (1.35 - z2 * 0.35);
        var p = people[i];
        g.drawImage(p.sprite || initialSprite(p), cx + x1 * radius * persp - s / 2, cy + y2 * radius * persp - s / 2, s, s);
      }
    }
    g.globalAlpha = 1;
  }

  // --- the welcome --------------------------------------------------------------------------
  var welcomeQueue = [];
  var welcoming = false;

  function welcome(ev) {
    welcomeQueue.push(ev);
    // A burst: greet the newest few, the rest are already on the wall.
    if (welcomeQueue.length > 6) welcomeQueue.splice(0, welcomeQueue.length - 3);
    if (!welcoming) nextWelcome();
  }

  function nextWelcome() {
    var ev = welcomeQueue.shift();
    if (!ev) {
      welcoming = false;
      welcomeEl.hidden = true;
      return;
    }
    welcoming = true;
    var hold = welcomeQueue.length > 1 ? 600 : 1400;
    var card = document.createElement("div");
    card.className = "welcome-card";
    card.style.animationDuration = hold + "ms";
    var text = shownName(ev) || "?";
    card.appendChild(WxScreen.avatar(ev.avatar, text, ev.seed || ev.member_id, "welcome-face"));
    var hello = document.createElement("p");
    hello.className = "welcome-hello";
    hello.textContent = "欢迎";
    card.appendChild(hello);
    var who = document.createElement("p");
    who.className = "welcome-name";
    who.textContent = shownName(ev) || "新朋友";
    card.appendChild(who);
    welcomeEl.replaceChildren(card);
    welcomeEl.hidden = false;
    window.setTimeout(nextWelcome, hold);
  }

  // --- the countdown ------------------------------------------------------------------------
  var countdownEnd = 0;
  var beforeCountdown = "grid";

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function tick() {
    if (layout !== "countdown") return;
    var left = Math.max(0, Math.ceil((countdownEnd - Date.now()) / 1000));
    if (!left) {
      clock.textContent = "开始!";
      window.setTimeout(function () {
        if (layout === "countdown" && countdownEnd <= Date.now()) setLayout(beforeCountdown);
      }, 4000);
      return;
    }
    var hours = Math.floor(left / 3600);
    var minutes = Math.floor((left % 3600) / 60);
    clock.textContent = (hours ? hours + ":" + two(minutes) : two(minutes)) + ":" + two(left % 60);
    window.setTimeout(tick, 250);
  }

  function startCountdown(minutes) {
    if (layout !== "countdown") beforeCountdown = layout;
    countdownEnd = Date.now() + minutes * 60000;
    setLayout("countdown");
    tick();
  }

  function setLayout(name) {
    layout = name;
    body.setAttribute("data-layout", name);
    if (name === "sphere" && !running) running = window.requestAnimationFrame(drawSphere);
    if (name === "sphere") loadNext();
    schedule();
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var key = e.key.toLowerCase();
    if (LAYOUTS[key]) {
      setLayout(LAYOUTS[key]);
    } else if (key === "t") {
      if (layout === "countdown") setLayout(beforeCountdown);
      else startCountdown(Math.min(180, Math.max(0.1, parseFloat(params.get("countdown")) || 5)));
    } else if ((key === "+" || key === "=") && layout === "countdown") {
      countdownEnd += 60000;
    } else if (key === "-" && layout === "countdown") {
      countdownEnd = Math.max(Date.now() + 1000, countdownEnd - 60000);
    } else {
      return;
    }
    e.preventDefault();
  });

  var handlers = {};
  handlers[counted] = function (ev, id) {
    count += 1;
    // The rate counts arrivals as they happen, not a replay of the past.
    if (!ev.time || ev.time > Date.now() - 60000) recent.push(Date.now());
    pending.push(ev);
    if (pending.length > PER_ENTRY * 4) pending = pending.slice(-PER_ENTRY);
    addToSphere(ev);
    if (id > after) welcome(ev);
    schedule();
  };
  // What tests and the frame-rate benchmark read.
  window.WxSignin = {
    count: function () { return count; },
    onSphere: function () { return people.length; },
    layout: function () { return layout; }
  };

  var asked = LAYOUTS[(params.get("layout") || "g").charAt(0).toLowerCase()];
  setLayout(asked || "grid");
  if (params.get("countdown")) {
    startCountdown(Math.min(180, Math.max(0.1, parseFloat(params.get("countdown")) || 5)));
  }
  // The count is the total: from the activity's first event.
  WxScreen.connect(handlers, true);
  // The rate falls when nobody arrives.
  window.setInterval(schedule, 5000);
})();
