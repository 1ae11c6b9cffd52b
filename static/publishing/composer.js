// The composer: an account's text follows the base text until the author edits it, and
// "Use the base text again" gives the base text back; the text boxes of accounts that
// are not ticked are hidden, and a link to a folded field unfolds it. Without this file the same buttons work by saving the form.
(function () {
  "use strict";
  var form = document.getElementById("composer");
  if (!form) {
    return;
  }
  var base = form.querySelector("#id_text");

  function parts(fieldset) {
    var id = fieldset.getAttribute("data-account");
    return {
      own: form.querySelector("#id_own_" + id),
      text: form.querySelector("#id_variant_" + id),
      ticked: form.querySelector('input[name="accounts"][value="' + id + '"]')
    };
  }

  function follow() {
    form.querySelectorAll(".govsocial-variant").forEach(function (fieldset) {
      var part = parts(fieldset);
      fieldset.hidden = part.ticked ? !part.ticked.checked : false;
      if (part.own && part.text && !part.own.checked && base) {
        part.text.value = base.value;
      }
    });
  }

  form.addEventListener("input", function (event) {
    var id = event.target.id || "";
    if (id.indexOf("id_variant_") === 0) {
      // Typing in an account's own box is what makes its text its own.
      var own = form.querySelector("#id_own_" + id.slice("id_variant_".length));
      if (own) {
        own.checked = true;
      }
    }
    follow();
  });
  form.addEventListener("change", follow);

  // A problem's link leads to a field that may be folded away: unfold it first.
  function reveal(target) {
    var folded = target ? target.closest("details") : null;
    while (folded) {
      folded.open = true;
      folded = folded.parentElement ? folded.parentElement.closest("details") : null;
    }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest('a[href^="#"]');
    if (link) {
      reveal(document.getElementById(link.getAttribute("href").slice(1)));
    }
  });
  if (window.location.hash) {
    reveal(document.getElementById(window.location.hash.slice(1)));
  }
  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-inherit]");
    if (!button) {
      return;
    }
    event.preventDefault();
    var id = button.getAttribute("data-inherit");
    var own = form.querySelector("#id_own_" + id);
    if (own) {
      own.checked = false;
    }
    follow();
    var text = form.querySelector("#id_variant_" + id);
    if (text) {
      text.focus();
    }
    // Let the counts and the autosave know, as a change by hand would.
    form.dispatchEvent(new Event("change", { bubbles: true }));
  });
  follow();
})();
