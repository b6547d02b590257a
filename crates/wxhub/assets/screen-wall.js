// The message wall: approved messages fly across the screen in lanes (danmaku) or stack in a
// column, as the wall's screen style says. Pinned messages stay in the bar at the top; a
// removed message leaves at once; a message approved later appears when it is approved. When
// nobody writes, the latest messages go round again so the wall never stands empty.
(function () {
  "use strict";
  var body = document.body;
  var stateUrl = body.getAttribute("data-state");
  var pinnedEl = document.getElementById("pinned");
  var stage = document.getElementById("stage");
  var POOL = 60;
  var COLUMN_SHOWN = 12;
  var LANES = 8;
  var SPEED = 0.18; // of the screen's width per second
  var style = body.getAttribute("data-style") || "danmaku";
  var pool = []; // the latest messages shown, oldest first
  var queue = []; // live messages waiting for a lane
  var pinned = Object.create(null);
  var cursor = 0;
  var lastLive = 0;

  // WeChat's text emoji ([微笑]) as the characters every screen has a font for.
  var EMOJI = {
    "微笑": "🙂", "撇嘴": "😕", "色": "😍", "发呆": "😳", "得意": "😎", "流泪": "😢", "害羞": "😊",
    "闭嘴": "🤐", "睡": "😴", "大哭": "😭", "尴尬": "😅", "发怒": "😠", "调皮": "😜", "呲牙": "😁",
    "惊讶": "😮", "难过": "🙁", "酷": "😎", "抓狂": "😫", "吐": "🤮", "偷笑": "🤭", "愉快": "😄",
    "白眼": "🙄", "傲慢": "😤", "困": "😪", "惊恐": "😱", "憨笑": "😆", "悠闲": "😌", "咒骂": "🤬",
    "疑问": "❓", "嘘": "🤫", "晕": "😵", "衰": "😩", "骷髅": "💀", "敲打": "🔨", "再见": "👋",
    "擦汗": "😓", "抠鼻": "🤥", "鼓掌": "👏", "坏笑": "😏", "哈欠": "🥱", "鄙视": "😒", "委屈": "🥺",
    "快哭了": "😿", "阴险": "😈", "亲亲": "😘", "可怜": "🥺", "笑脸": "😃", "生病": "😷", "脸红": "😳",
    "破涕为笑": "😂", "恐惧": "😨", "失望": "😞", "无语": "😶", "嘿哈": "😄", "捂脸": "🤦", "奸笑": "😼",
    "机智": "🤓", "皱眉": "😟", "耶": "✌️", "吃瓜": "🍉", "加油": "💪", "汗": "😓", "天啊": "😱",
    "社会社会": "🤝", "旺柴": "🐶", "好的": "👌", "打脸": "🤕", "哇": "🤩", "翻白眼": "🙄", "666": "👍",
    "让我看看": "👀", "叹气": "😮‍💨", "苦涩": "😣", "裂开": "💔", "嘴唇": "💋", "爱心": "❤️",
    "心碎": "💔", "拥抱": "🤗", "强": "👍", "弱": "👎", "握手": "🤝", "胜利": "✌️", "抱拳": "🙏",
    "勾引": "☝️", "拳头": "👊", "OK": "👌", "合十": "🙏", "啤酒": "🍺", "咖啡": "☕", "蛋糕": "🎂",
    "玫瑰": "🌹", "凋谢": "🥀", "菜刀": "🔪", "炸弹": "💣", "便便": "💩", "月亮": "🌙", "太阳": "☀️",
    "庆祝": "🎉", "礼物": "🎁", "红包": "🧧", "發": "🀄", "福": "🧧", "烟花": "🎆", "爆竹": "🧨",
    "猪头": "🐷", "跳跳": "💃", "发抖": "🥶", "转圈": "🌀"
  };

  function withEmoji(text) {
    return String(text || "").replace(/\[([^\[\]]{1,4})\]/g, function (all, name) {
      return EMOJI[name] || all;
    });
  }

  function bubble(m, className) {
    var box = document.createElement("div");
    box.className = className;
    box.setAttribute("data-message", m.message_id);
    box.appendChild(WxScreen.avatar(m.avatar, m.nickname, m.seed || m.member_id, "avatar"));
    var who = document.createElement("span");
    who.className = "nickname";
    who.textContent = m.nickname || "";
    box.appendChild(who);
    var text = document.createElement("span");
    text.className = "content";
    text.textContent = withEmoji(m.content);
    box.appendChild(text);
    return box;
  }

  function renderPinned() {
    pinnedEl.textContent = "";
    Object.keys(pinned).sort().forEach(function (id) {
      pinnedEl.appendChild(bubble(pinned[id], "message pinned-message"));
    });
    pinnedEl.hidden = !pinnedEl.childElementCount;
  }

  function remember(m) {
    pool = pool.filter(function (x) { return x.message_id !== m.message_id; });
    pool.push(m);
    if (pool.length > POOL) pool.shift();
  }

  function forget(id) {
    pool = pool.filter(function (x) { return x.message_id !== id; });
    queue = queue.filter(function (x) { return x.message_id !== id; });
    var gone = stage.querySelectorAll('[data-message="' + id + '"]');
    for (var i = 0; i < gone.length; i++) gone[i].remove();
    if (pinned[id]) { delete pinned[id]; renderPinned(); }
  }

  // --- the column ---
  function column(m) {
    var node = bubble(m, "message column-message");
    stage.insertBefore(node, stage.firstChild);
    while (stage.childElementCount > COLUMN_SHOWN) stage.removeChild(stage.lastElementChild);
    // Only whole messages: the oldest, cut by the screen's bottom edge, goes. (Layout
    // offsets, not the on-screen box, which the arrival's scale shrinks for half a second.)
    while (stage.childElementCount > 1) {
      var last = stage.lastElementChild;
      if (last.offsetTop + last.offsetHeight <= stage.clientHeight + 1) break;
      stage.removeChild(last);
    }
  }

  function columnFromPool() {
    stage.textContent = "";
    pool.slice(-COLUMN_SHOWN).forEach(column);
  }

  // --- danmaku ---
  // Every message crosses at the same steady speed, so one that enters a lane behind another
  // never catches it up: a lane takes a new message once its newest has wholly entered, with
  // a gap behind it. When messages come faster than the lanes carry them (50 a second), the
  // wall does not speed up or pile them up: the newest wait (at most QUEUED), older ones are
  // skipped on screen and stay in the pool that goes round when the room is quiet.
  var QUEUED = LANES * 2;
  var GAP = 0.05; // of the screen's width, between two messages of a lane
  var laneFreeAt = []; // when each lane may take its next message (document.timeline's time)
  var laneSpeed = 0; // px per ms the lanes were started at; a resize starts them again
  var laneLast = []; // the newest message of each lane

  // Whether the lane's newest message has wholly entered, with the gap behind it, as the page
  // draws it now: the reckoned free time alone once let a message in too early on a busy
  // machine, so the lane's geometry has the last word.
  function entered(i, width) {
    var last = laneLast[i];
    if (!last || !last.isConnected) return true;
    var right = last.getBoundingClientRect().right - stage.getBoundingClientRect().left;
    return right <= width - width * GAP + 1;
  }

  function fly(m) {
    var width = stage.clientWidth;
    var speed = (width * SPEED) / 1000;
    if (speed !== laneSpeed) {
      laneSpeed = speed;
      stage.querySelectorAll(".message.flying").forEach(function (n) { n.remove(); });
      laneFreeAt = [];
      laneLast = [];
    }
    // The animations' own clock: a lane's next message starts on the same clock its newest
    // started on, so a busy page (a late frame) can never bring two of a lane together.
    var now = document.timeline.currentTime;
    if (now === null) now = performance.now();
    var lane = -1;
    for (var i = 0; i < LANES; i++) {
      if ((laneFreeAt[i] || 0) <= now && (lane < 0 || (laneFreeAt[i] || 0) < (laneFreeAt[lane] || 0)) &&
          entered(i, width)) lane = i;
    }
    if (lane < 0) return false;
    var node = bubble(m, "message flying");
    // A share of the stage's height, so the lanes follow a resized window.
    node.style.top = ((100 / LANES) * lane).toFixed(3) + "%";
    node.style.left = width + "px";
    node.setAttribute("data-lane", lane);
    stage.appendChild(node);
    var w = node.offsetWidth;
    laneFreeAt[lane] = now + (w + width * GAP) / speed;
    laneLast[lane] = node;
    // Held at its end (fill): between the animation's end and its finish callback, which a
    // busy page runs some frames later, the message stays out of sight past the left edge
    // instead of springing back to where it started, at the right edge of its lane, over the
    // lane's newest message.
    var animation = node.animate(
      [{ transform: "translateX(0)" }, { transform: "translateX(" + -(width + w) + "px)" }],
      { duration: (width + w) / speed, easing: "linear", fill: "forwards" }
    );
    animation.startTime = now;
    animation.onfinish = function () { node.remove(); };
    return true;
  }

  function tick() {
    if (style === "danmaku") {
      while (queue.length && fly(queue[0])) queue.shift();
      // Nobody writing for a while: the latest messages go round again.
      if (!queue.length && pool.length && Date.now() - lastLive > 4000) {
        var again = pool[cursor % pool.length];
        if (stage.querySelector('[data-message="' + again.message_id + '"]')) cursor += 1;
        else if (stage.childElementCount < LANES && fly(again)) cursor += 1;
      }
    }
  }

  var shown = {}; // live messages already shown: a stream that reconnects replays events

  function show(m) {
    remember(m);
    if (m.pinned) { pinned[m.message_id] = m; renderPinned(); }
    if (shown[m.message_id]) return;
    shown[m.message_id] = true;
    lastLive = Date.now();
    if (style === "column") column(m);
    else {
      queue.push(m);
      if (queue.length > QUEUED) queue.shift();
    }
  }

  function setStyle(next) {
    if (next !== "column" && next !== "danmaku") return;
    style = next;
    body.setAttribute("data-style", style);
    stage.className = "stage " + style;
    stage.textContent = "";
    laneFreeAt = [];
    laneLast = [];
    queue = [];
    if (style === "column") columnFromPool();
  }

  // A resized window (another projector, full screen) shows as many whole messages as fit.
  window.addEventListener("resize", function () {
    if (style === "column") columnFromPool();
  });

  // What the tests read.
  window.WxWall = { queued: function () { return queue.length; } };

  fetch(stateUrl, { cache: "no-store" })
    .then(function (resp) { return resp.ok ? resp.json() : Promise.reject(resp.status); })
    .then(function (data) {
      (data.messages || []).forEach(remember);
      (data.pinned || []).forEach(function (m) { pinned[m.message_id] = m; });
      renderPinned();
      setStyle(data.screen_style || style);
    })
    .catch(function () {})
    .then(function () {
      WxScreen.connect({
        wall_message: show,
        wall_remove: function (m) { forget(m.message_id); },
        wall_pin: function (m) {
          if (m.pinned) pinned[m.message_id] = m;
          else delete pinned[m.message_id];
          renderPinned();
        },
        wall_settings: function (s) { setStyle(s.screen_style); }
      });
      window.setInterval(tick, 100);
    });
})();
