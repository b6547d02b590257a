// The public verification page of a lottery round (/h5/{id}/lottery/rounds/{round}). It
// downloads the round's published record and recomputes the draw here, in the browser, with its
// own implementation of the documented algorithm (docs/activities.md, "The algorithm"):
//   1. the list: participant ids sorted by UTF-8 bytes, joined by "\n"; list_hash = SHA-256;
//   2. the seed, revealed after the draw, must hash (SHA-256) to the seed_hash published before;
//   3. ChaCha20 (20 rounds, 64-bit block counter from 0, stream 0) keyed with
//      SHA-256(seed bytes ‖ list_hash bytes); u64s are two little-endian words, low word first;
//   4. a partial Fisher–Yates shuffle: for i in 0..k, j = i + uniform(n − i), swap i and j;
//      uniform(b) rejects x > 2^64 − 1 − ((2^64 − 1) mod b + 1) mod b and answers x mod b.
// SHA-256 comes from WebCrypto; where the page is not a secure context (plain http on a LAN)
// WebCrypto is absent and the SHA-256 written out below is used instead.
(function () {
  'use strict';
  var body = document.body;
  var id = body.dataset.activity;
  var round = body.dataset.round;
  // The winners' names as the public results show them (masked), beside the ids compared.
  var names = {};
  try { names = JSON.parse(body.dataset.names || '{}'); } catch (e) { names = {}; }
  function named(pid) { return pid && names[pid] ? pid + '(' + names[pid] + ')' : pid; }
  function $(name) { return document.getElementById(name); }

  if (body.dataset.background) {
    body.style.backgroundImage = 'url("' + body.dataset.background.replace(/["\\\n]/g, '') + '")';
  }

  // --- bytes -------------------------------------------------------------------------------

  function utf8(text) { return new TextEncoder().encode(text); }

  function hexToBytes(hex) {
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) { return null; }
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) { out[i] = parseInt(hex.substr(i * 2, 2), 16); }
    return out;
  }

  function toHex(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) { s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16); }
    return s;
  }

  function compareBytes(a, b) {
    var n = Math.min(a.length, b.length);
    for (var i = 0; i < n; i++) {
      if (a[i] !== b[i]) { return a[i] - b[i]; }
    }
    return a.length - b.length;
  }

  // --- SHA-256 -----------------------------------------------------------------------------

  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);

  function sha256Fallback(data) {
    var h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    var bitLength = data.length * 8;
    var padded = new Uint8Array(((data.length + 9 + 63) >> 6) << 6);
    padded.set(data);
    padded[data.length] = 0x80;
    var view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(bitLength / 0x100000000));
    view.setUint32(padded.length - 4, bitLength >>> 0);
    var w = new Uint32Array(64);
    function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }
    for (var off = 0; off < padded.length; off += 64) {
      for (var t = 0; t < 16; t++) { w[t] = view.getUint32(off + t * 4); }
      for (t = 16; t < 64; t++) {
        var s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
        var s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) >>> 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (t = 0; t < 64; t++) {
        var t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t]) >>> 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
        k = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
    var out = new Uint8Array(32);
    var outView = new DataView(out.buffer);
    for (var i = 0; i < 8; i++) { outView.setUint32(i * 4, h[i]); }
    return out;
  }

  function sha256(data) {
    if (window.crypto && window.crypto.subtle) {
      return window.crypto.subtle.digest('SHA-256', data).then(function (d) { return new Uint8Array(d); });
    }
    return Promise.resolve(sha256Fallback(data));
  }

  // --- ChaCha20 ----------------------------------------------------------------------------

  function ChaCha20(key) {
    var keyView = new DataView(key.buffer, key.byteOffset, 32);
    this.state = new Uint32Array(16);
    this.state.set([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
    for (var i = 0; i < 8; i++) { this.state[4 + i] = keyView.getUint32(i * 4, true); }
    // words 12–13: the 64-bit block counter; 14–15: the stream (0).
    this.block = new Uint32Array(16);
    this.index = 16;
  }

  ChaCha20.prototype.refill = function () {
    var x = new Uint32Array(this.state);
    function quarter(a, b, c, d) {
      x[a] = (x[a] + x[b]) >>> 0; x[d] ^= x[a]; x[d] = (x[d] << 16) | (x[d] >>> 16);
      x[c] = (x[c] + x[d]) >>> 0; x[b] ^= x[c]; x[b] = (x[b] << 12) | (x[b] >>> 20);
      x[a] = (x[a] + x[b]) >>> 0; x[d] ^= x[a]; x[d] = (x[d] << 8) | (x[d] >>> 24);
      x[c] = (x[c] + x[d]) >>> 0; x[b] ^= x[c]; x[b] = (x[b] << 7) | (x[b] >>> 25);
    }
    for (var r = 0; r < 10; r++) {
      quarter(0, 4, 8, 12); quarter(1, 5, 9, 13); quarter(2, 6, 10, 14); quarter(3, 7, 11, 15);
      quarter(0, 5, 10, 15); quarter(1, 6, 11, 12); quarter(2, 7, 8, 13); quarter(3, 4, 9, 14);
    }
    for (var i = 0; i < 16; i++) { this.block[i] = (x[i] + this.state[i]) >>> 0; }
    this.state[12] = (this.state[12] + 1) >>> 0;
    if (this.state[12] === 0) { this.state[13] = (this.state[13] + 1) >>> 0; }
    this.index = 0;
  };

  ChaCha20.prototype.nextU32 = function () {
    if (this.index >= 16) { this.refill(); }
    return this.block[this.index++];
  };

  ChaCha20.prototype.nextU64 = function () {
    var low = BigInt(this.nextU32());
    var high = BigInt(this.nextU32());
    return (high << 32n) | low;
  };

  var U64_MAX = (1n << 64n) - 1n;

  function uniform(rng, bound) {
    var b = BigInt(bound);
    var zone = U64_MAX - ((U64_MAX % b) + 1n) % b;
    for (;;) {
      var x = rng.nextU64();
      if (x <= zone) { return Number(x % b); }
    }
  }

  function drawWinners(key, sorted, k) {
    var rng = new ChaCha20(key);
    var list = sorted.slice();
    var n = list.length;
    k = Math.min(k, n);
    for (var i = 0; i < k; i++) {
      var j = i + uniform(rng, n - i);
      var held = list[i];
      list[i] = list[j];
      list[j] = held;
    }
    return list.slice(0, k);
  }

  // --- the verification --------------------------------------------------------------------

  var checks = $('checks');
  function check(ok, text) {
    var li = document.createElement('li');
    li.className = ok ? 'pass' : 'fail';
    li.textContent = (ok ? '✓ ' : '✗ ') + text;
    checks.appendChild(li);
    return ok;
  }

  function verdict(kind, title, detail) {
    $('verdict').className = 'card verdict ' + kind;
    $('verdict-title').textContent = title;
    $('verdict-detail').textContent = detail;
  }

  function showWinners(published, recomputed) {
    var rows = $('winner-rows');
    rows.textContent = '';
    var n = Math.max(published.length, recomputed.length);
    for (var i = 0; i < n; i++) {
      var tr = document.createElement('tr');
      if (published[i] !== recomputed[i]) { tr.className = 'differs'; }
      [String(i + 1), named(published[i]) || '—', named(recomputed[i]) || '—'].forEach(function (text) {
        var td = document.createElement('td');
        td.textContent = text;
        tr.appendChild(td);
      });
      rows.appendChild(tr);
    }
    $('winners').hidden = false;
  }

  function verify(record) {
    if (!record.seed) {
      check(true, '开奖前已公布种子哈希与名单哈希,名单共 ' + record.participants_count + ' 人');
      verdict('wait', '本轮尚未开奖', '开奖后公布种子,届时可在此验证。');
      return Promise.resolve();
    }
    var seed = hexToBytes(record.seed);
    var participants = record.participants || [];
    var encoded = participants.map(utf8);
    var ok = true;
    return sha256(seed || new Uint8Array(0)).then(function (seedHash) {
      ok = check(seed !== null && seed.length === 32 && toHex(seedHash) === record.seed_hash,
        '开奖后公布的种子与开奖前公布的种子哈希一致') && ok;
      var sorted = true;
      for (var i = 1; i < encoded.length; i++) {
        if (compareBytes(encoded[i - 1], encoded[i]) >= 0) { sorted = false; break; }
      }
      ok = check(sorted, '参与者名单已按规则排序且没有重复') && ok;
      ok = check(participants.length === record.participants_count,
        '名单人数与公布的参与人数一致(' + participants.length + ' 人)') && ok;
      return sha256(utf8(participants.join('\n')));
    }).then(function (listHash) {
      var listHex = toHex(listHash);
      ok = check(listHex === record.list_hash, '名单的 SHA-256 与开奖前公布的名单哈希一致') && ok;
      var designated = record.designated || [];
      var inList = designated.filter(function (d) { return participants.indexOf(d) >= 0; });
      ok = check(inList.length === 0, '内定中奖者(' + designated.length + ' 人)不在随机抽取的名单中') && ok;
      var material = new Uint8Array(32 + 32);
      material.set(seed || new Uint8Array(32), 0);
      material.set(hexToBytes(listHex), 32);
      return sha256(material);
    }).then(function (key) {
      var k = Math.max(0, record.count - (record.designated || []).length);
      var recomputed = drawWinners(key, participants, k);
      var published = record.winners || [];
      var same = recomputed.length === published.length && recomputed.every(function (w, i) {
        return w === published[i];
      });
      ok = check(same, '按公开算法重新抽取的 ' + recomputed.length + ' 位中奖者与公布的一致') && ok;
      showWinners(published, recomputed);
      if (ok) {
        verdict('ok', '验证通过:结果一致', '本轮的中奖者与按公开算法、公开数据重新计算的结果完全一致。');
      } else {
        verdict('bad', '验证未通过:结果不一致', '公布的结果与重新计算的结果不符,请见下方未通过的检查项,并联系主办方。');
      }
    });
  }

  fetch('/h5/' + id + '/lottery/rounds/' + round + '/record.json').then(function (resp) {
    if (!resp.ok) { throw new Error('HTTP ' + resp.status); }
    return resp.json();
  }).then(verify).catch(function () {
    verdict('bad', '无法完成验证', '没能下载本轮的抽奖记录,请检查网络后刷新重试。');
  });
})();
