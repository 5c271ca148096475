import { useStore } from '@nanostores/preact';
import { useEffect, useState } from 'preact/hooks';
import { setupStatus } from '../client/admin-api.js';
import { startClient, stopClient } from '../client/client.js';
import { $entry } from '../stores/entry.js';
import { bindRoute } from '../stores/route.js';
import { $session } from '../stores/session.js';
import { Console } from './Console.js';
import { InvitePage } from './InvitePage.js';
import { ResetPage } from './ResetPage.js';
import { SetupLinkMissing, SetupPage } from './SetupPage.js';
import { SignIn } from './SignIn.js';

export function App() {
  const session = useStore($session);
  const entry = useStore($entry);
  const token = session?.token;

  useEffect(() => {
    const current = $session.get();
    if (!current) return;
    startClient(current);
    return stopClient;
  }, [token]);

  useEffect(bindRoute, []);

  if (entry.kind === 'setup') return <SetupPage token={entry.token} />;
  if (entry.kind === 'invite') return <InvitePage token={entry.token} />;
  if (entry.kind === 'reset') return <ResetPage token={entry.token} />;
  return session ? <Console /> : <SignInOrSetup />;
}

/** Signed out: the sign-in page, unless the server has no site yet (then where the setup link is). */
function SignInOrSetup() {
  const [needed, setNeeded] = useState<boolean | null>(null);
  useEffect(() => {
    setupStatus(null).then(
      (status) => setNeeded(status.needed),
      () => setNeeded(false), // an older server without setup: just sign in
    );
  }, []);
  if (needed === null) return <div class="signin" />;
  return needed ? <SetupLinkMissing /> : <SignIn />;
}
