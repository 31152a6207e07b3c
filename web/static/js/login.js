/*
 * 登录 (the login page): the username and secret go to POST /api/v1/auth/session, which answers with an
 * HttpOnly session cookie (no script can read it); then the page the person came from opens.
 */
(function () {
  'use strict';
  var B = window.Blueprint;
  var form = document.getElementById('login-form');
  var message = document.getElementById('login-message');

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    message.textContent = '';
    var username = form.elements.username.value.trim();
    var secret = form.elements.secret.value;
    if (!username || !secret) { message.textContent = B.t('login.fill_both'); return; }
    document.getElementById('login-submit').disabled = true;
    B.session.login(username, secret).then(function () {
      window.location.assign(B.config.next);
    }, function (error) {
      message.textContent = error.status === 401 ? B.t('login.failed') : B.problemText(error);
      form.elements.secret.value = '';
      document.getElementById('login-submit').disabled = false;
    });
  });
})();
