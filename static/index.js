// Display index: copy an overlay address to the clipboard.
(function () {
  "use strict";
  function copied(button) {
    button.classList.add("is-done");
    button.textContent = "Copied";
    setTimeout(function () { button.classList.remove("is-done"); button.textContent = "Copy"; }, 1500);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(button); });
      return;
    }
    var input = button.parentNode.querySelector("input");
    input.focus();
    input.select();
    try { document.execCommand("copy"); copied(button); } catch (e) { /* the address stays selected */ }
  });
})();
