// The calendar: drag a post to another day to move it there at the same time of day.
// The server moves it through the same rules as the composer and answers in JSON; the
// answer, or the refusal, is read out in the live region. Without this file every post
// has a "Move to…" link that does the same with a form.
(function () {
  "use strict";
  var calendar = document.querySelector("[data-calendar]");
  var status = document.getElementById("calendar-status");
  var token = document.querySelector("#calendar-csrf input[name=csrfmiddlewaretoken]");
  if (!calendar || !status || !token) {
    return;
  }
  var dragged = null;

  function dayOf(node) {
    return node && node.closest ? node.closest("[data-date]") : null;
  }

  function place(item, cell) {
    // Keep each day's posts in time order.
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

  calendar.addEventListener("dragstart", function (event) {
    var item = event.target.closest ? event.target.closest("[data-move-url]") : null;
    if (!item) {
      return;
    }
    dragged = item;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.id);
  });

  calendar.addEventListener("dragover", function (event) {
    if (dragged && dayOf(event.target)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
    }
  });

  calendar.addEventListener("dragend", function () {
    dragged = null;
  });

  calendar.addEventListener("drop", function (event) {
    var cell = dayOf(event.target);
    var item = dragged;
    dragged = null;
    if (!item || !cell) {
      return;
    }
    event.preventDefault();
    if (dayOf(item) === cell) {
      return;
    }
    var body = new FormData();
    body.append("schedule_date", cell.getAttribute("data-date"));
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
          place(item, cell);
        }
      })
      .catch(function () {
        status.textContent = calendar.getAttribute("data-failed");
      });
  });
})();
