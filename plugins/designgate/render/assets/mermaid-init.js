// Draws the design pages' diagrams where no theme does it (a site built from the files of
// `designgate pages`): each <pre class="mermaid"> becomes a <div class="mermaid"> holding its
// source text, then the local Mermaid draws them. Under Material for MkDocs the theme does
// this itself, and this script is not loaded.
(function () {
  function draw() {
    if (!window.mermaid) return;
    var nodes = [];
    document.querySelectorAll("pre.mermaid").forEach(function (pre) {
      var div = document.createElement("div");
      div.className = "mermaid";
      div.textContent = pre.textContent;
      pre.replaceWith(div);
      nodes.push(div);
    });
    if (!nodes.length) return;
    var dark = document.body.getAttribute("data-md-color-scheme") === "slate";
    window.mermaid.initialize({ startOnLoad: false, theme: dark ? "dark" : "default" });
    window.mermaid.run({ nodes: nodes });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
