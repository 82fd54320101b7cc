// Keyboard shortcut: "/" moves focus to the search box (the page's own, else the header's),
// as on large sites. Not while the reader types in a field, and not with Ctrl, Alt or Meta
// (the browser's own shortcuts). Listed on the accessibility page.
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    return /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable;
  }

  function searchBox() {
    var boxes = [document.querySelector("main input[type=search]"), document.getElementById("site-search")];
    for (var n = 0; n < boxes.length; n++) {
      if (boxes[n] && boxes[n].offsetParent !== null) { return boxes[n]; }
    }
    return null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) { return; }
    if (typing(event.target)) { return; }
    var box = searchBox();
    if (!box) { return; }
    event.preventDefault();
    box.focus();
    box.select();
  });
})();
