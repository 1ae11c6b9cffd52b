// Several posts at once: a button ticks every post shown (or unticks them all), and the
// form says how many are ticked. Without this file each post is ticked by hand.
(function () {
  "use strict";
  var form = document.getElementById("posts-chosen");
  if (!form) {
    return;
  }
  var every = form.querySelector("[data-tick-every]");
  var count = form.querySelector("[data-ticked-count]");
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-tick]"));

  function ticked() {
    return boxes.filter(function (box) {
      return box.checked;
    }).length;
  }

  function say() {
    var many = ticked();
    count.textContent = form.dataset.ticked.replace("%(count)s", String(many));
    every.textContent = many === boxes.length ? form.dataset.untickAll : form.dataset.tickAll;
  }

  every.addEventListener("click", function () {
    var tick = ticked() !== boxes.length;
    boxes.forEach(function (box) {
      box.checked = tick;
    });
    say();
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", say);
  });
  every.hidden = boxes.length === 0;
  say();
})();
