// Refresh the progress bar while messages are waiting; the page works without it.
(function () {
  var bar = document.getElementById("progress");
  if (!bar) return;
  function tick() {
    fetch(bar.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (c) {
      var total = 0; for (var k in c) total += c[k];
      var sent = c.envoye || 0;
      bar.setAttribute("aria-valuenow", sent);
      bar.firstElementChild.style.width = (total ? Math.round(100 * sent / total) : 0) + "%";
      bar.firstElementChild.textContent = sent + " / " + total;
      if ((c.en_attente || 0) + (c.echec_temporaire || 0) > 0) setTimeout(tick, 3000);
    });
  }
  setTimeout(tick, 3000);
})();
