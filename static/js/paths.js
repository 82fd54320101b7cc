// Marking onboarding steps done without a reload. Progressive enhancement: without JavaScript
// each step's form posts and the page comes back with the new mark.
(function () {
  "use strict";
  function update(form, result) {
    var item = form.closest(".kb-step");
    var button = form.querySelector("button");
    form.querySelector("input[name=done]").value = result.done ? "0" : "1";
    button.textContent = result.done ? button.dataset.labelDone : button.dataset.labelTodo;
    button.classList.toggle("usa-button--outline", result.done);
    item.classList.toggle("kb-step--done", result.done);
    item.querySelector(".kb-step__done-mark").hidden = !result.done;
    document.querySelectorAll('[data-progress-for="' + result.path + '"]').forEach(function (box) {
      box.querySelector(".kb-progress__count").textContent = result.count;
      var percent = box.querySelector(".kb-progress__percent");
      if (percent) { percent.textContent = result.percent; }
      box.querySelectorAll(".usa-step-indicator__segment").forEach(function (segment) {
        if (segment.dataset.step === result.slug) {
          segment.classList.toggle("usa-step-indicator__segment--complete", result.done);
          segment.classList.remove("usa-step-indicator__segment--current");
        }
      });
    });
  }
  document.querySelectorAll("form.kb-step-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (result) { update(form, result); })
        .catch(function () { form.submit(); });  // let the server answer (sign-in page, error page)
    });
  });
})();
