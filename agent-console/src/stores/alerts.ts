import { atom } from 'nanostores';
import { readJson, writeJson } from '../lib/storage.js';

/** How the console gets the agent's attention; kept per browser (Profile › Alerts). */
export interface AlertSettings {
  /** A short tone for a new conversation or message. */
  sound: boolean;
  /** A system notification (when the browser allows it). */
  desktop: boolean;
  /** Minutes without activity after which an online agent shows as away; 0 = never. */
  awayAfterMin: number;
}

const KEY = 'switchboard.console.alerts';
export const DEFAULT_ALERTS: AlertSettings = { sound: true, desktop: true, awayAfterMin: 10 };

function restore(): AlertSettings {
  const kept = readJson<Partial<AlertSettings>>(KEY) ?? {};
  return {
    sound: typeof kept.sound === 'boolean' ? kept.sound : DEFAULT_ALERTS.sound,
    desktop: typeof kept.desktop === 'boolean' ? kept.desktop : DEFAULT_ALERTS.desktop,
    awayAfterMin:
      typeof kept.awayAfterMin === 'number' && kept.awayAfterMin >= 0 && kept.awayAfterMin <= 240
        ? kept.awayAfterMin
        : DEFAULT_ALERTS.awayAfterMin,
  };
}

export const $alerts = atom<AlertSettings>(restore());
$alerts.listen((a) => writeJson(KEY, a));

export function setAlerts(patch: Partial<AlertSettings>): void {
  $alerts.set({ ...$alerts.get(), ...patch });
}
