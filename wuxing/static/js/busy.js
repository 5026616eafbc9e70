// A long save (a new rulebook version re-rates the district) says that it is working: the pressed button
// with data-busy-text shows that text and the form's <progress class="busy"> appears, until the page
// that answers replaces this one. The button is disabled only after the form data was taken.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute("data-busy")) return;
    var button = event.submitter;
    if (!button || !button.hasAttribute("data-busy-text")) return;
    button.textContent = button.getAttribute("data-busy-text");
    var bar = form.querySelector("progress.busy");
    if (bar) bar.hidden = false;
    setTimeout(function () { button.disabled = true; }, 0);
  });
})();
