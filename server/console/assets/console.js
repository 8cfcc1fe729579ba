// Copy buttons: a button with data-copy="ID" copies the value of the element with that id.
// Without JavaScript the buttons stay hidden; the value can be selected and copied by hand.
document.querySelectorAll("button[data-copy]").forEach(function (b) {
  b.hidden = false;
  b.addEventListener("click", function () {
    var el = document.getElementById(b.getAttribute("data-copy"));
    if (!el) { return; }
    var done = function () {
      var s = document.getElementById(b.getAttribute("data-copy") + "-status");
      if (s) { s.textContent = "Copied"; }
    };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(el.value).then(done, function () { el.select(); });
    } else {
      el.select();
      document.execCommand("copy");
      done();
    }
  });
});
