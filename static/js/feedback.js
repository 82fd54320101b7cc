// "Was this page helpful?" in place. Progressive enhancement: without JavaScript, Yes or No opens
// the feedback page (its form, with the comment box) and sending it returns to the article.
(function () {
  "use strict";
  var vote = document.querySelector("form[data-kb-feedback]");
  var answer = document.querySelector("[data-kb-feedback-answer]");
  if (!vote || !answer || !window.fetch || !window.DOMParser) { return; }

  function thank() {
    answer.innerHTML = "";
    var note = document.createElement("p");
    note.className = "kb-feedback__thanks";
    note.setAttribute("role", "status");
    note.textContent = "Thank you for your feedback.";
    answer.appendChild(note);
  }

  function send(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          thank();
        })
        .catch(function () { form.submit(); });  // the server answers (limit, expired form, ...)
    });
  }

  function show(html) {
    var form = new DOMParser().parseFromString(html, "text/html").querySelector("form.kb-feedback__form");
    if (!form) { throw new Error("no form"); }
    form = document.importNode(form, true);
    answer.innerHTML = "";
    answer.appendChild(form);
    vote.hidden = true;
    send(form);
    form.querySelector("textarea").focus();
  }

  vote.addEventListener("submit", function (event) {
    var chosen = event.submitter;
    if (!chosen) { return; }  // an old browser: the feedback page instead
    event.preventDefault();
    var url = vote.action + "?helpful=" + encodeURIComponent(chosen.value);
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(show)
      .catch(function () { window.location.href = url; });
  });
})();
