// Search-as-you-type: an ARIA combobox (WAI-ARIA 1.2 "list autocomplete") on each search box.
// The suggest API's URL is on the input (data-suggest-url). Arrow keys move through the
// suggestions, Enter opens the highlighted one, Escape closes the list. Progressive
// enhancement: without JavaScript the search form works the same, without suggestions.
(function () {
  "use strict";

  function setup(input) {
    var form = input.form;
    var list = document.createElement("ul");
    var status = document.createElement("div");
    var items = [];
    var active = -1;
    var timer = null;
    var last = "";
    var seq = 0;

    list.id = input.id + "-listbox";
    list.className = "kb-suggest__list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    status.className = "usa-sr-only";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.removeAttribute("list");
    var host = form || input.parentNode;
    host.classList.add("kb-suggest-host");
    host.appendChild(list);
    host.appendChild(status);

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (option, n) {
        option.setAttribute("aria-selected", n === index ? "true" : "false");
      });
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", list.children[index].id);
        list.children[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      highlight(-1);
    }

    function open() {
      if (items.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    function show(found) {
      items = found;
      list.replaceChildren();
      items.forEach(function (item, n) {
        var option = document.createElement("li");
        var kind = document.createElement("span");
        option.id = list.id + "-" + n;
        option.className = "kb-suggest__option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.href = item.url;
        option.textContent = item.title;
        kind.className = "kb-suggest__type";
        kind.textContent = " " + (item.label || item.type);
        option.appendChild(kind);
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { go(n); });
        list.appendChild(option);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      status.textContent = items.length ? items.length + (items.length === 1 ? " suggestion" : " suggestions") +
        ", use the up and down arrow keys" : "";
      if (items.length) { open(); } else { close(); }
    }

    function go(n) {
      var item = items[n];
      if (item && item.url.charAt(0) === "/") { window.location.assign(item.url); }
    }

    function fetchSuggestions() {
      var text = input.value.trim();
      if (text.length < 2) { last = text; show([]); return; }
      if (text === last) { open(); return; }
      last = text;
      var mine = ++seq;
      fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (found) { if (mine === seq && document.activeElement === input) { show(found); } })
        .catch(function () { /* suggestions are optional */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 150);
    });
    input.addEventListener("keydown", function (event) {
      var expanded = !list.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!expanded) { open(); }
        if (items.length) { highlight(active + 1 >= items.length ? 0 : active + 1); }
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (!expanded) { open(); }
        if (items.length) { highlight(active <= 0 ? items.length - 1 : active - 1); }
      } else if (event.key === "Enter") {
        if (expanded && active >= 0) {
          event.preventDefault();
          go(active);
        }
      } else if (event.key === "Escape") {
        if (expanded) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          last = "";
          items = [];
        }
      }
    });
    input.addEventListener("blur", function () { close(); });
    if (form) { form.addEventListener("submit", function () { close(); }); }
  }

  document.querySelectorAll("input.kb-suggest").forEach(setup);
})();

// Filters (templates/_filters.html): open beside the results on wide screens, behind the "Filter"
// button on phones (closed in the HTML, so phones show the results first without JavaScript too).
// In a form marked kb-autoapply a checkbox change applies at once; the Apply button is for readers
// without JavaScript.
(function () {
  "use strict";

  var wide = window.matchMedia("(min-width: 40em)");
  var panels = document.querySelectorAll("details.kb-filters");
  function fit() {
    panels.forEach(function (panel) { panel.open = wide.matches; });
  }
  fit();
  wide.addEventListener("change", fit);

  document.querySelectorAll("form.kb-autoapply").forEach(function (form) {
    form.querySelectorAll(".kb-filters__apply").forEach(function (apply) { apply.hidden = true; });
    form.addEventListener("change", function (event) {
      if (event.target.type === "checkbox") { form.requestSubmit(); }
    });
  });
})();
