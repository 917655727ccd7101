// The session screen: follows the runner's live feed (server-sent events) and sends the controls.
"use strict";
(function () {
  var root = document.getElementById("session");
  if (!root) { return; }
  var planned = parseFloat(root.dataset.planned) || 0;
  var plannedPulses = parseInt(root.dataset.plannedPulses, 10) || 0;
  var advice = JSON.parse(root.dataset.advice || "[]");
  var $ = function (id) { return document.getElementById(id); };
  // arrival times of readings ([runner time s, wall ms]), for the latency test
  var live = window.dermaportLive = { received: [], ended: false };
  var ended = false;

  function fixed(v, digits) { return (typeof v === "number" && isFinite(v)) ? v.toFixed(digits) : "—"; }
  function adviceFor(reason) {
    var lowered = (reason || "").toLowerCase();
    for (var i = 0; i < advice.length; i++) {
      if (lowered.indexOf(advice[i][0]) !== -1) { return advice[i][1]; }
    }
    return "";
  }
  function setState(text) { $("state").textContent = text.replace(/_/g, " "); }
  function addEvent(text) {
    var li = document.createElement("li");
    li.textContent = text;
    $("events").appendChild(li);
    $("events").scrollTop = $("events").scrollHeight;
  }
  function showFault(title, reason, good) {
    $("fault").classList.remove("hidden");
    $("fault").classList.toggle("done", !!good);
    $("fault-title").textContent = title;
    $("fault-reason").textContent = reason || "";
    var next = adviceFor(reason);
    $("fault-advice").textContent = next ? "What to do next: " + next : "";
  }

  function onReading(doc) {
    live.received.push([doc.time_s, Date.now()]);
    if (live.received.length > 20000) { live.received.shift(); }
    var pulsePeak = plannedPulses > 0 && typeof doc.pulse_peak_current_mA === "number";
    $("current").textContent = fixed(pulsePeak ? doc.pulse_peak_current_mA : doc.current_mA, pulsePeak ? 0 : 3);
    $("voltage").textContent = fixed(doc.voltage_V, 2);
    $("impedance").textContent = typeof doc.impedance_ohm === "number" ? fixed(doc.impedance_ohm / 1000, 2) : "—";
    if (plannedPulses > 0) {
      // a pulse session: the pulses fired against those planned (no galvanic dose)
      if (typeof doc.pulses_delivered === "number") {
        $("pulses").textContent = String(doc.pulses_delivered);
        $("dose-bar").style.width = Math.min(100, 100 * doc.pulses_delivered / plannedPulses) + "%";
      }
    } else {
      $("dose").textContent = fixed(doc.charge_mA_min, 3);
      if (planned > 0) { $("dose-bar").style.width = Math.min(100, 100 * doc.charge_mA_min / planned) + "%"; }
    }
    $("time").textContent = Math.round(doc.time_s) + " s";
    if (doc.state) { setState(doc.state); }
  }

  function onEvent(doc) {
    var d = doc.detail || {};
    if (doc.kind === "step") {
      $("step").textContent = "Step " + (d.index + 1) + ": " + d.step;
      $("polarity").textContent = "Polarity: " + d.polarity + (d.polarity === "cathode" ? " (−)" : " (+)");
    } else if (doc.kind === "hold") {
      $("hold").classList.remove("hidden");
      $("hold-text").textContent = (d.instruction || "") + (d.why ? " (" + d.why + ")" : "") +
        (d.step ? ". Next: " + d.step : "");
    } else if (doc.kind === "hold_confirmed") {
      $("hold").classList.add("hidden");
    } else if (doc.kind === "state" && d.to) {
      setState(d.to);
    } else if (doc.kind === "fault") {
      showFault("Fault: the output is off", d.reason, false);
      live.faultShown = Date.now();
    }
    var detail = Object.keys(d).map(function (k) {
      var v = d[k];
      var shown = typeof v === "number" && !Number.isInteger(v) ? String(Number(v.toPrecision(4))) : String(v);
      return k.replace(/_/g, " ") + " " + shown.replace(/_/g, " ");
    }).join(", ");
    addEvent(fixed(doc.time_s, 1) + " s — " + doc.kind.replace(/_/g, " ") + (detail ? ": " + detail : ""));
  }

  function onStop(doc) {
    ended = live.ended = true;
    setState(doc.status);
    if (doc.status === "complete") {
      showFault("Session complete", doc.reason || "the plan was delivered", true);
    } else {
      showFault(doc.status === "failed" ? "Session failed: the output is off" : "Session stopped", doc.reason, false);
    }
    if (typeof doc.charge_dose_mA_min === "number" && $("dose")) { $("dose").textContent = fixed(doc.charge_dose_mA_min, 3); }
    if (typeof doc.pulses_delivered === "number" && $("pulses")) { $("pulses").textContent = String(doc.pulses_delivered); }
    $("hold").classList.add("hidden");
    if ($("controls")) { $("controls").classList.add("hidden"); }
    $("after").classList.remove("hidden");
  }

  var source = new EventSource(root.dataset.live);
  source.addEventListener("reading", function (e) { onReading(JSON.parse(e.data)); });
  source.addEventListener("event", function (e) { onEvent(JSON.parse(e.data)); });
  source.addEventListener("start", function () { addEvent("started"); });
  source.addEventListener("stop", function (e) { onStop(JSON.parse(e.data)); source.close(); });
  source.addEventListener("error", function () { if (ended) { source.close(); } });

  function send(action) {
    var body = new URLSearchParams();
    body.set("action", action);
    body.set("csrf_token", root.dataset.csrf);
    return fetch(root.dataset.control, {
      method: "POST", credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": root.dataset.csrf },
      body: body
    }).then(function (r) { return r.json(); }).then(function (answer) {
      addEvent(action + " asked" + (answer.detail ? ": " + answer.detail : ""));
    }).catch(function () {
      // the script could not reach the server: post the form itself
      var form = $("controls");
      if (form) { form.requestSubmit(action === "stop" ? $("stop") : undefined); }
    });
  }

  var controls = $("controls");
  if (controls) {
    controls.addEventListener("submit", function (e) {
      e.preventDefault();
      var button = e.submitter || $("stop");
      send(button.value);
    });
    $("stop").focus();
  }
  var confirm = $("confirm");
  if (confirm) { confirm.addEventListener("click", function () { send("confirm"); }); }

  document.addEventListener("keydown", function (e) {
    if (!controls || ended || e.altKey || e.ctrlKey || e.metaKey) { return; }
    var tag = (e.target && e.target.tagName) || "";
    var typing = tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
    if (e.key === "Escape" || (!typing && (e.key === "s" || e.key === "S"))) { e.preventDefault(); send("stop"); }
    else if (!typing && (e.key === "p" || e.key === "P")) { send("pause"); }
    else if (!typing && (e.key === "r" || e.key === "R")) { send("resume"); }
  });
})();
