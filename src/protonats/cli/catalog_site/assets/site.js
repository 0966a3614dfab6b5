// The catalog's only script: the search box and the diagram's highlight. It reads the
// registry's text only as data (JSON.parse of a script element's textContent) and writes
// only textContent, classes and the hidden property: no registry text ever becomes markup.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var list = document.getElementById("events");
  var data = document.getElementById("search-data");

  function rows() {
    return list ? Array.prototype.slice.call(list.querySelectorAll("li.event")) : [];
  }
  function visibleLinks() {
    return rows().filter(function (li) { return !li.hidden; }).map(function (li) {
      return li.querySelector("a.name");
    });
  }

  if (input && list && data) {
    var entries = {};
    JSON.parse(data.textContent).forEach(function (e) {
      entries[e.name] = [e.name, e.schema, e.description].concat(e.fields).join("\n").toLowerCase();
    });
    var count = document.getElementById("count");
    var none = document.getElementById("none");
    var filter = function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows().forEach(function (li) {
        var text = entries[li.getAttribute("data-name")] || "";
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        li.hidden = !match;
        if (match) { shown += 1; }
      });
      count.textContent = shown + (shown === 1 ? " event" : " events");
      none.hidden = shown !== 0;
    };
    input.addEventListener("input", filter);
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") { input.value = ""; filter(); }
      if (ev.key === "ArrowDown" || (ev.key === "Enter" && input.value)) {
        var first = visibleLinks()[0];
        if (first) {
          ev.preventDefault();
          if (ev.key === "Enter") { first.click(); } else { first.focus(); }
        }
      }
    });
    list.addEventListener("keydown", function (ev) {
      if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") { return; }
      var links = visibleLinks();
      var at = links.indexOf(document.activeElement);
      if (at === -1) { return; }
      ev.preventDefault();
      if (ev.key === "ArrowUp" && at === 0) { input.focus(); return; }
      var next = links[Math.min(links.length - 1, Math.max(0, at + (ev.key === "ArrowDown" ? 1 : -1)))];
      if (next) { next.focus(); }
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "/" && document.activeElement !== input) {
        ev.preventDefault();
        input.focus();
      }
    });
    if (input.value) { filter(); }
  }

  var svg = document.querySelector("svg.diagram");
  if (svg) {
    var edges = Array.prototype.slice.call(svg.querySelectorAll("path.edge"));
    var light = function (attr, value, on) {
      edges.forEach(function (p) {
        if (p.getAttribute(attr) === value) { p.classList.toggle("hot", on); }
      });
    };
    Array.prototype.slice.call(svg.querySelectorAll(".node")).forEach(function (node) {
      var attr = node.hasAttribute("data-event") ? "data-event" : "data-actor";
      var value = node.getAttribute(attr);
      ["mouseenter", "focusin"].forEach(function (t) {
        node.addEventListener(t, function () { light(attr, value, true); });
      });
      ["mouseleave", "focusout"].forEach(function (t) {
        node.addEventListener(t, function () { light(attr, value, false); });
      });
    });
  }
}());
