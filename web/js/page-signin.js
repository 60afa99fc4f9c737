// page-signin.js - the sign-in form: POST /v1/sessions {name, password};
// the answer {user, roles, csrf, idle_timeout_s} starts the workspace (the
// cookie is HttpOnly: the page never sees it). A wrong name or password
// is the API's words, shown in the form.
import {call} from './api.js';
import {h, form, message} from './ui.js';

export function render(main, {note, onSignedIn}) {
  const f = form('Sign in', [
    {name: 'name', label: 'User name', required: true},
    {name: 'password', label: 'Password', type: 'password', required: true},
  ], 'Sign in', async (v) => {
    const s = await call('POST', '/v1/sessions', {json: {name: v.name, password: v.password},
                                                   signIn: true});
    onSignedIn(s);
    return `Signed in as ${s.user}.`;
  });
  f.querySelector('input[name=name]').setAttribute('autocomplete', 'username');
  f.querySelector('input[name=password]').setAttribute('autocomplete', 'current-password');
  main.append(h('div', {class: 'signin'}, h('h1', {}, 'tfledger: IGF Trust Fund'),
                note ? message('good', note) : null, f));
  main.dataset.page = 'signin';
  main.dataset.ready = 'signin';
}
