// A file field drawn by the page (components/file_input.html): the name of the file
// chosen replaces "No file chosen", in the page's language.
(function () {
  "use strict";
  document.querySelectorAll("[data-file-input]").forEach(function (field) {
    var input = field.querySelector("input[type=file]");
    var chosen = field.querySelector("[data-file-chosen]");
    input.addEventListener("change", function () {
      var names = Array.prototype.map.call(input.files, function (file) {
        return file.name;
      });
      chosen.textContent = names.length ? names.join(", ") : field.dataset.none;
    });
  });
})();
