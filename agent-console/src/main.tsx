import { render } from 'preact';
import { restoreSession } from './client/refresh.js';
import { App } from './components/App.js';
import { bindAutoAway } from './lib/away.js';
import { bindNotifications } from './lib/notify.js';
import { bindDocumentTitle } from './lib/title.js';
import './styles.css';

const root = document.getElementById('app');
if (!root) throw new Error('index.html must contain <div id="app"></div>');
bindDocumentTitle();
bindNotifications();
bindAutoAway();
render(<App />, root);
void restoreSession();
