// The copy buttons, the one part of the page that needs a script: hidden until it runs.
document.querySelectorAll("button.copy").forEach(function (button) {
  var code = button.closest(".cmd").querySelector("pre code");
  var said = function (word) {
    button.textContent = word;
    setTimeout(function () { button.textContent = "Copy"; }, 1600);
  };
  // Without the clipboard API (an older browser, a page the browser distrusts), the command
  // is selected so that the reader's own copy takes it whole.
  var select = function () {
    var range = document.createRange();
    range.selectNodeContents(code);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
    said(copied ? "Copied" : "Selected: copy it");
  };
  button.hidden = false;
  button.addEventListener("click", function () {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(code.textContent).then(function () { said("Copied"); }, select);
    } else {
      select();
    }
  });
});
