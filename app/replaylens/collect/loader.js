/* Replay Lens recorder loader (docs/capture.md). Runs after the pinned rrweb record build, inside one closure:
   nothing is added to the page but window.replaylens. Banking defaults: every input masked, password and card
   fields blocked (never recorded), the site's PII classes masked or blocked, scripts and comments left out. */
(function (rrweb, script) {
  "use strict";
  if (!script || window.replaylens || !rrweb || !rrweb.record) { return; }
  var attr = function (name, dflt) { var v = script.getAttribute("data-" + name); return v === null ? dflt : v; };
  var base = script.src.replace(/\/recorder\.js(\?.*)?$/, "");
  var token = attr("token", "");
  var flushMs = Math.max(1000, parseInt(attr("flush-ms", "3000"), 10) || 3000);
  var checkoutMs = Math.max(60000, parseInt(attr("checkout-ms", "300000"), 10) || 300000);
  var idleMs = 30 * 60 * 1000;
  var BLOCK = "input[type=password],input[autocomplete^='cc-'],input[autocomplete='one-time-code']," +
    "input[name*='card' i],input[id*='card' i],input[name*='cvv' i],input[name*='cvc' i],input[name*='pan' i]," +
    "input[data-card],[data-rl-block]";
  var extraBlock = attr("block-selector", "");
  var store = window.sessionStorage;
  var KEY = "replaylens.session", SEEN = "replaylens.seen", PENDING = "replaylens.pending";
  var get = function (k) { try { return store.getItem(k); } catch (e) { return null; } };
  var put = function (k, v) { try { if (v === null) { store.removeItem(k); } else { store.setItem(k, v); } } catch (e) { /* private mode */ } };
  var newId = function () {
    var a = new Uint8Array(16); window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  };
  var sid = get(KEY), seen = parseInt(get(SEEN) || "0", 10);
  if (!sid || !/^[A-Za-z0-9_-]{8,64}$/.test(sid) || Date.now() - seen > idleMs) { sid = newId(); put(KEY, sid); }
  var seq = 0, buf = [], queue = [], inflight = false, warned = false, lastSeen = 0, started = false;
  var url = function (what) { return base + "/v1/sessions/" + sid + "/" + what; };
  var headers = function (extra) {
    var h = { "Content-Type": "application/json" };
    if (token) { h.Authorization = "Bearer " + token; }
    for (var k in extra) { h[k] = extra[k]; }
    return h;
  };
  var warn = function (msg) { if (!warned && window.console) { warned = true; console.warn("replaylens: " + msg); } };
  var restart = function () {  // the collector ended this session (idle, or end()): a new id and a full snapshot
    sid = newId(); put(KEY, sid); queue = []; buf = [];
    try { rrweb.record.takeFullSnapshot(true); } catch (e) { /* not recording */ }
  };
  var send = function () {
    if (inflight || !queue.length) { return; }
    var b = queue[0]; inflight = true;
    fetch(url("events"), { method: "POST", headers: headers({ "X-Batch-Id": b.id }), body: b.body,
                           keepalive: b.body.length < 60000, credentials: "omit", mode: "cors" })
      .then(function (r) {
        inflight = false;
        if (r.status === 202 || (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 409 &&
                                 r.status !== 429)) {
          queue.shift();
          if (r.status !== 202) { warn("the collector refused a batch (" + r.status + ")"); }
        } else if (r.status === 409) { restart(); return; }
        else { setTimeout(send, 5000); return; }  // 429, 5xx: the same batch again later
        send();
      }, function () { inflight = false; setTimeout(send, 5000); });
  };
  var flush = function () {
    if (!buf.length) { return; }
    var events = buf; buf = [];
    queue.push({ id: sid + "-" + Date.now().toString(36) + "-" + (++seq), body: JSON.stringify(events) });
    while (queue.length > 50) { queue.shift(); }  // a collector away for long: keep the newest batches
    send();
  };
  var beacon = function () {  // page hide: what is left goes by sendBeacon (no headers: token in the query)
    flush();
    var left = [];
    queue.forEach(function (b, i) {
      var u = url("events") + "?batch=" + encodeURIComponent(b.id) + (token ? "&token=" + encodeURIComponent(token) : "");
      var ok = (i > 0 || !inflight) && navigator.sendBeacon && navigator.sendBeacon(u, new Blob([b.body], { type: "text/plain" }));
      if (!ok) { left.push(b); }
    });
    var text = JSON.stringify(left);
    put(PENDING, left.length && text.length < 1000000 ? text : null);  // sent again by the next page of the tab
  };
  try { var kept = JSON.parse(get(PENDING) || "[]"); if (kept instanceof Array) { queue = kept; } } catch (e) { queue = []; }
  put(PENDING, null);
  rrweb.record({
    emit: function (ev) {
      buf.push(ev);
      if (!started && ev.type === 2) {  // recording has begun: where and how big, in the first batch
        started = true;
        setTimeout(function () {
          try {
            rrweb.record.addCustomEvent("replaylens/start", { url: location.href,
              viewport: { width: window.innerWidth, height: window.innerHeight }, loader: 1 });
          } catch (e) { /* stopped meanwhile */ }
        }, 0);
      }
      var now = Date.now();
      if (now - lastSeen > 10000) { lastSeen = now; put(SEEN, String(now)); }
      if (buf.length >= 1000) { flush(); }
    },
    maskAllInputs: true,
    maskInputOptions: { password: true, email: true, tel: true, text: true, number: true, search: true, textarea: true, select: true },
    blockClass: attr("block-class", "rl-block"),
    blockSelector: extraBlock ? BLOCK + "," + extraBlock : BLOCK,
    maskTextClass: attr("mask-text-class", "rl-mask"),
    maskTextSelector: attr("mask-text-selector", "[data-rl-mask]"),
    ignoreClass: attr("ignore-class", "rl-ignore"),
    checkoutEveryNms: checkoutMs,
    slimDOMOptions: { script: true, comment: true, headFavicon: true, headWhitespace: true, headMetaSocial: true,
                      headMetaRobots: true, headMetaHttpEquiv: true, headMetaVerification: true,
                      headMetaAuthorship: true, headMetaDescKeywords: true },
    recordCanvas: false, collectFonts: false, inlineImages: false, recordCrossOriginIframes: false,
    sampling: { scroll: 150, media: 800, input: "last" }
  });
  setInterval(flush, flushMs);
  window.addEventListener("pagehide", beacon);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") { beacon(); } });
  window.replaylens = {
    sessionId: function () { return sid; },
    flush: flush,
    attributes: function (obj) {
      return fetch(url("attributes"), { method: "POST", headers: headers({}), body: JSON.stringify(obj || {}),
                                        credentials: "omit", mode: "cors" });
    },
    end: function () {
      flush();
      var ended = sid, wait = function () {
        if (queue.length) { return new Promise(function (ok) { setTimeout(ok, 200); }).then(wait); }
        return fetch(base + "/v1/sessions/" + ended + "/end", { method: "POST", headers: headers({}), body: "{}",
                                                                credentials: "omit", mode: "cors" });
      };
      var done = wait();
      return done.then(function (r) { if (sid === ended) { restart(); } return r; });
    }
  };
})(__rl_rrweb, __rl_script);
