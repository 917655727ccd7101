// Consent: the signature drawn with a finger or a pen (signature_pad, vendored with its licence).
"use strict";
(function () {
  var canvas = document.getElementById("signature-pad");
  var form = document.getElementById("consent-form");
  if (!canvas || !form || !window.SignaturePad) { return; }
  var pad = new window.SignaturePad(canvas, { minWidth: 1, maxWidth: 3, penColor: "#1f2933" });

  function fit() {
    // draw at the screen's own resolution, so the line is sharp on a tablet
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var data = pad.toData();
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    pad.fromData(data);
  }
  window.addEventListener("resize", fit);
  fit();

  document.getElementById("signature-clear").addEventListener("click", function () { pad.clear(); });
  form.addEventListener("submit", function () {
    document.getElementById("signature").value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
  });
})();
