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
// The commitment form: the error summary takes the focus (autofocus may be
// ignored after a POST), and the deadline's star follows the category (品行
// categories need no deadline: data-conduct, the server's rule).
(function () {
  var sum = document.getElementById("error-summary");
  if (sum && document.activeElement !== sum) { sum.focus(); }
  // An added item: the page opens at it (#item-N); its first field takes the
  // focus (autofocus is not run when the address names a fragment).
  var first = !sum && document.querySelector("[data-focus]");
  if (first) {
    // After the browser has scrolled to the fragment (which resets the focus).
    window.addEventListener("load", function () { first.focus({ preventScroll: true }); });
  }
  document.addEventListener("change", function (e) {
    var sel = e.target;
    if (!sel.name || !/^items\.\d+\.category$/.test(sel.name)) { return; }
    var box = sel.closest("fieldset");
    var dl = box && box.querySelector(".field.deadline");
    if (!dl) { return; }
    var opt = sel.options[sel.selectedIndex];
    var optional = !!(opt && opt.getAttribute("data-conduct"));
    dl.classList.toggle("optional", optional);
    var input = dl.querySelector("input");
    if (optional) { input.removeAttribute("aria-required"); } else { input.setAttribute("aria-required", "true"); }
  });
})();
// The main menu: on a desk whose browser cannot show a closed <details>'s
// items (no ::details-content), open it; Escape closes the phone's panel.
(function () {
  var menu = document.querySelector("details.menu");
  if (!menu) { return; }
  var desk = window.matchMedia && window.matchMedia("(min-width: 720px)").matches;
  var shows = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");
  if (desk && !shows) { menu.open = true; }
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && menu.open && !desk) { menu.open = false; menu.querySelector("summary").focus(); }
  });
})();
