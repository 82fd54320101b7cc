// Search in the offline bundle (kb export), from file:// with no server: MiniSearch over the
// prebuilt index that search/index.js assigns (window.KB_SEARCH_INDEX, written by
// kb/export/search_index.py). A query is analysed as the server analyses it (lower case,
// accents folded as the index says, stop words out, Snowball English stems), rewritten with
// the glossary's acronyms both ways, and searched with phrases ("..."), a prefix on the word
// being typed and typo tolerance. The results page (search.html?q=...) shows the count in a
// live region, facets by type and area, and snippets whose matched words are <mark>ed; the
// search box on every page suggests pages as you type. The phrase pairs (search/phrases.js) are
// loaded with the first search that has a phrase. Untrusted text only ever goes through textContent.
(function () {
  "use strict";

  if (window.KBOfflineSearch) { return; }
  var WORD = /[\p{L}\p{N}_]+(?:\.?[\p{L}\p{N}_]+)*/gu;
  var NOT_WORD_BEFORE = "(?<![\\p{L}\\p{N}_:])";
  var NOT_WORD_AFTER = "(?![\\p{L}\\p{N}_:])";
  var MAX_VARIANTS = 8;
  var SNIPPET_WORDS = 30;
  var ASSET_ORDER = ["static/vendor/minisearch/minisearch.js", "static/vendor/snowball-stemmers/snowball-stemmers.js", "search/index.js"];
  var state = { data: null, engine: null, stem: null, stops: null, acronyms: null, words: null, stems: null, terms: new Map(), known: null, stemOf: null, loading: null };

  // --- analysis: the server's analyzer, in the browser ----------------------------------

  function fold(word) {
    var folds = state.data.folds;
    return Array.from(word.toLowerCase(), function (c) {
      return folds[c] !== undefined ? folds[c] : c.normalize("NFD").replace(/\p{M}/gu, "");
    }).join("");
  }

  // The index term of one word, or "" for a stop word or a single letter (remembered: snippets ask often).
  function term(word) {
    var known = state.terms.get(word);
    if (known !== undefined) { return known; }
    var folded = fold(word);
    var found = folded.length < 2 || state.stops.has(folded) ? "" : state.stemOf.get(folded) || state.stem.stem(folded);
    state.terms.set(word, found);
    return found;
  }

  function terms(text) {
    return (text.match(WORD) || []).map(term).filter(Boolean);
  }

  // --- acronyms both ways, as kb/queries/rewriting.py ------------------------------------

  function escapeRegex(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function alternation(words, before, after, flags) {
    if (!words.length) { return null; }
    var longest = words.map(escapeRegex).sort(function (a, b) { return b.length - a.length; });
    return new RegExp(before + "(?:" + longest.join("|") + ")" + after, "gu" + flags);
  }

  function normal(text) { return text.toLowerCase().replace(/[-‐–/]/g, " ").split(/\s+/).filter(Boolean).join(" "); }

  function buildAcronyms(glossary, rules) {
    var common = new Set(rules.common);
    var loose = Object.keys(glossary).filter(function (t) { return t.length >= rules.minLoose && !common.has(t.toLowerCase()); });
    var strict = Object.keys(glossary).filter(function (t) { return loose.indexOf(t) < 0; });
    var byFold = {}, byExpansion = {};
    loose.forEach(function (t) { byFold[t.toLowerCase()] = t; });
    Object.keys(glossary).forEach(function (t) {
      glossary[t].forEach(function (x) {
        if (normal(x).length >= rules.minExpansion) { (byExpansion[normal(x)] = byExpansion[normal(x)] || []).push(t); }
      });
    });
    return {
      glossary: glossary, byFold: byFold, byExpansion: byExpansion,
      terms: [alternation(loose, NOT_WORD_BEFORE, NOT_WORD_AFTER, "i"), alternation(strict, NOT_WORD_BEFORE, NOT_WORD_AFTER, "")],
      expansions: alternation(Object.keys(byExpansion), "(?<![\\p{L}\\p{N}_])", "(?![\\p{L}\\p{N}_])", ""),
    };
  }

  // The query first, then each acronym by its expansions (as a phrase) and each expansion by its acronym.
  function variants(text) {
    var a = state.acronyms, found = [text];
    a.terms.forEach(function (pattern) {
      if (!pattern) { return; }
      Array.from(text.matchAll(pattern)).forEach(function (m) {
        var key = a.byFold[m[0].toLowerCase()] || m[0];
        (a.glossary[key] || []).forEach(function (x) {
          found.push(text.slice(0, m.index) + '"' + x.replace(/"/g, " ") + '"' + text.slice(m.index + m[0].length));
        });
      });
    });
    var flat = normal(text);
    if (a.expansions) {
      Array.from(flat.matchAll(a.expansions)).forEach(function (m) {
        a.byExpansion[m[0]].forEach(function (t) { found.push(flat.slice(0, m.index) + t + flat.slice(m.index + m[0].length)); });
      });
    }
    return Array.from(new Set(found)).slice(0, MAX_VARIANTS + 1);
  }

  // --- queries ------------------------------------------------------------------------------

  function fuzziness(t) { return t.length >= 4 ? 0.2 : false; }

  function finds(query) { return state.engine.search(query).length > 0; }

  // The words as written, each with its stem, searchable by prefix and typo (built on first use).
  function vocabulary() {
    if (!state.words) {
      var data = state.data.vocabulary, entries = [];
      state.stems = [];
      Object.keys(data).forEach(function (stem) {
        data[stem].forEach(function (word) { state.stems.push(stem); entries.push({ id: entries.length, w: word }); });
      });
      state.words = new window.MiniSearch({ fields: ["w"], tokenize: function (s) { return [s]; }, processTerm: function (t) { return t; } });
      state.words.addAll(entries);
    }
    return state.words;
  }

  // The stems of the words as written that a half-typed or misspelt word starts or is close to:
  // "eligibilty" -> "eligibility" -> "elig".
  function nearStems(word, prefix, misspelt) {
    var found = vocabulary().search(word, { prefix: prefix, fuzzy: misspelt ? fuzziness(word) : false });
    return found.slice(0, 5).map(function (r) { return state.stems[r.id]; });
  }

  // One word: its stem (a prefix too while it is being typed); when that finds nothing, the
  // stems and words it is a typo of, at MiniSearch's lower weight for fuzzy matches.
  function wordQuery(word, prefix) {
    var stem = term(word);
    if (!stem) { return null; }
    var exact = { queries: [stem], prefix: prefix, fuzzy: false }, known = prefix ? finds(exact) : state.known.has(stem);
    if (known && !prefix) { return exact; }
    var near = nearStems(fold(word), prefix, !known).filter(function (t) { return t !== stem; });
    var base = known ? exact : { queries: [stem], prefix: prefix, fuzzy: fuzziness(stem) };
    return near.length ? { queries: [base, { queries: near, boostTerm: function () { return 0.45; } }] } : base;
  }

  // One variant: the query of its words, each (the last one also as a prefix while typing), and
  // its phrases, each as the query of its words and the documents that hold its pairs of words.
  function variantQueries(text, typing) {
    var parts = { words: [], phrases: [] }, phrase = /"([^"]*)"|([^\s"]+)/g, m, words = [];
    while ((m = phrase.exec(text)) !== null) {
      var found = terms(m[1] !== undefined ? m[1] : m[2]);
      if (m[1] !== undefined && found.length > 1) {
        parts.phrases.push({ query: { combineWith: "AND", queries: found }, holders: holders(found) });
      } else {
        words = words.concat((m[1] !== undefined ? m[1] : m[2]).match(WORD) || []);
      }
    }
    words.forEach(function (word, n) {
      var query = wordQuery(word, typing && n === words.length - 1 && /[^\s"]$/.test(text));
      if (query) { parts.words.push(query); }
    });
    return parts;
  }

  // The ids of the documents that hold every consecutive pair of ``found`` (a phrase's terms).
  function holders(found) {
    var phrases = window.KB_SEARCH_PHRASES, ids = state.data.index.documentIds;
    var sets = found.slice(1).map(function (t, n) { return phrases[found[n] + " " + t] || []; });
    var common = sets.reduce(function (kept, next) { var keep = new Set(next); return kept.filter(function (n) { return keep.has(n); }); });
    return new Set(common.map(function (n) { return ids[n]; }));
  }

  // Results of several searches as one list: scores added, matched terms joined.
  function merge(lists) {
    var byId = new Map();
    lists.forEach(function (list) {
      list.forEach(function (r) {
        var seen = byId.get(r.id);
        if (!seen) { byId.set(r.id, Object.assign({}, r, { terms: r.terms.slice() })); return; }
        seen.score += r.score;
        r.terms.forEach(function (t) { if (seen.terms.indexOf(t) < 0) { seen.terms.push(t); } });
      });
    });
    return Array.from(byId.values()).sort(function (a, b) { return b.score - a.score; });
  }

  // Every variant's words and phrases, or'ed: a document may match any of them, as on the site.
  function search(text, typing) {
    var lists = [];
    variants(text).forEach(function (v) {
      var parts = variantQueries(v, typing);
      if (parts.words.length) { lists.push(state.engine.search({ combineWith: "OR", queries: parts.words })); }
      parts.phrases.forEach(function (p) {
        lists.push(state.engine.search(p.query, { filter: function (r) { return p.holders.has(r.id); } }));
      });
    });
    return merge(lists);
  }

  function setUp() {
    var data = window.KB_SEARCH_INDEX;
    state.data = data;
    state.stops = new Set(data.stopWords);
    state.stem = window.snowballFactory.newStemmer("english");
    state.known = new Set(data.index.index.map(function (entry) { return entry[0]; })); // the index's terms
    state.stemOf = new Map(); // each word of the text as the server stemmed it (the rare word Whoosh stems apart too)
    Object.keys(data.vocabulary).forEach(function (stem) { data.vocabulary[stem].forEach(function (word) { state.stemOf.set(word, stem); }); });
    state.acronyms = buildAcronyms(data.glossary, data.acronymRules);
    state.engine = window.MiniSearch.loadJS(data.index, {
      fields: data.fields,
      tokenize: function (s) { return [s]; },
      processTerm: function (t) { return t; },
      searchOptions: {
        fields: data.fields,
        boost: data.boosts,
        boostDocument: function (id, t, stored) { return (data.kinds[stored.k] || { boost: 1 }).boost; },
      },
    });
  }

  // Does a search for ``text`` need the phrase pairs (a quoted phrase, or an acronym's expansion)?
  function needsPhrases(text) {
    return variants(text).some(function (v) {
      return Array.from(v.matchAll(/"([^"]*)"/g)).some(function (m) { return terms(m[1]).length > 1; });
    });
  }

  // Everything a search for ``text`` needs, loaded: the index, and the phrase pairs when it has a phrase.
  function prepare(root, text) {
    return ready(root).then(function () { return needsPhrases(text) ? loadScript(root + "search/phrases.js") : null; });
  }

  // The scripts search needs, loaded once (a page other than search.html loads them on first use).
  function ready(root) {
    if (state.engine) { return Promise.resolve(); }
    if (!state.loading) {
      state.loading = ASSET_ORDER.reduce(function (previous, path) {
        return previous.then(function () { return loadScript(root + path); });
      }, Promise.resolve()).then(setUp).then(function () { window.KBOfflineSearch.timings.indexed = performance.now(); });
    }
    return state.loading;
  }

  function loadScript(src) {
    var known = { "search/index.js": "KB_SEARCH_INDEX", "search/phrases.js": "KB_SEARCH_PHRASES", "minisearch.js": "MiniSearch", "snowball-stemmers.js": "snowballFactory" };
    var name = Object.keys(known).filter(function (end) { return src.slice(-end.length) === end; })[0];
    if (name && window[known[name]]) { return Promise.resolve(); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  // --- snippets -------------------------------------------------------------------------------

  // Nodes for ``text`` around its first matched word, each matched word in <mark>; null when none matches.
  function snippet(text, matched) {
    var words = Array.from(text.matchAll(WORD));
    var first = words.findIndex(function (m) { return matched.has(term(m[0])); });
    if (first < 0) { return null; }
    var start = Math.max(0, first - 8), end = Math.min(words.length, start + SNIPPET_WORDS);
    var from = words[start].index, to = end < words.length ? words[end].index : text.length;
    var nodes = [document.createTextNode(start > 0 ? "… " : "")], at = from;
    words.slice(start, end).forEach(function (m) {
      if (!matched.has(term(m[0]))) { return; }
      nodes.push(document.createTextNode(text.slice(at, m.index)));
      var mark = document.createElement("mark");
      mark.textContent = m[0];
      nodes.push(mark);
      at = m.index + m[0].length;
    });
    nodes.push(document.createTextNode(text.slice(at, to).trimEnd() + (end < words.length ? " …" : "")));
    return nodes;
  }

  function describe(result) {
    var matched = new Set(result.terms);
    return snippet(result.x || "", matched) || snippet(result.s || "", matched) || [document.createTextNode(result.s || "")];
  }

  window.KBOfflineSearch = { ready: ready, prepare: prepare, search: search, terms: terms, variants: variants, describe: describe, state: state, timings: null };
})();

// The results page (search.html?q=...&type=...&area=...) and the search box's suggestions.
(function () {
  "use strict";

  var engine = window.KBOfflineSearch;
  if (engine.timings) { return; } // the header's copy of this script ran already
  engine.timings = {}; // ms since the page was opened: index ready ("indexed"), first results shown ("firstResult")
  var SHOWN = 50;
  var SUGGESTED = 8;

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function labelOf(facet, value) {
    var data = engine.state.data;
    return facet === "type" ? (data.kinds[value] || { plural: value }).plural : data.areas[value] || value;
  }

  function valuesOf(result, facet) { return facet === "type" ? [result.k] : result.a; }

  function pageUrl(root, q, chosen) {
    var params = new URLSearchParams({ q: q });
    Object.keys(chosen).forEach(function (facet) { if (chosen[facet]) { params.set(facet, chosen[facet]); } });
    return root + "search.html?" + params.toString();
  }

  // Counts of each facet's values among the results the other facet's choice leaves.
  function facetList(list, facet, all, chosen, root, q) {
    var counts = {};
    all.filter(function (r) { return Object.keys(chosen).every(function (f) { return f === facet || !chosen[f] || valuesOf(r, f).indexOf(chosen[f]) >= 0; }); })
      .forEach(function (r) { valuesOf(r, facet).forEach(function (v) { counts[v] = (counts[v] || 0) + 1; }); });
    list.replaceChildren();
    Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a] || a.localeCompare(b); }).forEach(function (value) {
      var current = chosen[facet] === value;
      var next = Object.assign({}, chosen);
      next[facet] = current ? "" : value;
      var link = element("a", { class: "usa-link", href: pageUrl(root, q, next) }, labelOf(facet, value) + " (" + counts[value] + ")");
      if (current) {
        link.setAttribute("aria-current", "true");
        link.appendChild(element("span", { class: "usa-sr-only" }, ", selected, remove filter"));
      }
      list.appendChild(element("li")).appendChild(link);
    });
    list.closest("[data-facet]").hidden = !list.children.length;
  }

  function item(result, root) {
    var li = element("li", { class: "usa-collection__item" });
    var body = li.appendChild(element("div", { class: "usa-collection__body" }));
    body.appendChild(element("h3", { class: "usa-collection__heading" })).appendChild(element("a", { class: "usa-link", href: root + result.u }, result.t));
    var description = body.appendChild(element("p", { class: "usa-collection__description kb-snippet" }));
    description.append.apply(description, engine.describe(result));
    var meta = body.appendChild(element("ul", { class: "usa-collection__meta", "aria-label": "More information" }));
    meta.appendChild(element("li", { class: "usa-collection__meta-item" }, (engine.state.data.kinds[result.k] || { label: result.k }).label));
    result.a.forEach(function (area) { meta.appendChild(element("li", { class: "usa-collection__meta-item usa-tag" }, labelOf("area", area))); });
    return li;
  }

  function show(page, q, chosen) {
    var root = page.dataset.root;
    var all = engine.search(q, false);
    var shown = all.filter(function (r) { return Object.keys(chosen).every(function (f) { return !chosen[f] || valuesOf(r, f).indexOf(chosen[f]) >= 0; }); });
    ["type", "area"].forEach(function (facet) { facetList(page.querySelector("[data-facet=" + facet + "] ul"), facet, all, chosen, root, q); });
    var list = page.querySelector(".kb-results");
    list.replaceChildren.apply(list, shown.slice(0, SHOWN).map(function (r) { return item(r, root); }));
    var count = shown.length.toLocaleString("en-US") + (shown.length === 1 ? " result" : " results") + " for “" + q + "”";
    var filters = Object.keys(chosen).filter(function (f) { return chosen[f]; }).map(function (f) { return labelOf(f, chosen[f]); });
    page.querySelector("[data-count]").textContent = count + (filters.length ? " in " + filters.join(", ") : "") + (shown.length > SHOWN ? ", the first " + SHOWN + " shown" : "");
    engine.timings.firstResult = performance.now();
  }

  function resultsPage(page) {
    var params = new URLSearchParams(window.location.search);
    var q = (params.get("q") || "").split(/\s+/).filter(Boolean).join(" ").slice(0, 500);
    var chosen = { type: params.get("type") || "", area: params.get("area") || "" };
    var status = page.querySelector("[data-count]");
    page.querySelectorAll("input[name=q]").forEach(function (input) { input.value = q; });
    if (!q) { status.textContent = "Type a word, an acronym (like LOA) or a phrase in quotes."; return; }
    status.textContent = "Searching…";
    engine.prepare(page.dataset.root, q).then(function () { show(page, q, chosen); }, function () {
      status.textContent = "Search is not available: this copy's search files are missing.";
    });
  }

  // --- suggestions as you type: an ARIA combobox, as static/js/kb.js on the site ---------------

  function suggestBox(input) {
    var form = input.form, root = form.dataset.root;
    var list = element("ul", { id: input.id + "-listbox", class: "kb-suggest__list", role: "listbox", "aria-label": "Suggestions" });
    var status = element("div", { class: "usa-sr-only", role: "status", "aria-live": "polite" });
    var items = [], active = -1, timer = null;
    list.hidden = true;
    ["combobox", "list", "false", list.id].forEach(function (value, n) { input.setAttribute(["role", "aria-autocomplete", "aria-expanded", "aria-controls"][n], value); });
    form.classList.add("kb-suggest-host");
    form.append(list, status);

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (option, n) { option.setAttribute("aria-selected", n === index ? "true" : "false"); });
      if (index >= 0) { input.setAttribute("aria-activedescendant", list.children[index].id); } else { input.removeAttribute("aria-activedescendant"); }
    }

    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); highlight(-1); }

    function fill(found) {
      items = found;
      list.replaceChildren.apply(list, items.map(function (r, n) {
        var option = element("li", { id: list.id + "-" + n, class: "kb-suggest__option", role: "option", "aria-selected": "false" }, r.t);
        option.appendChild(element("span", { class: "kb-suggest__type" }, " " + (engine.state.data.kinds[r.k] || { label: r.k }).label));
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { window.location.assign(root + r.u); });
        return option;
      }));
      highlight(-1);
      status.textContent = items.length ? items.length + (items.length === 1 ? " suggestion" : " suggestions") + ", use the up and down arrow keys" : "";
      list.hidden = !items.length;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }

    function suggest() {
      var text = input.value.trim();
      if (text.length < 2) { fill([]); return; }
      engine.prepare(root, text).then(function () {
        if (input.value.trim() === text && document.activeElement === input) { fill(engine.search(text, true).slice(0, SUGGESTED)); }
      }, function () { fill([]); });
    }

    input.addEventListener("focus", function () { engine.ready(root).catch(function () {}); });
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(suggest, 100); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        var step = event.key === "ArrowDown" ? 1 : -1;
        if (items.length) { highlight((active + step + items.length + (active < 0 && step < 0 ? 1 : 0)) % items.length); }
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        window.location.assign(root + items[active].u);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  // Scripts are deferred (or at the end of the page): by DOMContentLoaded every one of them has run.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.kb-offline-search input[name=q]").forEach(suggestBox);
    document.querySelectorAll("[data-offline-results]").forEach(resultsPage);
  });
})();
