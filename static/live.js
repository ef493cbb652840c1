// OpenLifter Live display pages: follow the meet over the display feed.
// The server sends rendered fragments (the same Jinja partials the page was built from):
// all of them in the snapshot after connecting, then only those that changed, each frame
// from the page's seq ("fromSeq") to a new one. This script swaps them in, reconnects
// (and so resyncs) when a frame does not follow on from its seq, reconnects with backoff,
// keeps the server's clock offset (serverTime) and scales overlays.
(function () {
  "use strict";
  var body = document.body;
  var feedPath = body.getAttribute("data-feed");
  var lastHtml = {};
  var delay = 500;
  var MAX_DELAY = 15000;

  function feedUrl() {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + feedPath;
  }

  function identity(el) {
    var root = el.firstElementChild;
    return root ? root.getAttribute("data-key") || "" : "";
  }

  function swap(name, html) {
    if (lastHtml[name] === html) return;
    lastHtml[name] = html;
    var targets = document.querySelectorAll('[data-fragment="' + name + '"]');
    for (var i = 0; i < targets.length; i++) {
      var el = targets[i];
      var before = identity(el);
      el.innerHTML = html;
      // Entry animations play when the lifter, attempt or category changes, not on every refresh.
      if (before && before === identity(el)) {
        var animated = el.querySelectorAll(".lt, .panel");
        for (var j = 0; j < animated.length; j++) animated[j].classList.add("is-same");
        if (el.firstElementChild) el.firstElementChild.classList.add("is-same");
      }
    }
  }

  // Returns false when the frame does not follow on from the page's seq: resync.
  function apply(message) {
    if (typeof message.serverTime === "number") {
      body.setAttribute("data-clock-offset", String(message.serverTime - Date.now()));
    }
    if (message.msgType !== "VIEW_UPDATE") return true;
    var seq = body.getAttribute("data-seq");
    if (message.fromSeq !== undefined && String(message.fromSeq) !== seq) return false;
    // The page was rendered at this seq already (the snapshot sent on connect): keep it.
    if (String(message.seq) === seq) return true;
    var fragments = message.fragments || {};
    for (var name in fragments) {
      if (Object.prototype.hasOwnProperty.call(fragments, name)) swap(name, fragments[name]);
    }
    body.setAttribute("data-seq", String(message.seq));
    return true;
  }

  function connect() {
    var socket;
    try {
      socket = new WebSocket(feedUrl());
    } catch (e) {
      retry();
      return;
    }
    socket.onmessage = function (event) {
      delay = 500; // a working feed resets the backoff
      body.setAttribute("data-live", "1");
      var followsOn = true;
      try {
        followsOn = apply(JSON.parse(event.data));
      } catch (e) {
        if (window.console) console.error("bad feed frame", e);
      }
      if (!followsOn) {
        delay = 0; // missed a frame: reconnect at once for a snapshot
        socket.close();
      }
    };
    socket.onclose = function () {
      body.setAttribute("data-live", "0");
      retry();
    };
  }

  function retry() {
    var wait = delay * (0.75 + Math.random() * 0.5);
    delay = Math.min(MAX_DELAY, Math.max(500, delay * 2));
    setTimeout(connect, wait);
  }

  function fitStage() {
    var stage = document.querySelector(".stage");
    if (!stage) return;
    var scale = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
    stage.style.transform = Math.abs(scale - 1) < 0.001 ? "" : "scale(" + scale + ")";
  }

  if (body.classList.contains("overlay")) {
    fitStage();
    window.addEventListener("resize", fitStage);
  }
  if (feedPath) connect();
})();
