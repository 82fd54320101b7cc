// The article editor (templates/editing/edit.html). Progressive enhancement: without JavaScript
// the form works as it is (Preview and Save are submit buttons). With it: a toolbar that only
// inserts Markdown into the text, and a preview that follows the typing (debounced), rendered
// by the server (the same renderer and sanitizer as the page) from a POST with the CSRF token.
(function () {
  "use strict";

  var DELAY_MS = 600;
  var TOOLS = [
    ["Bold", "**", "**", "bold text"],
    ["Italic", "_", "_", "italic text"],
    ["Heading", "\n## ", "\n", "Heading"],
    ["Link to an article", "[[", "]]", "area/short-name"],
    ["Web link", "[", "](https://)", "link text"],
    ["Bulleted list", "\n- ", "\n", "item"],
    ["Numbered list", "\n1. ", "\n", "step"],
  ];

  function insert(area, before, after, placeholder) {
    var start = area.selectionStart;
    var end = area.selectionEnd;
    var chosen = area.value.slice(start, end) || placeholder;
    area.setRangeText(before + chosen + after, start, end, "end");
    area.setSelectionRange(start + before.length, start + before.length + chosen.length);
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function toolbar(area) {
    var bar = document.createElement("div");
    bar.className = "kb-edit-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Insert Markdown");
    bar.setAttribute("aria-controls", area.id);
    TOOLS.forEach(function (tool) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "usa-button usa-button--unstyled kb-edit-tool";
      button.textContent = tool[0];
      button.addEventListener("click", function () { insert(area, tool[1], tool[2], tool[3]); });
      bar.appendChild(button);
    });
    area.parentNode.insertBefore(bar, area);
  }

  function livePreview(form, target) {  // form.action would be the buttons named "action": read the attribute
    var timer = null;
    var seq = 0;
    function refresh() {
      var mine = ++seq;
      var data = new FormData(form);
      data.set("action", "preview");
      data.delete("media");  // the preview never needs the chosen file
      fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin", headers: { "X-KB-Preview": "1", "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (answer && mine === seq && typeof answer.html === "string") {
            target.innerHTML = answer.html;  // sanitized on the server (kb.render.sanitize)
          }
        })
        .catch(function () { /* the Preview button still works */ });
    }
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, DELAY_MS);
    });
  }

  // Uploads: a file the server would refuse unread (larger than the request limit) is stopped here,
  // so the text is never lost to a "too large" page; a file dropped on the text is put in the file input.
  function sizeProblem(form, input, area) {
    var file = input.files && input.files[0];
    if (!file) { return ""; }
    var maxFile = Number(form.getAttribute("data-max-file"));
    var maxRequest = Number(form.getAttribute("data-max-request"));
    var textBytes = new Blob([area ? area.value : ""]).size;
    if (file.size > maxFile) {
      return file.name + " is " + file.size.toLocaleString() + " bytes; files of at most " + maxFile.toLocaleString() + " bytes are accepted. Choose a smaller file.";
    }
    if (file.size + textBytes > maxRequest) {
      return "The text and " + file.name + " together are too large to send. Save the text first, then upload the file.";
    }
    return "";
  }

  function guardUploads(form, area) {
    var input = form.querySelector("input[type=file][name=media]");
    var message = document.getElementById("edit-media-error");
    if (!input || !message) { return; }
    function show(text) {
      message.textContent = text;
      message.hidden = !text;
      return !text;
    }
    input.addEventListener("change", function () { show(sizeProblem(form, input, area)); });
    form.addEventListener("submit", function (event) {
      if (!show(sizeProblem(form, input, area))) {
        event.preventDefault();
        input.focus();
      }
    });
    if (!area) { return; }
    area.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) { event.preventDefault(); }
    });
    area.addEventListener("drop", function (event) {
      if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
      event.preventDefault();
      input.files = event.dataTransfer.files;  // then "Upload the file" sends it, as when chosen by hand
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  var form = document.querySelector("form.kb-edit-form");
  if (!form) { return; }
  var area = form.querySelector("textarea[name=body]");
  var target = document.getElementById(form.getAttribute("data-preview"));
  if (area) { toolbar(area); }
  if (target) { livePreview(form, target); }
  guardUploads(form, area);
}());
