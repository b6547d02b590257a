// The sign-in wall: reads the activity's event stream (EventSource reconnects by itself with
// Last-Event-ID, so no event is lost), counts every sign-in, and shows the newest arrivals.
// DOM updates are batched per animation frame, and the wall keeps at most MAX_SHOWN people,
// so a burst of thousands neither freezes the page nor grows its memory.
(function () {
  "use strict";
  var MAX_SHOWN = 120;
  var root = document.body;
  var stream = root.getAttribute("data-stream");
  var countEl = document.getElementById("count");
  var rateEl = document.getElementById("rate");
  var wall = document.getElementById("wall");
  var mark = document.getElementById("reconnecting");
  var count = 0;
  var seen = Object.create(null);
  var pending = [];
  var recent = [];
  var scheduled = false;
  var colors = ["#e4572e", "#17bebb", "#ffc914", "#76b041", "#2e86ab", "#a23b72", "#f18f01"];

  function person(ev) {
    var box = document.createElement("div");
    box.className = "person";
    var icon = ev.icon || "";
    if (/^https?:\/\//.test(icon)) {
      var img = document.createElement("img");
      img.src = icon;
      img.alt = "";
      img.referrerPolicy = "no-referrer";
      box.appendChild(img);
    } else {
      var initial = document.createElement("div");
      initial.className = "initial";
      var text = ev.name || ev.nickname || "?";
      initial.textContent = text.charAt(0);
      var seed = String(ev.member_id || text);
      var h = 0;
      for (var k = 0; k < seed.length; k++) h = (h * 31 + seed.charCodeAt(k)) >>> 0;
      initial.style.background = colors[h % colors.length];
      box.appendChild(initial);
    }
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = ev.name || ev.nickname || "";
    box.appendChild(name);
    return box;
  }

  function render() {
    scheduled = false;
    countEl.textContent = String(count);
    var now = Date.now();
    while (recent.length && recent[0] < now - 60000) recent.shift();
    rateEl.textContent = String(recent.length);
    // Only the newest MAX_SHOWN of this frame's arrivals are drawn.
    var fresh = pending.slice(-MAX_SHOWN);
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

  var source = new EventSource(stream);
  source.addEventListener("signin", function (e) {
    if (seen[e.lastEventId]) return;
    seen[e.lastEventId] = true;
    var ev;
    try { ev = JSON.parse(e.data); } catch (err) { return; }
    count += 1;
    recent.push(Date.now());
    pending.push(ev);
    schedule();
  });
  source.addEventListener("open", function () { mark.hidden = true; });
  source.addEventListener("error", function () { mark.hidden = false; });

  document.addEventListener("keydown", function (e) {
    if (e.key === "f" || e.key === "F") {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(function () {});
    }
  });
  // The rate falls when nobody arrives.
  window.setInterval(schedule, 5000);
})();
(function () {
  "use strict";
  var bg = document.body.getAttribute("data-background");
  if (bg && /^https?:\/\//.test(bg)) document.body.style.backgroundImage = "url(\"" + bg.replace(/"/g, "") + "\")";
})();
