import { isEmail } from '../email';
import type { UiContext } from '../widget';
import { useState } from './hooks';

/** Optional pre-chat form (`data-prechat`): answers go to the agent as the visitor's profile. */
export function Prechat({ ui, onDone }: { ui: UiContext; onDone: () => void }) {
  const { t, config, client } = ui;
  const ask = config.prechat;
  const [name, setName] = useState(config.user?.name ?? '');
  const [email, setEmail] = useState(config.user?.email ?? '');
  const [bad, setBad] = useState<'' | 'name' | 'email'>('');

  return (
    <form
      class="prechat"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const n = name.trim();
        const m = email.trim();
        const problem = ask.name && !n ? 'name' : ask.email && !isEmail(m) ? 'email' : '';
        setBad(problem);
        if (problem) {
          (e.currentTarget.querySelector(`[name=${problem}]`) as HTMLInputElement | null)?.focus();
          return;
        }
        client.profile({ ...(n && { name: n }), ...(m && { email: m }) });
        if (m) ui.kv.set('email', m);
        client.start();
        onDone();
      }}
    >
      <p class="intro">{t.prechat}</p>
      {ask.name && (
        <label class="field">
          <span>{t.name}</span>
          <input
            class="input"
            name="name"
            autocomplete="name"
            maxLength={200}
            value={name}
            aria-invalid={bad === 'name'}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
      )}
      {ask.email && (
        <label class="field">
          <span>{t.email}</span>
          <input
            class="input"
            name="email"
            type="email"
            autocomplete="email"
            maxLength={320}
            value={email}
            aria-invalid={bad === 'email'}
            aria-describedby={bad === 'email' ? 'sb-email-error' : undefined}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
      )}
      {bad === 'email' && (
        <p id="sb-email-error" class="error" role="alert">
          {t.badEmail}
        </p>
      )}
      <button type="submit" class="primary">
        {t.startChat}
      </button>
    </form>
  );
}
