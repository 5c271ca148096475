import { useStore } from '@nanostores/preact';
import { useEffect, useState } from 'preact/hooks';
import { setupStatus } from '../client/admin-api.js';
import { startClient, stopClient } from '../client/client.js';
import { $entry } from '../stores/entry.js';
import { bindRoute } from '../stores/route.js';
import { $restoring, $session } from '../stores/session.js';
import { Console } from './Console.js';
import { InvitePage } from './InvitePage.js';
import { ResetPage } from './ResetPage.js';
import { SetupLinkMissing, SetupPage } from './SetupPage.js';
import { SignIn } from './SignIn.js';

export function App() {
  const session = useStore($session);
  const restoring = useStore($restoring);
  const entry = useStore($entry);
  // A new sign-in restarts the socket; a renewed token does not (the socket offers it next time).
  const epoch = session?.epoch;

  useEffect(() => {
    const current = $session.get();
    if (!current) return;
    startClient(current);
    return stopClient;
  }, [epoch]);

  useEffect(bindRoute, []);

  if (entry.kind === 'setup') return <SetupPage token={entry.token} />;
  if (entry.kind === 'invite') return <InvitePage token={entry.token} />;
  if (entry.kind === 'reset') return <ResetPage token={entry.token} />;
  if (session) return <Console />;
  // Until the refresh cookie has answered, neither the console nor the sign-in page.
  return restoring ? <div class="signin" aria-busy="true" /> : <SignInOrSetup />;
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
