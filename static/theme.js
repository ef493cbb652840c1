// Custom theme of an overlay or scoreboard (?theme=NAME): when the operator edits
// themes/NAME.css, the server says so on /themes/feed and the style sheet is swapped in
// place (no reload, so OBS keeps showing the page). Reconnects after a server restart.
(function () {
  "use strict";
  const link = document.getElementById("theme-css");
  if (!link) return;
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const url = proto + "//" + location.host + link.dataset.feed;
  let delay = 500;
  function connect() {
    const socket = new WebSocket(url);
    socket.onopen = () => { delay = 500; };
    socket.onmessage = (event) => {
      const change = JSON.parse(event.data);
      if (change.theme !== link.dataset.theme) return;
      const href = new URL(link.href, location.href);
      href.searchParams.set("v", change.version || String(Date.now()));
      link.href = href.pathname + href.search;
    };
    socket.onclose = () => { setTimeout(connect, delay); delay = Math.min(delay * 2, 15000); };
  }
  connect();
})();
