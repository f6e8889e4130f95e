// Accessibility fixes the design pages need from the page around them (checked with axe-core
// in designgate's browser tests): a table or diagram that scrolls sideways can be reached and
// scrolled with the keyboard, and the theme's search dialog has a name. Runs on every page
// load, and on each page swap under Material's instant navigation.
(function () {
  function fix() {
    document.querySelectorAll(".md-typeset__scrollwrap, .dg-matrix, .dg-erd").forEach(
      function (el) {
        if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
        if (!el.hasAttribute("role")) el.setAttribute("role", "region");
        if (!el.hasAttribute("aria-label")) {
          el.setAttribute("aria-label", el.classList.contains("dg-erd") ? "Diagram" : "Table");
        }
      });
    document.querySelectorAll('.md-search[role="dialog"]').forEach(function (el) {
      if (!el.hasAttribute("aria-label")) el.setAttribute("aria-label", "Search");
    });
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(fix);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fix);
  } else {
    fix();
  }
})();
