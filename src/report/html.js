(function () {
  "use strict";
  var steps = function () { return document.querySelectorAll("details.step"); };
  var only = document.getElementById("only-failures");
  only.addEventListener("change", function () {
    document.body.classList.toggle("only-failures", only.checked);
  });
  document.getElementById("expand").addEventListener("click", function () {
    steps().forEach(function (d) { d.open = true; });
  });
  document.getElementById("collapse").addEventListener("click", function () {
    steps().forEach(function (d) { d.open = false; });
  });
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var text = button.parentNode.querySelector("pre").textContent;
      if (navigator.clipboard) {
        navigator.clipboard.writeText(text).then(function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = "Copy"; }, 1500);
        });
      }
    });
  });
  // A link to a step (from the timeline or the list of problems) opens it.
  var openTarget = function () {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS") { target.open = true; }
  };
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
