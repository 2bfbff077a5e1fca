// The console's progressive enhancements: every page works without this file.
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  if (!field) return;
  field.select();
  const done = () => { button.textContent = "Copied"; };
  if (navigator.clipboard) {
    navigator.clipboard.writeText(field.value).then(done, () => document.execCommand("copy") && done());
  } else if (document.execCommand("copy")) {
    done();
  }
});

// A destructive form asks first; without scripts it submits as it is.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// The rule editor shows the parameters of the kind chosen (all of them without scripts).
function showParameters(rule) {
  const kind = rule.querySelector("[data-kind-select]").value;
  rule.querySelectorAll("[data-for-kinds]").forEach((group) => {
    group.hidden = !group.dataset.forKinds.split(" ").includes(kind);
  });
}
document.querySelectorAll("[data-rule]").forEach(showParameters);
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-kind-select]")) showParameters(event.target.closest("[data-rule]"));
});

// A link the page exists to follow (the test sign-in's way to the identity provider).
const follow = document.querySelector("a[data-follow]");
if (follow) window.location.assign(follow.href);
