import { describe, expect, it } from 'vitest';
import { agentSocketProtocols, agentSocketUrl } from '../src/client/client.js';
import { formatAge, initials, visitorName } from '../src/lib/format.js';

describe('format', () => {
  it('names visitors by name, else "Visitor" and the first 6 characters of the id', () => {
    const v = { id: 'abcdef123456', name: null, email: null, verified: false, attributes: {} };
    expect(visitorName(v)).toBe('Visitor abcdef');
    expect(visitorName({ ...v, name: '  ' })).toBe('Visitor abcdef');
    expect(visitorName({ ...v, name: 'Jane Doe' })).toBe('Jane Doe');
  });

  it('makes initials and compact ages', () => {
    expect(initials('Jane van Doe')).toBe('JD');
    expect(initials('Visitor abcdef')).toBe('VA');
    expect(formatAge(0, 10_000)).toBe('now');
    expect(formatAge(0, 5 * 60_000)).toBe('5m');
    expect(formatAge(0, 3 * 3_600_000)).toBe('3h');
  });

  it('builds the socket URL on the page’s origin with ws: or wss:, the token outside it', () => {
    expect(agentSocketUrl({ protocol: 'http:', host: 'localhost:8080' })).toBe(
      'ws://localhost:8080/ws/agent',
    );
    expect(agentSocketUrl({ protocol: 'https:', host: 'support.example.com' })).toBe(
      'wss://support.example.com/ws/agent',
    );
    expect(agentSocketProtocols('t.k.n')).toEqual(['switchboard', 't.k.n']);
  });
});
