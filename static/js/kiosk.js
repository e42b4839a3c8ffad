// Kiosk pages only: the pairing keypad types into the code field (the field works with a
// keyboard too). Everything else on the tablet is plain htmx.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const key = event.target.closest("[data-key]");
    if (!key) return;
    const field = key.form && key.form.elements.namedItem("code");
    if (!field) return;
    const value = field.value;
    if (key.dataset.key === "back") field.value = value.slice(0, -1);
    else if (key.dataset.key === "clear") field.value = "";
    else if (field.maxLength < 0 || value.length < field.maxLength) field.value = value + key.dataset.key;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
