// The glossary's filter, as you type. Without JavaScript the form filters on the server
// (/glossary?q=loa); with it, terms whose term, expansions or definitions have no word starting
// with the text are hidden at once, the count is announced, and the address keeps the filter.
(function () {
  "use strict";

  var input = document.getElementById("glossary-filter");
  var status = document.getElementById("glossary-count");
  if (!input || !status) { return; }
  var clearUrl = input.form.getAttribute("action");

  function folded(text) {
    return text.replace(/\s+/g, " ").trim().toLowerCase();
  }

  // What the server's filter looks in: the term, and each meaning without its "Read:" link.
  function senseText(dd) {
    return Array.prototype.map.call(dd.childNodes, function (node) {
      return node.nodeName === "A" ? "" : node.textContent;
    }).join(" ");
  }

  var terms = [];
  var complete = !input.value.trim(); // a page the server filtered holds only the terms that matched

  function index() {
    terms = [];
    document.querySelectorAll("#glossary-terms dl.kb-glossary").forEach(function (list) {
      var current = null;
      Array.prototype.forEach.call(list.children, function (node) {
        if (node.nodeName === "DT") {
          current = { nodes: [node], text: node.textContent, section: list.closest("section") };
          terms.push(current);
        } else if (current) {
          current.nodes.push(node);
          current.text += " " + senseText(node);
        }
      });
    });
    terms.forEach(function (term) { term.text = folded(term.text); });
  }

  // The whole glossary in place of the filtered one, once, before filtering as you type.
  function loadAll() {
    return fetch(clearUrl, { headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        ["#glossary-terms", ".kb-letters"].forEach(function (selector) {
          var fresh = page.querySelector(selector);
          if (fresh) { document.querySelector(selector).replaceWith(document.importNode(fresh, true)); }
        });
        complete = true;
        index();
      });
  }

  function announce(needle, count) {
    status.replaceChildren();
    if (!needle) { return; }
    status.appendChild(document.createTextNode(count + (count === 1 ? " term matches" : " terms match") + " \u201c" + needle + "\u201d. "));
    var clear = document.createElement("a");
    clear.className = "usa-link";
    clear.href = clearUrl;
    clear.textContent = "Clear the filter";
    status.appendChild(clear);
  }

  function apply() {
    var needle = folded(input.value);
    var starts = new RegExp("(^|[^\\p{L}\\p{N}_])" + needle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "u");
    var count = 0;
    var shown = new Set();
    terms.forEach(function (term) {
      var match = starts.test(term.text);
      term.nodes.forEach(function (node) { node.hidden = !match; });
      if (match) { count += 1; shown.add(term.section); }
    });
    document.querySelectorAll("#glossary-terms section").forEach(function (section) {
      section.hidden = !shown.has(section);
      var link = document.querySelector(".kb-letters a[href='#" + section.getAttribute("aria-labelledby") + "']");
      if (link) { link.parentNode.hidden = section.hidden; }
    });
    announce(input.value.replace(/\s+/g, " ").trim(), count);
    var url = new URL(window.location.href);
    if (needle) { url.searchParams.set("q", input.value.trim()); } else { url.searchParams.delete("q"); }
    window.history.replaceState(null, "", url.pathname + url.search);
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (complete) { apply(); } else { loadAll().then(apply).catch(function () { /* the form still filters */ }); }
    }, 120);
  });
  index();
})();
