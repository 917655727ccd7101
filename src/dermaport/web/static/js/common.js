// Shared by the pages' scripts: the CSRF token of the page's forms, for requests sent by script.
"use strict";
window.dermaport = {
  csrf: function () {
    var input = document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }
};
