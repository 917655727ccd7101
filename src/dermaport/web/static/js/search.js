// Clients list: search as you type (the rows come from the server, /clients/rows?q=...).
"use strict";
(function () {
  var input = document.getElementById("q");
  var rows = document.getElementById("client-rows");
  if (!input || !rows) { return; }
  var timer = null, asked = 0;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var mine = ++asked;
      var url = input.dataset.rows + "?q=" + encodeURIComponent(input.value);
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html !== null && mine === asked) {
            rows.innerHTML = html;
            history.replaceState(null, "", input.value ? "?q=" + encodeURIComponent(input.value) : location.pathname);
          }
        });
    }, 150);
  });
})();
