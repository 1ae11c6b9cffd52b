// Several posts at once: a button ticks every post shown (or unticks them all), the form
// says how many are ticked, and the date and time to move to show only when moving.
// Without this file each post is ticked by hand and the date and time always show.
(function () {
  "use strict";
  var form = document.getElementById("posts-chosen");
  if (!form) {
    return;
  }
  var every = form.querySelector("[data-tick-every]");
  var count = form.querySelector("[data-ticked-count]");
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-tick]"));
  var action = form.querySelector("select[name=action]");
  var moving = form.querySelectorAll("[data-when-moving]");

  function showWhen() {
    moving.forEach(function (field) {
      field.hidden = action.value !== "move";
    });
  }

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
  action.addEventListener("change", showWhen);
  every.hidden = boxes.length === 0;
  say();
  showWhen();
})();
