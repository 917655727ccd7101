// Consultation: the verdict and its reasons, from the server's screening rules, as the form is answered.
"use strict";
(function () {
  var form = document.getElementById("questionnaire");
  if (!form) { return; }
  var panel = document.getElementById("verdict");
  var words = document.getElementById("verdict-words");
  var reasons = document.getElementById("verdict-reasons");
  var timer = null, asked = 0;

  function answers() {
    var out = {};
    new FormData(form).forEach(function (value, key) {
      if (key !== "csrf_token" && typeof value === "string") { out[key] = value; }
    });
    return out;
  }

  function show(result) {
    panel.className = "verdict-panel " + (result.verdict || "");
    reasons.textContent = "";
    if (result.detail) {
      words.textContent = result.detail;
      return;
    }
    words.textContent = result.verdict.toUpperCase() + ": " + result.words;
    var shown = 0;
    result.findings.forEach(function (f) {
      if (f.outcome === "ask" && result.verdict !== "ask") { return; }
      if (shown >= 12) { return; }
      var li = document.createElement("li");
      li.textContent = f.reason;
      reasons.appendChild(li);
      shown++;
    });
    if (result.defer_until) {
      var li = document.createElement("li");
      li.textContent = "Not before " + result.defer_until;
      reasons.appendChild(li);
    }
    result.adjustments.forEach(function (a) {
      var li = document.createElement("li");
      li.textContent = "Adjust: " + a;
      reasons.appendChild(li);
    });
  }

  function ask() {
    var mine = ++asked;
    fetch(form.dataset.verdict, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": window.dermaport.csrf() },
      body: JSON.stringify(answers())
    }).then(function (r) { return r.json(); }).then(function (result) {
      if (mine === asked) { show(result); }
    });
  }

  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(ask, 100); });
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 300); });
  ask();
})();
