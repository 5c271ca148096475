import type { ComponentChildren } from 'preact';
import { Logo } from './Logo.js';

/** The centred card of the pages before the console: sign-in, setup, invitation. */
export function AuthCard({ wide = false, children }: { wide?: boolean; children: ComponentChildren }) {
  return (
    <main class="signin">
      <div class={`signin-card${wide ? ' signin-card-wide' : ''}`}>
        <div class="signin-brand">
          <Logo />
          <span>Switchboard</span>
        </div>
        {children}
      </div>
    </main>
  );
}
