// The redaction workbench: drag across an image to give the area to redact. The four
// numbers (percent of the image's width and height) stay the form's fields, for the
// keyboard and for anyone who prefers to type them; the box shows what they say.
(function () {
  "use strict";
  var NAMES = ["left", "top", "width", "height"];

  function round(value) {
    return Math.round(Math.min(100, Math.max(0, value)) * 100) / 100;
  }

  function setUp(form) {
    var frame = form.querySelector(".govsocial-redaction-image");
    var image = frame.querySelector("img");
    var box = frame.querySelector(".govsocial-redaction-box");
    var fields = {};
    NAMES.forEach(function (name) { fields[name] = form.querySelector("input[name=" + name + "]"); });
    var start = null;

    function show() {
      var values = NAMES.map(function (name) { return parseFloat(fields[name].value); });
      if (values.some(isNaN)) { box.hidden = true; return; }
      box.style.left = values[0] + "%";
      box.style.top = values[1] + "%";
      box.style.width = values[2] + "%";
      box.style.height = values[3] + "%";
      box.hidden = false;
    }

    function at(event) {
      var bounds = image.getBoundingClientRect();
      return {
        x: ((event.clientX - bounds.left) / bounds.width) * 100,
        y: ((event.clientY - bounds.top) / bounds.height) * 100,
      };
    }

    function drawTo(event) {
      var end = at(event);
      var left = round(Math.min(start.x, end.x));
      var top = round(Math.min(start.y, end.y));
      fields.left.value = left;
      fields.top.value = top;
      fields.width.value = round(Math.max(start.x, end.x)) - left;
      fields.height.value = round(Math.max(start.y, end.y)) - top;
      show();
    }

    frame.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      start = at(event);
      frame.setPointerCapture(event.pointerId);
    });
    frame.addEventListener("pointermove", function (event) {
      if (start) { drawTo(event); }
    });
    frame.addEventListener("pointerup", function (event) {
      if (start) { drawTo(event); start = null; }
    });
    NAMES.forEach(function (name) { fields[name].addEventListener("input", show); });
  }

  document.querySelectorAll("[data-image-area]").forEach(setUp);
})();
