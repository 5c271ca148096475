import { describe, expect, it } from 'vitest';
import type { ApiProactiveRule } from '../src/lib/proactive.js';
import { EMPTY_FORM, formOf, inputOf, SECONDS_ERROR, triggerText } from '../src/lib/proactive.js';

const rule = (over: Partial<ApiProactiveRule>): ApiProactiveRule => ({
  id: 'pr_1',
  name: 'Pricing help',
  text: 'Questions about plans?',
  department: null,
  trigger: 'page',
  urlPattern: '/pricing*',
  seconds: 30,
  attribute: null,
  value: null,
  enabled: true,
  createdAt: 1,
  ...over,
});

describe('triggerText', () => {
  it('says each trigger in words', () => {
    expect(triggerText(rule({}))).toBe('On /pricing* after 30 s');
    expect(triggerText(rule({ trigger: 'returning', urlPattern: null, seconds: 10 }))).toBe(
      'Returning visitors after 10 s',
    );
    expect(
      triggerText(
        rule({ trigger: 'attribute', urlPattern: null, attribute: 'plan', value: 'pro', seconds: 0 }),
      ),
    ).toBe('Users with plan = pro after 0 s');
  });
});

describe('inputOf', () => {
  it('round-trips a rule through the form', () => {
    const { id: _id, createdAt: _at, ...body } = rule({ department: 'Sales' });
    expect(inputOf(formOf(rule({ department: 'Sales' })))).toEqual(body);
  });

  it('clears the fields of the other triggers, so changing the trigger leaves nothing behind', () => {
    const form = { ...formOf(rule({})), trigger: 'attribute' as const, attribute: ' plan ', value: 'pro' };
    expect(inputOf(form)).toMatchObject({ urlPattern: null, attribute: 'plan', value: 'pro' });
    expect(inputOf({ ...form, trigger: 'returning' })).toMatchObject({
      urlPattern: null,
      attribute: null,
      value: null,
    });
  });

  it('leaves empty fields for the server to name (a page rule without a pattern is sent as null)', () => {
    expect(inputOf(EMPTY_FORM)).toMatchObject({ name: '', text: '', urlPattern: null, seconds: 30 });
  });

  it.each(['', ' ', '1.5', '-1', '3601', 'abc'])('refuses seconds %j before asking', (seconds) => {
    expect(inputOf({ ...EMPTY_FORM, seconds })).toEqual({ error: SECONDS_ERROR });
  });

  it.each([
    ['0', 0],
    ['3600', 3600],
    [' 45 ', 45],
  ])('takes seconds %j as %d', (seconds, n) => {
    expect(inputOf({ ...EMPTY_FORM, seconds })).toMatchObject({ seconds: n });
  });
});
