import type { ApiProactiveRule, ApiProactiveRuleInput, ProactiveTrigger } from './proactive-types.js';

export type { ApiProactiveRule, ApiProactiveRuleInput, ProactiveTrigger };

/** The trigger kinds in the order the dialog offers them, with their names there. */
export const TRIGGERS: ReadonlyArray<{ value: ProactiveTrigger; label: string }> = [
  { value: 'page', label: 'Page and time on page' },
  { value: 'returning', label: 'Returning visitor' },
  { value: 'attribute', label: 'Identified user with an attribute' },
];

/** A rule's trigger in words: "On /pricing* after 30 s", "Returning visitors after 10 s". */
export function triggerText(rule: ApiProactiveRule): string {
  const after = `after ${rule.seconds} s`;
  if (rule.trigger === 'page') return `On ${rule.urlPattern ?? ''} ${after}`;
  if (rule.trigger === 'returning') return `Returning visitors ${after}`;
  return `Users with ${rule.attribute ?? ''} = ${rule.value ?? ''} ${after}`;
}

/** What the dialog edits: text as typed, so a half-typed number is not lost. */
export interface ProactiveForm {
  name: string;
  text: string;
  department: string | null;
  trigger: ProactiveTrigger;
  urlPattern: string;
  seconds: string;
  attribute: string;
  value: string;
  enabled: boolean;
}

export const EMPTY_FORM: ProactiveForm = {
  name: '',
  text: '',
  department: null,
  trigger: 'page',
  urlPattern: '',
  seconds: '30',
  attribute: '',
  value: '',
  enabled: true,
};

export function formOf(rule: ApiProactiveRule): ProactiveForm {
  return {
    name: rule.name,
    text: rule.text,
    department: rule.department,
    trigger: rule.trigger,
    urlPattern: rule.urlPattern ?? '',
    seconds: String(rule.seconds),
    attribute: rule.attribute ?? '',
    value: rule.value ?? '',
    enabled: rule.enabled,
  };
}

export const SECONDS_ERROR = 'Seconds on page: a whole number from 0 to 3600.';

/**
 * The request body for the form, or the one thing the server could not be asked (seconds that
 * are no number). Everything else — empty names, a page rule without a pattern — is left to the
 * server, whose sentence names the field. Fields of the other triggers are sent as null, so an
 * edit that changes the trigger clears them.
 */
export function inputOf(f: ProactiveForm): ApiProactiveRuleInput | { error: string } {
  const text = f.seconds.trim();
  const seconds = Number(text);
  if (text === '' || !Number.isInteger(seconds) || seconds < 0 || seconds > 3600)
    return { error: SECONDS_ERROR };
  const blankToNull = (s: string) => (s.trim() === '' ? null : s.trim());
  return {
    name: f.name.trim(),
    text: f.text.trim(),
    department: f.department,
    trigger: f.trigger,
    urlPattern: f.trigger === 'page' ? blankToNull(f.urlPattern) : null,
    seconds,
    attribute: f.trigger === 'attribute' ? blankToNull(f.attribute) : null,
    value: f.trigger === 'attribute' ? blankToNull(f.value) : null,
    enabled: f.enabled,
  };
}
