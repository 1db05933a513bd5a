// Small touches on top of pages that already work without JavaScript.
(function () {
  "use strict";

  function closestForm(el) { return el.closest("form"); }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-warning]");
    if (add) {
      var form = closestForm(add);
      var box = form && form.querySelector('input[name="warnings"][value="' + add.dataset.addWarning + '"]');
      if (box) { box.checked = true; box.focus(); }
      add.closest("[data-suggestion]").remove();
      return;
    }
    var dismiss = event.target.closest("[data-dismiss-suggestion]");
    if (dismiss) {
      var suggestion = dismiss.closest("[data-suggestion]");
      var owner = closestForm(dismiss);
      if (owner) {
        // Remembered for this form, so the next preview doesn't ask again.
        var keep = document.createElement("input");
        keep.type = "hidden"; keep.name = "dismissed"; keep.value = suggestion.dataset.suggestion;
        owner.appendChild(keep);
      }
      suggestion.remove();
    }
  });

  // The header menus are <details>: Escape closes the open one and puts focus back on its summary.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = document.querySelector(".header-tools details[open]");
    if (open) { open.open = false; open.querySelector("summary").focus(); }
  });
  // One header menu open at a time; a click elsewhere closes it.
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.open || !menu.matches || !menu.matches(".header-tools details")) { return; }
    document.querySelectorAll(".header-tools details[open]").forEach(function (other) {
      if (other !== menu) { other.open = false; }
    });
  }, true);
  document.addEventListener("click", function (event) {
    document.querySelectorAll(".header-tools details[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { event.preventDefault(); }
  }, true);

  function localise(root) {
    root.querySelectorAll("[data-tz-offset]").forEach(function (input) {
      input.value = String(-new Date().getTimezoneOffset());
    });
    root.querySelectorAll("time[data-local-time]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when)) { el.textContent = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }); }
    });
  }

  // The crisis panel, when it answers the author's own post or preview (data-crisis-focus), is
  // brought into view and its heading takes focus, so that nobody is left on an emptied composer
  // with the help far above (a phone) or below. Instantly: no smooth scrolling to sit through.
  // The panel sits in an aria-live container as well; each panel is brought forward once.
  function showCrisisPanel() {
    var panel = document.querySelector("[data-crisis-focus]:not([data-crisis-shown])");
    if (!panel) { return; }
    panel.setAttribute("data-crisis-shown", "");
    var heading = panel.querySelector("[tabindex='-1']") || panel;
    panel.scrollIntoView({ block: "start", behavior: "auto" });
    try { heading.focus({ preventScroll: true }); } catch (e) { heading.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () { localise(document); showCrisisPanel(); });
  // After every swap has settled, out-of-band ones too (the reply's panel arrives out of band).
  document.addEventListener("htmx:afterSettle", showCrisisPanel);
  document.addEventListener("htmx:afterSwap", function (event) {
    localise(event.target);
    var added = document.querySelector("#posts > div:last-child .post, #posts > .post:last-child");
    if (event.target.id === "reply-form" && added) { added.setAttribute("tabindex", "-1"); }
  });
})();
