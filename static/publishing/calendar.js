// The calendar: drag a post to another day of the month to move it there at the same
// time of day, or to another day and hour of the week's time grid to move it there
// (keeping its minutes). The server moves it through the same rules as the composer
// and answers in JSON; the answer, or the refusal, is read out in the live region.
// Without this file every post has a "Move to…" link that does the same with a form.
// Escape hides the preview of the post under the pointer or the keyboard.
(function () {
  "use strict";
  var calendar = document.querySelector("[data-calendar]");
  var status = document.getElementById("calendar-status");
  var token = document.querySelector("#calendar-csrf input[name=csrfmiddlewaretoken]");
  if (!calendar || !status || !token) {
    return;
  }
  var QUIET = "govsocial-calendar__post--quiet";
  var TARGET = "govsocial-calendar__target";
  var dragged = null;
  var target = null;

  function cellOf(node) {
    return node && node.closest ? node.closest("[data-date]") : null;
  }

  function mark(cell) {
    if (target && target !== cell) {
      target.classList.remove(TARGET);
    }
    target = cell;
    if (cell) {
      cell.classList.add(TARGET);
    }
  }

  function two(number) {
    return (number < 10 ? "0" : "") + number;
  }

  // The post's local time as its <time> gives it (ISO 8601 with the viewer's offset):
  // "2030-01-12T09:30:00-05:00" is 9:30 wherever the browser is.
  function minutesOf(item) {
    return item.querySelector("time").getAttribute("datetime").substring(14, 16);
  }

  function place(item, cell) {
    // Keep each cell's posts in time order.
    var list = cell.querySelector(".govsocial-calendar__posts");
    var when = Date.parse(item.querySelector("time").getAttribute("datetime"));
    var after = null;
    list.querySelectorAll(".govsocial-calendar__post").forEach(function (other) {
      var time = Date.parse(other.querySelector("time").getAttribute("datetime"));
      if (!after && other !== item && time > when) {
        after = other;
      }
    });
    list.insertBefore(item, after);
  }

  // The cell the server's answer puts the post in: its new local day (and hour, in
  // the week), else the one it was dropped on.
  function cellFor(answer, dropped) {
    var selector = '[data-date="' + answer.date + '"]';
    if (dropped.hasAttribute("data-hour")) {
      selector += '[data-hour="' + parseInt(answer.local.substring(11, 13), 10) + '"]';
    }
    return calendar.querySelector(selector) || dropped;
  }

  calendar.addEventListener("dragstart", function (event) {
    var item = event.target.closest ? event.target.closest("[data-move-url]") : null;
    if (!item) {
      return;
    }
    dragged = item;
    item.classList.add(QUIET);
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.id);
  });

  calendar.addEventListener("dragover", function (event) {
    var cell = cellOf(event.target);
    if (dragged && cell) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      mark(cell);
    }
  });

  calendar.addEventListener("dragend", function () {
    if (dragged) {
      dragged.classList.remove(QUIET);
    }
    dragged = null;
    mark(null);
  });

  calendar.addEventListener("drop", function (event) {
    var cell = cellOf(event.target);
    var item = dragged;
    dragged = null;
    mark(null);
    if (!item || !cell) {
      return;
    }
    event.preventDefault();
    item.classList.remove(QUIET);
    if (cellOf(item) === cell) {
      return;
    }
    var body = new FormData();
    body.append("schedule_date", cell.getAttribute("data-date"));
    if (cell.hasAttribute("data-hour")) {
      body.append(
        "schedule_time",
        two(parseInt(cell.getAttribute("data-hour"), 10)) + ":" + minutesOf(item)
      );
    }
    status.textContent = calendar.getAttribute("data-moving");
    fetch(item.getAttribute("data-move-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token.value }
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        status.textContent = answer.message;
        if (answer.ok) {
          var time = item.querySelector("time");
          time.setAttribute("datetime", answer.local);
          time.textContent = answer.time;
          place(item, cellFor(answer, cell));
        }
      })
      .catch(function () {
        status.textContent = calendar.getAttribute("data-failed");
      });
  });

  // Escape hides the previews shown (WCAG 1.4.13: content on hover or focus can be
  // dismissed); each shows again once the pointer and the focus have left its post.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    calendar
      .querySelectorAll(".govsocial-calendar__post:hover, .govsocial-calendar__post:focus-within")
      .forEach(function (item) {
        item.classList.add(QUIET);
      });
  });

  function wake(event) {
    var item = event.target.closest ? event.target.closest("." + QUIET) : null;
    if (item && item !== dragged && !item.contains(event.relatedTarget)) {
      item.classList.remove(QUIET);
    }
  }
  calendar.addEventListener("mouseout", wake);
  calendar.addEventListener("focusout", wake);
})();
