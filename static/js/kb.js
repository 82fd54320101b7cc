// Search-as-you-type: fills each search box's <datalist> from the suggest API (its URL is on the input).
// Progressive enhancement: without JavaScript the search form works the same, without suggestions.
(function () {
  "use strict";
  document.querySelectorAll("input.kb-suggest").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = input.value.trim();
        if (text.length < 2 || text === last) { return; }
        last = text;
        fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (items) {
            list.replaceChildren.apply(list, items.map(function (item) {
              var option = document.createElement("option");
              option.value = item.title;
              option.label = item.type;
              return option;
            }));
          })
          .catch(function () { /* suggestions are optional */ });
      }, 150);
    });
  });
})();
