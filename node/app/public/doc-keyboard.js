// The document number's keyboard follows the document kind: a DNI is eight
// digits (the phone's number pad), a carné de extranjería or a local id has
// letters too (the full keyboard). Without this script the server's choice
// for the kind shown when the page was drawn stays, and any text is accepted.
(function () {
  var kind = document.getElementById('f-docKind');
  var number = document.querySelector('[data-numeric-when]');
  if (!kind || !number) return;
  function follow() {
    if (kind.value === number.getAttribute('data-numeric-when')) {
      number.setAttribute('inputmode', 'numeric');
      number.setAttribute('pattern', '[0-9]*');
    } else {
      number.removeAttribute('inputmode');
      number.removeAttribute('pattern');
    }
  }
  kind.addEventListener('change', follow);
  follow();
})();
