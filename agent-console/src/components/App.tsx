import { useStore } from '@nanostores/preact';
import { useEffect } from 'preact/hooks';
import { startClient, stopClient } from '../client/client.js';
import { $session } from '../stores/session.js';
import { Console } from './Console.js';
import { SignIn } from './SignIn.js';

export function App() {
  const session = useStore($session);
  const token = session?.token;

  useEffect(() => {
    const current = $session.get();
    if (!current) return;
    startClient(current);
    return stopClient;
  }, [token]);

  return session ? <Console /> : <SignIn />;
}
