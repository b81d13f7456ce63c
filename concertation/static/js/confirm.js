/* A form with data-confirm asks the browser's confirmation before it is posted (no inline handler: the CSP
   allows no inline script). */
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
