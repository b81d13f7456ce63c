/* Adding a mandate: only the body list matching the chosen role stays visible; without this script every list shows. */
(function () {
  var form = document.getElementById("mandate-form");
  var map = JSON.parse(form.dataset.roleBody);
  var role = form.querySelector("select[name=role]");
  function sync() {
    form.querySelectorAll("[data-body-kind]").forEach(function (el) {
      el.hidden = el.dataset.bodyKind !== map[role.value];
    });
  }
  role.addEventListener("change", sync);
  sync();
})();
