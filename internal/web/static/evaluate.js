// The ballot's sticky progress: how many rows have an answer.
(function () {
  var form = document.getElementById('ballot');
  if (!form) return;
  var rows = form.querySelectorAll('[data-rate]');
  var done = form.querySelector('[data-done]'), total = form.querySelector('[data-total]');
  function update() {
    var n = 0;
    rows.forEach(function (r) { if (r.querySelector('input:checked')) n++; });
    done.textContent = n;
    total.textContent = rows.length;
  }
  form.addEventListener('change', update);
  update();
})();
