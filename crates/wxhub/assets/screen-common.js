// What every big screen shares: the activity's background, its music (browsers allow sound only
// after a click or a key), F for full screen, and the event stream. EventSource reconnects by
// itself with Last-Event-ID; when the server answers an error instead (a restart behind a proxy),
// the stream is opened again here from the last event seen, so no event is lost. A small mark
// shows while the screen is not connected.
(function () {
  "use strict";
  var body = document.body;

  var background = body.getAttribute("data-background");
  if (background && /^(https?:\/\/|\/media\/)/.test(background)) {
    body.style.backgroundImage = "url(\"" + background.replace(/["\\]/g, "") + "\")";
  }

  var music = body.getAttribute("data-music");
  var audio = null;
  function startMusic() {
    if (audio || !music || !/^(https?:\/\/|\/media\/)/.test(music)) return;
    audio = new Audio(music);
    audio.loop = true;
    audio.play().catch(function () { audio = null; });
  }
  document.addEventListener("click", startMusic);

  document.addEventListener("keydown", function (e) {
    startMusic();
    if (e.key === "f" || e.key === "F") {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(function () {});
    } else if ((e.key === "m" || e.key === "M") && audio) {
      audio.muted = !audio.muted;
    }
  });

  // connect(handlers, fromStart): handlers maps an event kind to a function(data, id). Each
  // event is handed over once, even when a reconnection replays it. The stream starts after
  // the newest event when the page was made (the page shows the state until then), or with
  // fromStart from the activity's first event.
  function connect(handlers, fromStart) {
    var stream = body.getAttribute("data-stream");
    var mark = document.getElementById("reconnecting");
    var lastId = 0;
    var source = null;
    var retry = null;
    // Ids handed over, kept for a while: a replay after a reconnection repeats some. When
    // the set grows large, only the newest ids are kept (one rebuild per 25,000 events).
    var seen = new Set();

    function deliver(kind) {
      return function (e) {
        var id = parseInt(e.lastEventId, 10) || 0;
        if (id) {
          if (seen.has(id)) return;
          seen.add(id);
          if (id > lastId) lastId = id;
          if (seen.size > 50000) {
            var kept = new Set();
            seen.forEach(function (s) { if (s > lastId - 25000) kept.add(s); });
            seen = kept;
          }
        }
        var data;
        try { data = JSON.parse(e.data); } catch (err) { return; }
        handlers[kind](data, id);
      };
    }

    function open() {
      retry = null;
      var url = stream;
      if (lastId) url += (url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + lastId;
      else {
        var from = fromStart ? null : body.getAttribute("data-after");
        if (from) url += (url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + from;
      }
      source = new EventSource(url);
      // People are named another way now (full, masked, nickname), or the theme changed: the
      // page starts again and shows everyone the new way. Announcements from before the page
      // are history. (A preview's theme, ?theme=, is left alone.)
      if (!handlers.screen_settings) {
        var after = parseInt(body.getAttribute("data-after"), 10) || 0;
        handlers.screen_settings = function (ev, id) {
          if (id > after && (ev.name_display !== body.getAttribute("data-names") ||
                             ev.theme !== body.getAttribute("data-theme"))) window.location.reload();
        };
      }
      Object.keys(handlers).forEach(function (kind) {
        source.addEventListener(kind, deliver(kind));
      });
      source.addEventListener("open", function () { if (mark) mark.hidden = true; });
      source.addEventListener("error", function () {
        if (mark) mark.hidden = false;
        // CLOSED: the browser gave up (an error status); open again from the last event.
        if (source.readyState === 2 && !retry) {
          source.close();
          retry = window.setTimeout(open, 2000);
        }
      });
    }
    open();
  }

  // A colour for a person's initial, the same for the same seed on every screen.
  var colors = ["#e4572e", "#17bebb", "#ffc914", "#76b041", "#2e86ab", "#a23b72", "#f18f01"];
  // avatar(src, …): wxhub's kept copy (/avatars/…) when the event names one, else the initial
  // on a colour.
  function avatar(src, text, seed, className) {
    if (/^\/(avatars|media)\//.test(src || "")) {
      var img = document.createElement("img");
      img.className = className;
      img.src = src;
      img.alt = "";
      img.referrerPolicy = "no-referrer";
      return img;
    }
    var initial = document.createElement("div");
    initial.className = className + " initial";
    initial.textContent = (text || "?").charAt(0);
    initial.style.background = color(seed || text);
    return initial;
  }

  function color(seed) {
    var h = 0;
    seed = String(seed || "");
    for (var k = 0; k < seed.length; k++) h = (h * 31 + seed.charCodeAt(k)) >>> 0;
    return colors[h % colors.length];
  }

  // refresher(url, render, retry): a screen's state read again on demand. soon(ms) asks for it
  // after ms (250 unless given; asks meanwhile join that one); one request is in flight at a
  // time, and an ask during it, or a failure, reads once more after `retry` ms. Each state
  // read goes to render.
  function refresher(url, render, retry) {
    var inflight = false;
    var again = false;
    var timer = null;
    function now() {
      if (inflight) { again = true; return; }
      inflight = true;
      fetch(url, { cache: "no-store" })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
        .then(render)
        .catch(function () { again = true; })
        .then(function () {
          inflight = false;
          if (again) { again = false; soon(retry); }
        });
    }
    function soon(ms) {
      if (!timer) timer = window.setTimeout(function () { timer = null; now(); }, ms === undefined ? 250 : ms);
    }
    return { now: now, soon: soon };
  }

  function short(hash) {
    return hash ? hash.slice(0, 12) + "…" : "";
  }

  window.WxScreen = { connect: connect, avatar: avatar, color: color, short: short, refresher: refresher };
})();
