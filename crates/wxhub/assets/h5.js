// The activity page on a participant's phone (/h5/{id}). A client of seed 000 like anyone's
// H5 page: back from WeChat's authorisation the URL fragment holds a user token; the page keeps
// it for this tab and calls the activity API with it — wx/me (the member's own state),
// wx/userInfo (join or sign in) and wx/message (post to the wall).
(function () {
  'use strict';
  var body = document.body;
  var id = body.dataset.activity;
  var kind = body.dataset.kind;
  var maxLength = parseInt(body.dataset.maxLength || '0', 10);
  var TOKEN_KEY = 'wxhub.h5.token';
  var token = null;
  var freshFromWeChat = false;

  function $(name) { return document.getElementById(name); }
  function show(el, on) { if (el) { el.hidden = !on; } }

  if (body.dataset.background) {
    body.style.backgroundImage = 'url("' + body.dataset.background.replace(/["\\\n]/g, '') + '")';
  }

  function status(text, isError) {
    var el = $('status');
    el.textContent = text || '';
    el.className = isError ? 'status error' : 'status';
    show(el, !!text);
  }

  // A view the page reads again and again (the vote, the quiz, the shake race): one read of
  // it at a time, drawn by `render`.
  var reading = {};
  function read(path, render) {
    if (reading[path]) { return Promise.resolve(); }
    reading[path] = true;
    return api('GET', path).then(function (r) {
      reading[path] = false;
      if (r.status === 401) { return signedOut('登录已过期,请重新进入。'); }
      if (r.code !== 0) { return status(r.msg, true); }
      render(r.data);
    });
  }

  // --- the token ---------------------------------------------------------------------------

  function expired(jwt) {
    try {
      var part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      var claims = JSON.parse(atob(part));
      return !claims.exp || claims.exp * 1000 < Date.now() + 60000;
    } catch (e) {
      return true;
    }
  }

  function remember(value) {
    try {
      if (value) { sessionStorage.setItem(TOKEN_KEY, value); } else { sessionStorage.removeItem(TOKEN_KEY); }
    } catch (e) { /* private mode: the token lives as long as the page */ }
  }

  function takeToken() {
    var fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
    var given = fragment.get('access_token');
    if (given && fragment.get('access_type') === 'user') {
      token = given;
      freshFromWeChat = true;
      remember(given);
    } else {
      try { token = sessionStorage.getItem(TOKEN_KEY); } catch (e) { token = null; }
    }
    if (token && expired(token)) {
      token = null;
      remember(null);
    }
    // Neither the token nor WeChat's code stays in the address bar, the history or a shared link.
    if (location.hash || location.search) {
      history.replaceState(null, '', location.pathname);
    }
  }

  // --- the activity API --------------------------------------------------------------------

  function api(method, path, payload) {
    // The token travels in a header, never in the URL (proxies log URLs).
    var url = '/activitys_for_wx/' + id + path;
    var init = { method: method, headers: { 'Authorization': 'Bearer ' + token } };
    if (payload) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(payload);
    }
    return fetch(url, init).then(function (resp) {
      return resp.json().then(function (json) {
        json.status = resp.status;
        return json;
      }, function () {
        return { code: 1, msg: '服务暂时不可用,请稍后再试', status: resp.status };
      });
    }, function () {
      return { code: 1, msg: '网络不太好,请检查网络后重试', status: 0 };
    });
  }

  function signedOut(message) {
    token = null;
    remember(null);
    show($('join-form'), false);
    show($('post-form'), false);
    show($('enter'), !body.dataset.noEntry && !body.dataset.closed);
    status(message, true);
  }

  // --- the member's state ------------------------------------------------------------------

  var POST_STATES = { pending: '待审核', approved: '已上墙', rejected: '未通过审核', removed: '已撤下' };
  var WIN_STATES = { won: '中奖', absent: '已作废(缺席)', reset: '本轮已重置' };

  function item(text, stateClass, stateText, tag) {
    var li = document.createElement('li');
    var left = document.createElement('span');
    left.textContent = text;
    if (tag) {
      var badge = document.createElement('span');
      badge.className = 'tag';
      badge.textContent = tag;
      left.appendChild(document.createTextNode(' '));
      left.appendChild(badge);
    }
    var right = document.createElement('span');
    right.className = 'state ' + stateClass;
    right.textContent = stateText;
    li.appendChild(left);
    li.appendChild(right);
    return li;
  }

  function renderJoined(me) {
    var m = me.member;
    var title = $('joined-title');
    var detail = $('joined-detail');
    if (kind === 'signin') {
      title.textContent = m.signin_time ? '签到成功' : '已报名';
      detail.textContent = m.signin_time ? '签到时间:' + m.signin_time : '报名时间:' + m.join_time;
    } else if (kind === 'lottery') {
      title.textContent = '已参与抽奖';
      detail.textContent = '参与时间:' + m.join_time + '。开奖结果会显示在下方。';
    } else if (kind === 'quiz') {
      title.textContent = '已参与答题';
      detail.textContent = '参与时间:' + m.join_time + '。题目出现后请在倒计时内作答,答得越快得分越高。';
    } else if (kind === 'shake') {
      title.textContent = '已参与摇一摇';
      detail.textContent = '参与时间:' + m.join_time + '。倒计时结束后用力摇动手机,先摇满的人获胜。';
    } else if (kind === 'vote') {
      title.textContent = '已参与投票';
      detail.textContent = '参与时间:' + m.join_time + '。';
    } else {
      title.textContent = '已加入互动';
      detail.textContent = body.dataset.reviewed
        ? '你的留言审核通过后会出现在现场大屏上。'
        : '你的留言会立即出现在现场大屏上(不当内容会被撤下)。';
    }
    var who = m.member_real_name || m.member_nickname;
    if (who) { detail.textContent = who + ',' + detail.textContent; }
    show($('joined'), true);
    if (kind === 'message') {
      show($('post-form'), !body.dataset.closed);
      var list = $('post-list');
      list.textContent = '';
      me.posts.forEach(function (p) {
        list.appendChild(item(p.content, p.status, POST_STATES[p.status] || p.status));
      });
      show($('my-posts'), me.posts.length > 0);
    }
    if (kind === 'vote') { loadVote(); }
    if (kind === 'quiz') { loadQuiz(); }
    if (kind === 'shake') { loadShake(); }
    if (kind === 'lottery') {
      var wins = $('win-list');
      wins.textContent = '';
      me.wins.forEach(function (w) {
        wins.appendChild(item('第 ' + (w.round_number || w.round_id) + ' 轮 · ' + w.prize_name, w.state,
          WIN_STATES[w.state] || w.state, w.designated ? '内定' : ''));
      });
      // A standing win is said large, with the prize and what to do next.
      var standing = me.wins.filter(function (w) { return w.state === 'won'; });
      $('win-prizes').textContent = standing.map(function (w) {
        return '第 ' + (w.round_number || w.round_id) + ' 轮 · ' + w.prize_name;
      }).join(';');
      show($('win-banner'), standing.length > 0);
      if (me.wins.length === 0) {
        var none = document.createElement('li');
        none.className = 'muted';
        none.textContent = '暂未中奖,请留意现场开奖。';
        wins.appendChild(none);
      }
      show($('my-wins'), true);
    }
  }

  function load(afterJoin) {
    return api('GET', '/wx/me').then(function (r) {
      if (r.status === 401) { return signedOut('登录已过期,请重新进入。'); }
      if (r.code !== 0) { return status(r.msg, true); }
      show($('enter'), false);
      var me = r.data;
      if (me.joined) {
        show($('join-form'), false);
        renderJoined(me);
        if (afterJoin) { $('joined-title').focus(); }
        return;
      }
      if (body.dataset.closed) { return; }
      show($('join-form'), true);
      var needsInput = $('real-name') || $('phone');
      if (!needsInput && freshFromWeChat) {
        // They pressed the button before WeChat's page: no form to fill, so join at once.
        freshFromWeChat = false;
        join();
      } else if (needsInput) {
        ($('real-name') || $('phone')).focus();
      }
    });
  }

  // --- joining -----------------------------------------------------------------------------

  function fieldError(input, text) {
    var error = $('join-error');
    error.textContent = text;
    show(error, true);
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  }

  function join() {
    var name = $('real-name');
    var phone = $('phone');
    var department = $('department');
    var payload = {};
    [name, phone, department].forEach(function (i) { if (i) { i.removeAttribute('aria-invalid'); } });
    show($('join-error'), false);
    if (name) {
      payload.member_real_name = name.value.trim();
      if (!payload.member_real_name) { return fieldError(name, '请填写姓名'); }
    }
    if (phone) {
      payload.member_phone = phone.value.replace(/\s+/g, '');
      if (!/^1[3-9]\d{9}$/.test(payload.member_phone)) {
        return fieldError(phone, '请填写正确的 11 位手机号码');
      }
    }
    if (department) {
      payload.member_department = department.value.trim();
      if (!payload.member_department) { return fieldError(department, '请填写部门'); }
    }
    var consent = $('consent');
    if (consent) {
      consent.removeAttribute('aria-invalid');
      if (!consent.checked) {
        $('privacy-notice').open = true;
        fieldError(consent, '请先阅读并同意《个人信息收集说明》');
        // The opened notice pushes the box down: bring it and the message into view.
        consent.scrollIntoView({ block: 'center' });
        return;
      }
      payload.consent_version = consent.value;
    }
    var button = $('join-button');
    button.disabled = true;
    status('');
    api('POST', '/wx/userInfo', payload).then(function (r) {
      button.disabled = false;
      if (r.status === 401) { return signedOut('登录已过期,请重新进入。'); }
      if (r.code !== 0) {
        var hint = r.status === 403 ? '如有疑问,请联系活动主办方。'
          : r.status === 409 ? '请刷新页面后再试。' : '';
        return fieldError(null, r.msg + (hint ? ' ' + hint : ''));
      }
      return load(true);
    });
  }

  var form = $('join-form');
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    join();
  });
  // Correcting the field a message was about takes the message away at once.
  var corrected = function (e) {
    if (e.target.getAttribute('aria-invalid') === 'true') {
      e.target.removeAttribute('aria-invalid');
      show($('join-error'), false);
    }
  };
  form.addEventListener('input', corrected);
  form.addEventListener('change', corrected);

  // --- the wall ----------------------------------------------------------------------------

  var postForm = $('post-form');
  if (postForm) {
    var content = $('content');
    var counter = $('counter');
    var count = function () {
      var n = Array.from(content.value).length;
      counter.textContent = n + '/' + maxLength;
      counter.className = n > maxLength ? 'small over' : 'muted small';
      $('post-button').disabled = n === 0 || n > maxLength;
      return n;
    };
    content.addEventListener('input', count);
    count();
    postForm.addEventListener('submit', function (e) {
      e.preventDefault();
      var text = content.value.trim();
      show($('post-error'), false);
      show($('post-ok'), false);
      if (!text) { return; }
      $('post-button').disabled = true;
      api('POST', '/wx/message', { content: text }).then(function (r) {
        if (r.status === 401) { return signedOut('登录已过期,请重新进入。'); }
        if (r.code !== 0) {
          $('post-error').textContent = r.msg;
          show($('post-error'), true);
          count();
          return;
        }
        content.value = '';
        count();
        $('post-ok').textContent = r.data.status === 'pending' ? '已发送,等待审核后上墙' : '已发送,正在上墙';
        show($('post-ok'), true);
        return load(false);
      });
    });
  }

  // --- the vote ----------------------------------------------------------------------------

  // The options as radio buttons (one choice) or checkboxes (several, up to the limit), the
  // member's own ballot, and the totals once they may be seen (after voting, or at the close,
  // unless hidden until then). Read again every five seconds, so the host's opening and
  // closing reach the page by themselves; a choice being made survives the refresh.
  var voteForm = $('vote-form');
  var vote = null;

  function chosen() {
    return Array.prototype.map.call(voteForm.querySelectorAll('input[name=option]:checked'),
      function (i) { return parseInt(i.value, 10); });
  }

  function renderVote(v) {
    var before = vote && vote.my_choices.length === 0 ? chosen() : [];
    vote = v;
    var voted = v.my_choices.length > 0;
    var open = v.status === 'open';
    var many = v.max_choices > 1;
    var totals = !v.results.hidden && (voted || v.status === 'closed');
    $('vote-rule').textContent = (many ? '可选 1 到 ' + v.max_choices + ' 项' : '单选') +
      (v.per_day ? ',每天可投一次' : ',每人一次') + (v.anonymous ? ',匿名投票' : '') +
      ' · 已有 ' + v.results.ballots + ' 人投票';
    var list = $('vote-options');
    list.textContent = '';
    v.results.options.forEach(function (o) {
      var li = document.createElement('li');
      var label = document.createElement('label');
      label.className = 'vote-choice';
      var input = document.createElement('input');
      input.type = many ? 'checkbox' : 'radio';
      input.name = 'option';
      input.value = String(o.option_id);
      input.checked = voted ? v.my_choices.indexOf(o.option_id) >= 0 : before.indexOf(o.option_id) >= 0;
      input.disabled = voted || !open;
      label.appendChild(input);
      if (/^https?:\/\//.test(o.image || '')) {
        var img = document.createElement('img');
        img.src = o.image;
        img.alt = '';
        img.referrerPolicy = 'no-referrer';
        label.appendChild(img);
      }
      var text = document.createElement('span');
      text.className = 'vote-label';
      text.textContent = o.label;
      label.appendChild(text);
      if (totals) {
        var figure = document.createElement('span');
        figure.className = 'vote-figure';
        figure.textContent = o.votes + ' 票 · ' + o.percent.toFixed(1) + '%';
        label.appendChild(figure);
        var track = document.createElement('span');
        track.className = 'vote-track';
        var bar = document.createElement('span');
        bar.className = 'vote-bar';
        bar.style.width = o.percent + '%';
        track.appendChild(bar);
        label.appendChild(track);
      }
      li.appendChild(label);
      list.appendChild(li);
    });
    var ok = $('vote-ok');
    if (voted) {
      ok.textContent = '你已投票' + (v.per_day ? ',明天可以再投' : '') +
        (v.results.hidden ? '。结果将在投票结束后公布。' : '。');
    } else if (v.status === 'waiting') {
      ok.textContent = '投票尚未开始,开始后即可投票。';
    } else if (v.status === 'closed') {
      ok.textContent = '投票已结束。';
    }
    show(ok, voted || !open);
    show($('vote-button'), open && !voted);
    show(voteForm, true);
  }

  function loadVote() { return read('/vote', renderVote); }

  if (voteForm) {
    voteForm.addEventListener('change', function (e) {
      show($('vote-error'), false);
      if (!vote || vote.max_choices < 2 || e.target.type !== 'checkbox') { return; }
      if (chosen().length > vote.max_choices) {
        e.target.checked = false;
        $('vote-error').textContent = '最多可选 ' + vote.max_choices + ' 项';
        show($('vote-error'), true);
      }
    });
    voteForm.addEventListener('submit', function (e) {
      e.preventDefault();
      show($('vote-error'), false);
      var ids = chosen();
      if (!ids.length) {
        $('vote-error').textContent = '请至少选择一个选项';
        show($('vote-error'), true);
        return;
      }
      $('vote-button').disabled = true;
      api('POST', '/vote', { option_ids: ids }).then(function (r) {
        $('vote-button').disabled = false;
        if (r.status === 401) { return signedOut('登录已过期,请重新进入。'); }
        if (r.code !== 0) {
          $('vote-error').textContent = r.msg;
          show($('vote-error'), true);
          return loadVote();
        }
        status('投票成功,感谢参与!', false);
        return loadVote();
      });
    });
    window.setInterval(function () {
      if (vote && token && !document.hidden) { loadVote(); }
    }, 5000);
  }

  // --- the quiz ----------------------------------------------------------------------------

  // The current question with a countdown against the server's clock; one answer, final; once
  // the question closes, right or wrong and the correct answer; the member's score and rank.
  // Read every two seconds, and when the countdown ends.
  var quizForm = $('quiz-form');
  var quiz = null;
  var quizOffset = 0;
  var LETTERS = 'ABCDEFGH';

  function quizPicks() {
    return Array.prototype.map.call(quizForm.querySelectorAll('input[name=choice]:checked'),
      function (i) { return i.value; });
  }

  function renderQuiz(st) {
    var before = quiz && quiz.question && st.question &&
      quiz.question.question_id === st.question.question_id ? quizPicks() : [];
    quiz = st;
    quizOffset = st.server_now - Date.now();
    var q = st.question;
    show(quizForm, true);
    $('quiz-score').textContent = '我的得分 ' + st.my_score + (st.my_rank ? ' · 第 ' + st.my_rank + ' 名' : '');
    var list = $('quiz-choices');
    list.textContent = '';
    if (!q) {
      $('quiz-title').textContent = '等待出题';
      $('quiz-text').textContent = '主持人出题后,题目会出现在这里。';
      show($('quiz-button'), false);
      show($('quiz-result'), false);
      return;
    }
    var answered = st.my_choices.length > 0;
    var open = q.state === 'open';
    $('quiz-title').textContent = '第 ' + q.number + '/' + q.total + ' 题' + (q.kind === 'multiple' ? '(多选)' : '');
    $('quiz-text').textContent = q.text;
    q.choices.forEach(function (c, i) {
      var letter = LETTERS.charAt(i);
      var li = document.createElement('li');
      var label = document.createElement('label');
      label.className = 'vote-choice';
      if (q.correct.indexOf(letter) >= 0) { label.classList.add('correct'); }
      else if (q.state === 'closed' && st.my_choices.indexOf(letter) >= 0) { label.classList.add('wrong'); }
      var input = document.createElement('input');
      input.type = q.kind === 'multiple' ? 'checkbox' : 'radio';
      input.name = 'choice';
      input.value = letter;
      input.checked = answered ? st.my_choices.indexOf(letter) >= 0 : before.indexOf(letter) >= 0;
      input.disabled = answered || !open;
      label.appendChild(input);
      var text = document.createElement('span');
      text.className = 'vote-label';
      text.textContent = letter + '. ' + c;
      label.appendChild(text);
      if (q.state === 'closed') {
        var n = document.createElement('span');
        n.className = 'vote-figure';
        n.textContent = (q.picked[i] || 0) + ' 人';
        label.appendChild(n);
      }
      li.appendChild(label);
      list.appendChild(li);
    });
    var result = $('quiz-result');
    if (q.state === 'closed') {
      result.textContent = st.my_correct === true ? '回答正确!' :
        st.my_correct === false ? '回答错误,正确答案是 ' + q.correct.join(',') :
        '本题已结束,正确答案是 ' + q.correct.join(',');
    } else if (answered) {
      result.textContent = '已提交 ' + st.my_choices.join(',') + ',等待公布答案';
    }
    result.classList.toggle('wrong', q.state === 'closed' && st.my_correct !== true);
    show(result, q.state === 'closed' || answered);
    show($('quiz-button'), open && !answered);
    quizTick();
  }

  function quizTick() {
    var q = quiz && quiz.question;
    var clock = $('quiz-clock');
    if (!q || q.state !== 'open') { show(clock, false); return; }
    var left = Math.max(0, q.closes_at - (Date.now() + quizOffset));
    clock.textContent = Math.ceil(left / 1000) + ' 秒';
    show(clock, true);
    if (left === 0) {
      q.state = 'closing';
      show($('quiz-button'), false);
      window.setTimeout(loadQuiz, 600);
    }
  }

  function loadQuiz() { return read('/quiz', renderQuiz); }

  if (quizForm) {
    quizForm.addEventListener('change', function () { show($('quiz-error'), false); });
    quizForm.addEventListener('submit', function (e) {
      e.preventDefault();
      show($('quiz-error'), false);
      var picks = quizPicks();
      if (!picks.length) {
        $('quiz-error').textContent = '请选择答案';
        show($('quiz-error'), true);
        return;
      }
      $('quiz-button').disabled = true;
      api('POST', '/quiz/answer', { question_id: quiz.question.question_id, choices: picks }).then(function (r) {
        $('quiz-button').disabled = false;
        if (r.status === 401) { return signedOut('登录已过期,请重新进入。'); }
        if (r.code !== 0) {
          $('quiz-error').textContent = r.msg;
          show($('quiz-error'), true);
        }
        return loadQuiz();
      });
    });
    window.setInterval(quizTick, 250);
    window.setInterval(function () {
      if (quiz && token && !document.hidden) { loadQuiz(); }
    }, 2000);
  }

  // --- the shake race ----------------------------------------------------------------------
  // The phone counts shakes (DeviceMotion: a jolt well past gravity, at most one each 110 ms;
  // iOS asks the person's permission first, on a tap) and sends its running total five times
  // a second while the round runs. Where no motion sensor reports (a computer), a button
  // counts taps instead. The server clamps what no hand can do and keeps the place.
  var shakeCard = $('shake-card');
  var shakeState = null;
  var shakeOffset = 0;
  var shakeRound = 0;
  var shakeCount = 0;
  var shakeSent = -1;
  var shakeSending = false;
  var shakeHeard = 0; // when the server last answered
  var lastJolt = 0;
  var motionSeen = false;
  var listening = false;

  function shakePhase() {
    var st = shakeState;
    if (!st) { return 'waiting'; }
    var now = Date.now() + shakeOffset;
    if ((st.status === 'countdown' || st.status === 'running') && st.ends_at && now >= st.ends_at) { return 'ended'; }
    if (st.status === 'countdown' && st.starts_at && now >= st.starts_at) { return 'running'; }
    return st.status;
  }

  function counted() {
    if (shakePhase() !== 'running') { return; }
    shakeCount += 1;
    $('shake-count').textContent = String(shakeCount);
  }

  function onMotion(e) {
    var a = e.accelerationIncludingGravity || e.acceleration;
    if (!a || a.x === null || a.x === undefined) { return; }
    motionSeen = true;
    var strength = Math.sqrt(a.x * a.x + a.y * a.y + a.z * a.z);
    var now = Date.now();
    if (Math.abs(strength - 9.81) > 8 && now - lastJolt > 110) {
      lastJolt = now;
      counted();
    }
  }

  function listen() {
    if (listening) { return; }
    listening = true;
    window.addEventListener('devicemotion', onMotion);
  }

  function renderShake(st) {
    shakeState = st;
    shakeHeard = Date.now();
    shakeOffset = st.server_now - Date.now();
    if (st.round !== shakeRound) {
      shakeRound = st.round;
      shakeCount = 0;
      shakeSent = -1;
    }
    if (st.my_total > shakeCount) { shakeCount = st.my_total; }
    show(shakeCard, true);
    shakeTick();
  }

  function shakeTick() {
    var st = shakeState;
    if (!st) { return; }
    var phase = shakePhase();
    var now = Date.now() + shakeOffset;
    var clock = $('shake-clock');
    var title = $('shake-title');
    $('shake-count').textContent = String(phase === 'waiting' ? 0 : shakeCount);
    $('shake-count').classList.toggle('ready', phase === 'countdown');
    if (phase === 'countdown') {
      title.textContent = '准备';
      $('shake-count').textContent = String(Math.ceil(Math.max(0, st.starts_at - now) / 1000));
    } else if (phase === 'running') {
      title.textContent = '用力摇!';
    } else if (phase === 'ended') {
      title.textContent = '本轮结束';
    } else {
      title.textContent = '等待开始';
    }
    if (phase === 'running') {
      clock.textContent = Math.ceil(Math.max(0, st.ends_at - now) / 1000) + ' 秒';
    }
    show(clock, phase === 'running');
    $('shake-goal').textContent = phase === 'waiting'
      ? '主持人开始后,用力摇动手机,摇动次数会实时出现在大屏上。'
      : '目标 ' + st.target + ' 次,前 ' + st.places + ' 名获胜' +
        (st.my_rank && phase !== 'countdown' ? ' · 你现在第 ' + st.my_rank + ' 名' : '');
    var result = $('shake-result');
    if (phase === 'ended') {
      result.textContent = st.my_win ? '🎉 恭喜你获得第 ' + st.my_rank + ' 名!请留意主持人的领奖安排。'
        : st.my_total > 0 ? '你摇了 ' + st.my_total + ' 次' + (st.my_rank ? ',第 ' + st.my_rank + ' 名' : '') + ',下次加油!'
        : '本轮已结束,等待下一轮。';
      result.classList.toggle('win', !!st.my_win);
    }
    show(result, phase === 'ended');
    var needsPermission = typeof DeviceMotionEvent !== 'undefined' &&
      typeof DeviceMotionEvent.requestPermission === 'function' && !listening;
    show($('shake-permission'), needsPermission && phase !== 'ended');
    if (!needsPermission) { listen(); }
    // No sensor has reported a second into the race: taps count instead.
    show($('shake-tap'), phase === 'running' && !motionSeen && now - st.starts_at > 1000);
    if (phase === 'running' && !shakeSending && shakeCount !== shakeSent) { sendShake(); }
  }

  function sendShake() {
    shakeSending = true;
    var total = shakeCount;
    api('POST', '/shake', { total: total, round: shakeRound }).then(function (r) {
      shakeSending = false;
      if (r.status === 401) { return signedOut('登录已过期,请重新进入。'); }
      if (r.code !== 0) {
        if (r.status === 403 || r.status === 409) { return loadShake(); }
        $('shake-error').textContent = r.msg;
        show($('shake-error'), true);
        return;
      }
      show($('shake-error'), false);
      shakeSent = total;
      renderShake(r.data);
    });
  }

  function loadShake() { return read('/shake', renderShake); }

  if (shakeCard) {
    $('shake-permission').addEventListener('click', function () {
      DeviceMotionEvent.requestPermission().then(function (answer) {
        if (answer === 'granted') { listen(); shakeTick(); return; }
        $('shake-error').textContent = '没有获得动作传感器权限,可以点按下方按钮代替摇动。';
        show($('shake-error'), true);
        motionSeen = false;
        listening = true;
      }, function () {
        $('shake-error').textContent = '无法使用动作传感器,可以点按下方按钮代替摇动。';
        show($('shake-error'), true);
        listening = true;
      });
    });
    $('shake-tap').addEventListener('click', counted);
    // Five sends a second while the round runs (only when the count changed).
    window.setInterval(function () { if (shakeState && token) { shakeTick(); } }, 200);
    // Otherwise read once a second: the start, and an end the places or the host brought.
    window.setInterval(function () {
      if (shakeState && token && !document.hidden && Date.now() - shakeHeard > 900) { loadShake(); }
    }, 1000);
  }

  // --- the share card (JS-SDK) --------------------------------------------------------------

  // iOS WeChat checks the signature against the address the page was entered with; others
  // against the current one.
  var landing = location.href.split('#')[0];

  function shareCard() {
    var sdk = window.module && window.module.exports;
    if (!sdk || typeof sdk.config !== 'function' || body.dataset.noEntry) { return; }
    var ios = /iPhone|iPad|iPod/.test(navigator.userAgent);
    var page = ios ? landing : location.href.split('#')[0];
    fetch('/h5/' + id + '/jssdk?url=' + encodeURIComponent(page)).then(function (resp) {
      return resp.ok ? resp.json() : null;
    }).then(function (c) {
      if (!c) { return; }
      sdk.config({
        debug: false, appId: c.appId, timestamp: c.timestamp, nonceStr: c.nonceStr,
        signature: c.signature, jsApiList: ['updateAppMessageShareData', 'updateTimelineShareData']
      });
      sdk.ready(function () {
        var card = { title: c.share.title, desc: c.share.desc, link: c.share.link, imgUrl: c.share.imgUrl };
        sdk.updateAppMessageShareData(card);
        sdk.updateTimelineShareData({ title: card.title, link: card.link, imgUrl: card.imgUrl });
      });
    }, function () { /* no share card: the page works without it */ });
  }

  takeToken();
  shareCard();
  if (token) {
    show($('enter'), false);
    show($('outside-notice'), false);
    load(false);
  }
})();
