// Page behaviours declared with data-* attributes, so that no page needs an inline script or an on…=
// handler (the Content-Security-Policy allows scripts from our static files only):
//   <select data-autosubmit>              submits its form when the choice changes
//   <form data-confirm="…">                asks before submitting; <button data-confirm="…"> before its action
//   <button data-print>                    prints the page
//   <input data-select-all="#form-id input[name=orgs]">  ticks or clears every matching box
//   <form data-role-scope>                 shows only the scope field the chosen role needs (account form)
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) { el.form.submit(); }
    if (el.matches && el.matches("input[data-select-all]")) {
      document.querySelectorAll(el.getAttribute("data-select-all")).forEach(function (box) { box.checked = el.checked; });
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("button[data-confirm], button[data-print]") : null;
    if (!el) { return; }
    if (el.hasAttribute("data-print")) { window.print(); return; }
    if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
  function roleScopes() {
    document.querySelectorAll("form[data-role-scope]").forEach(function (form) {
      var role = form.querySelector("[name=role]");
      if (!role) { return; }
      var needs = {street_staff: "street", secretary: "branch", unit: "unit"};
      var update = function () {
        ["street", "branch", "unit"].forEach(function (name) {
          var row = form.querySelector('[data-field="' + name + '"]');
          if (row) { row.hidden = needs[role.value] !== name; }
        });
      };
      role.addEventListener("change", update);
      update();
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", roleScopes); } else { roleScopes(); }
})();
