import { ErrorCode } from '@switchboard/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { followTeam } from '../src/client/admin.js';
import { adminApi, adminErrorText, meApi, proactiveApi } from '../src/client/admin-api.js';
import { ApiError } from '../src/client/api.js';
import { $adminAgents } from '../src/stores/admin.js';
import { upsertAgent } from '../src/stores/agents.js';
import { resetStores } from '../src/stores/index.js';
import { $session, $signOutReason, clearSession, SESSION_ENDED, setSession } from '../src/stores/session.js';
import { admin, ana } from './fixtures.js';

function answer(status: number, body: unknown): void {
  vi.stubGlobal(
    'fetch',
    vi.fn(
      async () =>
        new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
    ),
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  resetStores();
  clearSession();
});

describe('admin REST', () => {
  it('sends the token, and a bodiless POST without a JSON content type', async () => {
    setSession({ token: 'tok', agent: admin, sites: [] });
    answer(200, { site: 'demo', secret: 's', previousSecretUntil: null });
    await adminApi.rotateSecret('demo');
    const [url, init] = vi.mocked(fetch).mock.calls[0] ?? [];
    expect(url).toBe('/api/admin/sites/demo/secret');
    expect(init?.headers).toEqual({ authorization: 'Bearer tok' });
  });

  it('a 401 means the server ended the session: back to sign-in, saying why', async () => {
    setSession({ token: 'tok', agent: admin, sites: [] });
    answer(401, { code: ErrorCode.Unauthorized, message: 'token revoked', statusCode: 401 });
    await expect(adminApi.agents('demo')).rejects.toBeInstanceOf(ApiError);
    expect($session.get()).toBeNull();
    expect($signOutReason.get()).toBe(SESSION_ENDED);
  });

  it('a wrong current password is a refusal, not the end of the session', async () => {
    setSession({ token: 'tok', agent: ana, sites: [] });
    answer(401, { code: ErrorCode.BadCredentials, message: 'wrong password', statusCode: 401 });
    await expect(meApi.changePassword({ oldPassword: 'x', newPassword: 'yyyyyyyy' })).rejects.toBeInstanceOf(
      ApiError,
    );
    expect($session.get()?.token).toBe('tok');
  });

  it('a 400 shows the server sentence that names the field', async () => {
    setSession({ token: 'tok', agent: admin, sites: [] });
    answer(400, { code: ErrorCode.Validation, message: 'unknown field "bussinessHours"', statusCode: 400 });
    const error = await adminApi.patchSite('demo', { title: 'x' }).catch((e: unknown) => e);
    expect(adminErrorText(error)).toBe('unknown field "bussinessHours"');
  });
});

describe('proactive messages REST', () => {
  it('lists, creates, patches and deletes under /api/v1/sites/:site/proactive-messages', async () => {
    setSession({ token: 'tok', agent: admin, sites: [] });
    answer(200, []);
    const body = {
      name: 'n',
      text: 't',
      department: null,
      trigger: 'returning' as const,
      urlPattern: null,
      seconds: 10,
      attribute: null,
      value: null,
      enabled: true,
    };
    await proactiveApi.list('demo');
    await proactiveApi.create('demo', body);
    await proactiveApi.update('demo', 'pr/1', { enabled: false });
    await proactiveApi.remove('demo', 'pr/1');
    const calls = vi.mocked(fetch).mock.calls.map(([url, init]) => [init?.method, url, init?.body]);
    expect(calls).toEqual([
      ['GET', '/api/v1/sites/demo/proactive-messages', undefined],
      ['POST', '/api/v1/sites/demo/proactive-messages', JSON.stringify(body)],
      ['PATCH', '/api/v1/sites/demo/proactive-messages/pr%2F1', '{"enabled":false}'],
      ['DELETE', '/api/v1/sites/demo/proactive-messages/pr%2F1', undefined],
    ]);
  });
});

describe('Settings › Agents follows the team', () => {
  it('reloads when an invited agent comes online, not on a known active one', async () => {
    setSession({ token: 'tok', agent: admin, sites: [] });
    const row = { email: 'x', name: 'x', role: 'agent' as const, departments: [], maxChats: null };
    $adminAgents.set([
      { ...row, id: ana.id, active: true, invited: false },
      { ...row, id: 'ag-new', active: true, invited: true },
    ]);
    answer(200, []);
    const stop = followTeam();
    upsertAgent(ana);
    expect(fetch).not.toHaveBeenCalled();
    upsertAgent({ ...ana, id: 'ag-new', name: 'New' });
    expect(vi.mocked(fetch).mock.calls.map((c) => c[0])).toEqual([`/api/admin/sites/${admin.siteId}/agents`]);
    stop();
  });
});
