// OpenLifter Live display pages: follow the meet over the display feed.
// The server sends whole rendered fragments (the same Jinja partials the page was built
// from); this script only swaps them in, reconnects with backoff, and scales overlays.
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

  function apply(message) {
    if (message.msgType !== "VIEW_UPDATE") return;
    // The page was rendered at this seq already (the snapshot sent on connect): keep it.
    if (String(message.seq) === body.getAttribute("data-seq")) return;
    var fragments = message.fragments || {};
    for (var name in fragments) {
      if (Object.prototype.hasOwnProperty.call(fragments, name)) swap(name, fragments[name]);
    }
    body.setAttribute("data-seq", String(message.seq));
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
      try {
        apply(JSON.parse(event.data));
      } catch (e) {
        if (window.console) console.error("bad feed frame", e);
      }
    };
    socket.onclose = function () {
      body.setAttribute("data-live", "0");
      retry();
    };
  }

  function retry() {
    var wait = delay * (0.75 + Math.random() * 0.5);
    delay = Math.min(MAX_DELAY, delay * 2);
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
