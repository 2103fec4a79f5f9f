// The console's only script: a submitted form (marked data-busy) shows its
// "working…" text and <progress>, and its buttons are disabled so a long
// action (a purchase, an import) is not sent twice. The clicked button's
// name and value are kept in a hidden field, as a disabled button sends none.
"use strict";
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  if (!form.hasAttribute || !form.hasAttribute("data-busy")) return;
  var b = ev.submitter;
  if (b && b.name) {
    var keep = document.createElement("input");
    keep.type = "hidden";
    keep.name = b.name;
    keep.value = b.value;
    form.appendChild(keep);
  }
  form.setAttribute("aria-busy", "true");
  form.querySelectorAll(".busy").forEach(function (el) { el.hidden = false; });
  setTimeout(function () {
    form.querySelectorAll("button, input[type=submit]").forEach(function (el) { el.disabled = true; });
  }, 0);
});
