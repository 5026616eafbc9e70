// Every file input says which file was chosen ("已选择：报表.xlsx（12 KB）"), also where a browser or a
// styled page shows nothing, and after the page came back with an error. No library, no network.
(function () {
  "use strict";
  function size(bytes) {
    if (bytes >= 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }
  function label(input) {
    var out = input.nextElementSibling;
    if (!out || !out.classList.contains("file-name")) {
      out = document.createElement("span");
      out.className = "file-name";
      out.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", out);
    }
    var files = input.files ? Array.prototype.slice.call(input.files) : [];
    out.textContent = files.length
      ? "已选择：" + files.map(function (f) { return f.name + "（" + size(f.size) + "）"; }).join("、")
      : "未选择文件";
  }
  function init() {
    var inputs = document.querySelectorAll('input[type="file"]');
    for (var i = 0; i < inputs.length; i++) label(inputs[i]);
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.tagName === "INPUT" && input.type === "file") label(input);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
