// The sign-in wall: counts every sign-in of the activity's event stream (joins, for an
// activity that is not a sign-in) from its first event, and shows the newest arrivals. DOM
// updates are batched per animation frame, and the wall keeps at most MAX_SHOWN people, so a
// burst of thousands neither freezes the page nor grows its memory.
(function () {
  "use strict";
  var MAX_SHOWN = 120;
  var PER_FRAME = 24;
  var counted = document.body.getAttribute("data-counted") || "signin";
  var countEl = document.getElementById("count");
  var rateEl = document.getElementById("rate");
  var wall = document.getElementById("wall");
  var count = 0;
  var pending = [];
  var recent = [];
  var scheduled = false;

  function person(ev) {
    var box = document.createElement("div");
    box.className = "person";
    var text = ev.name || ev.nickname || "?";
    box.appendChild(WxScreen.avatar(ev.avatar, text, ev.seed || ev.member_id, "face"));
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
    // Only the newest few of this frame's arrivals are drawn: in a burst, people enter a
    // couple of dozen a frame (over a thousand a second, more than eyes follow) and the
    // count carries the rest; the page's time goes to reading events, not laying out faces.
    var fresh = pending.slice(-PER_FRAME);
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

  var handlers = {};
  handlers[counted] = function (ev) {
    count += 1;
    // The rate counts arrivals as they happen, not a replay of the past.
    if (!ev.time || ev.time > Date.now() - 60000) recent.push(Date.now());
    pending.push(ev);
    if (pending.length > PER_FRAME * 4) pending = pending.slice(-PER_FRAME);
    schedule();
  };
  // The count is the total: from the activity's first event.
  WxScreen.connect(handlers, true);
  // The rate falls when nobody arrives.
  window.setInterval(schedule, 5000);
})();
