// 创争: a little progressive enhancement. Every page works without it.
"use strict";
document.addEventListener("submit", function (e) {
  var f = e.target;
  var by = e.submitter;
  var msg = (by && by.getAttribute("data-confirm")) || f.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { e.preventDefault(); return; }
  if (f.id === "import-form" && window.XMLHttpRequest && window.FormData) {
    // Show upload progress for large rosters, then follow the server's redirect.
    e.preventDefault();
    var bar = document.getElementById("upload-progress");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", f.action);
    xhr.upload.onprogress = function (ev) {
      if (ev.lengthComputable) { bar.hidden = false; bar.value = Math.round(ev.loaded * 100 / ev.total); }
    };
    xhr.onload = function () {
      if (xhr.responseURL && xhr.responseURL.indexOf("/import/") > 0 && xhr.status === 200) {
        window.location.href = xhr.responseURL;
      } else {
        document.open(); document.write(xhr.responseText); document.close();
      }
    };
    xhr.onerror = function () { f.submit(); };
    xhr.send(new FormData(f));
    f.querySelector("button").disabled = true;
  } else {
    var b = f.querySelector("button[type=submit], button:not([type])");
    if (b && f.method.toLowerCase() === "post") { setTimeout(function () { b.disabled = true; }, 0); }
  }
});
document.addEventListener("click", function (e) {
  if (e.target.hasAttribute && e.target.hasAttribute("data-print")) { window.print(); }
  // 全选: without JavaScript the link reloads the page with every row ticked;
  // here it ticks (or, when all are ticked, unticks) them in place.
  var all = e.target.closest && e.target.closest("[data-select-all]");
  if (all) {
    var boxes = document.querySelectorAll("input[type=checkbox][name=\"" + all.getAttribute("data-select-all") + "\"]");
    if (boxes.length) {
      e.preventDefault();
      var on = Array.prototype.some.call(boxes, function (b) { return !b.checked; });
      Array.prototype.forEach.call(boxes, function (b) { b.checked = on; });
    }
  }
});
