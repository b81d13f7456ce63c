/* Shows only the fields of the chosen kind; without this script every field stays visible and the server ignores the others. */
(function () {
  var form = document.getElementById("meeting-form");
  var kind = form.querySelector("#kind");
  var title = form.querySelector("#title");
  var sector = form.querySelector("#sector");
  var year = form.querySelector("#year");
  var prefix = "Rendez-vous de Territoire de ";
  function sync() {
    form.querySelectorAll("[data-kinds]").forEach(function (block) {
      block.hidden = block.dataset.kinds.split(" ").indexOf(kind.value) < 0;
    });
  }
  function proposeTitle() {
    if (kind.value !== "rendez_vous" || !sector.value) { return; }
    if (title.value && title.value.indexOf(prefix) !== 0) { return; }
    var town = sector.options[sector.selectedIndex].text;
    title.value = prefix + town + (year.value ? " " + year.value : "");
  }
  kind.addEventListener("change", function () { sync(); proposeTitle(); });
  sector.addEventListener("change", proposeTitle);
  year.addEventListener("input", proposeTitle);
  sync();
})();
