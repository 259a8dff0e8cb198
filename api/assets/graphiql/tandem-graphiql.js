// Tandem's GraphiQL: the sign-in panel above GraphiQL and the fetcher that
// sends the session's credential. The credential (an access token from
// signing in, or a pasted API token) lives in sessionStorage: it is gone
// when the tab closes, and it is sent only to this server's /graphql.
(function () {
  'use strict';
  var KEY = 'tandem.graphiql.token';
  var ENDPOINT = document.body.getAttribute('data-endpoint') || '/graphql';
  var $ = function (id) { return document.getElementById(id); };

  function token() { return sessionStorage.getItem(KEY); }

  function show(message) {
    $('tandem-status').textContent = message;
    var signedIn = Boolean(token());
    $('tandem-signin-form').hidden = signedIn;
    $('tandem-signout').hidden = !signedIn;
  }

  function post(body) {
    var headers = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json;q=0.9'
    };
    var t = token();
    if (t) headers.authorization = 'Bearer ' + t;
    return fetch(ENDPOINT, { method: 'POST', headers: headers, body: JSON.stringify(body) })
      .then(function (res) { return res.json(); });
  }

  function whoami() {
    return post({ query: '{ me { email role } }' }).then(function (body) {
      if (body.data && body.data.me) {
        show('Signed in as ' + body.data.me.email + ' (' + body.data.me.role + ')');
      } else {
        sessionStorage.removeItem(KEY);
        show('That credential was refused: ' + ((body.errors && body.errors[0].message) || 'unknown error'));
      }
    });
  }

  $('tandem-signin-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var pasted = $('tandem-token').value.trim();
    if (pasted) {
      sessionStorage.setItem(KEY, pasted);
      $('tandem-token').value = '';
      whoami();
      return;
    }
    var input = { email: $('tandem-email').value, password: $('tandem-password').value };
    post({
      query: 'mutation($input: LoginInput!) { login(input: $input) { accessToken userErrors { message code } } }',
      variables: { input: input }
    }).then(function (body) {
      var login = body.data && body.data.login;
      if (login && login.accessToken) {
        sessionStorage.setItem(KEY, login.accessToken);
        $('tandem-password').value = '';
        whoami();
      } else {
        var errors = (login && login.userErrors) || body.errors || [];
        show('Not signed in: ' + (errors.length ? errors[0].message : 'unknown error'));
      }
    }, function (err) { show('Not signed in: ' + err); });
  });

  $('tandem-signout').addEventListener('click', function () {
    sessionStorage.removeItem(KEY);
    show('Signed out. Sign in, or paste an API token.');
  });

  if (token()) { whoami(); } else { show('Not signed in: sign in, or paste an API token.'); }

  var fetcher = function (params) { return post(params); };
  ReactDOM.createRoot($('graphiql')).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true })
  );
})();
