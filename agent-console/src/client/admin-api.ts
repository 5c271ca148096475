import type {
  AcceptInvitationRequest,
  AdminAgent,
  AdminSite,
  AdminSitePatch,
  AgentInfo,
  AgentPatchRequest,
  ApiAuditPage,
  ApiBlock,
  ApiCanned,
  ApiCannedCreate,
  ApiCannedUpdate,
  ApiKeyCreated,
  ApiKeyInfo,
  ApiReport,
  ApiVisitorDeleted,
  CreateAgentRequest,
  CreateAgentResponse,
  DeliveryInfo,
  InvitationInfo,
  LoginResponse,
  PasswordChangeRequest,
  PasswordResetConfirm,
  PasswordResetRequest,
  ProfilePatchRequest,
  SetupRequest,
  SetupResponse,
  SetupStatus,
  SiteSecretResponse,
  SwitchSiteRequest,
  WebhookCreateRequest,
  WebhookCreateResponse,
  WebhookInfo,
} from '@switchboard/protocol';
import type { ApiProactiveRule, ApiProactiveRuleInput } from '../lib/proactive.js';
import { $session, SESSION_ENDED } from '../stores/session.js';
import { ApiError, request } from './api.js';
import { signOut } from './client.js';
import { withToken } from './refresh.js';

// ------------------------------------------------------------ before sign-in (no token)

export function setupStatus(token: string | null): Promise<SetupStatus> {
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return request<SetupStatus>(`/api/setup${query}`, { method: 'GET' });
}

export function runSetup(body: SetupRequest): Promise<SetupResponse> {
  return request<SetupResponse>('/api/setup', { method: 'POST', body: JSON.stringify(body) });
}

export function getInvitation(token: string): Promise<InvitationInfo> {
  return request<InvitationInfo>(`/api/invitations/${encodeURIComponent(token)}`, { method: 'GET' });
}

export function acceptInvitation(token: string, body: AcceptInvitationRequest): Promise<LoginResponse> {
  return request<LoginResponse>(`/api/invitations/${encodeURIComponent(token)}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
}

/** Mails a reset link to the address, if it has an account (the answer is the same either way). */
export function requestPasswordReset(body: PasswordResetRequest): Promise<{ sent: true }> {
  return request<{ sent: true }>('/api/auth/password-reset', { method: 'POST', body: JSON.stringify(body) });
}

export function resetPassword(token: string, body: PasswordResetConfirm): Promise<LoginResponse> {
  return request<LoginResponse>(`/api/auth/password-reset/${encodeURIComponent(token)}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
}

// ------------------------------------------------------------ signed in

/** A request with the session's token; a 401 means the server ended the session: back to sign-in. */
async function authed<T>(method: string, path: string, body?: unknown): Promise<T> {
  if (!$session.get()) throw new ApiError('SB_ERR_UNAUTHORIZED', SESSION_ENDED, 401);
  return withToken(
    (token) => {
      const init: RequestInit = { method, headers: { authorization: `Bearer ${token}` } };
      if (body !== undefined) init.body = JSON.stringify(body);
      return request<T>(path, init);
    },
    () => signOut(SESSION_ENDED),
  );
}

const sitePath = (site: string) => `/api/admin/sites/${encodeURIComponent(site)}`;

export const adminApi = {
  site: (site: string) => authed<AdminSite>('GET', sitePath(site)),
  patchSite: (site: string, patch: AdminSitePatch) => authed<AdminSite>('PATCH', sitePath(site), patch),
  rotateSecret: (site: string) => authed<SiteSecretResponse>('POST', `${sitePath(site)}/secret`),
  agents: (site: string) => authed<AdminAgent[]>('GET', `${sitePath(site)}/agents`),
  createAgent: (site: string, body: CreateAgentRequest) =>
    authed<CreateAgentResponse>('POST', `${sitePath(site)}/agents`, body),
  patchAgent: (site: string, agentId: string, patch: AgentPatchRequest) =>
    authed<AdminAgent>('PATCH', `${sitePath(site)}/agents/${encodeURIComponent(agentId)}`, patch),
};

const v1 = (site: string) => `/api/v1/sites/${encodeURIComponent(site)}`;

/** Settings › Integrations: webhooks and API keys (`/api/v1`, docs/integration.md). */
export const integrationsApi = {
  webhooks: (site: string) => authed<WebhookInfo[]>('GET', `${v1(site)}/webhooks`),
  createWebhook: (site: string, body: WebhookCreateRequest) =>
    authed<WebhookCreateResponse>('POST', `${v1(site)}/webhooks`, body),
  switchOff: (site: string, id: string) =>
    authed<null>('DELETE', `${v1(site)}/webhooks/${encodeURIComponent(id)}`),
  deliveries: (site: string, id: string) =>
    authed<DeliveryInfo[]>('GET', `${v1(site)}/webhooks/${encodeURIComponent(id)}/deliveries?limit=20`),
  redeliver: (site: string, id: string, delivery: string) =>
    authed<DeliveryInfo>(
      'POST',
      `${v1(site)}/webhooks/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(delivery)}/redeliver`,
    ),
  apiKeys: (site: string) => authed<ApiKeyInfo[]>('GET', `${v1(site)}/api-keys`),
  createKey: (site: string, name: string) => authed<ApiKeyCreated>('POST', `${v1(site)}/api-keys`, { name }),
  report: (site: string, q: { from: number; to: number; agentId?: string }) =>
    authed<ApiReport>(
      'GET',
      `${v1(site)}/reports?from=${q.from}&to=${q.to}${q.agentId ? `&agentId=${encodeURIComponent(q.agentId)}` : ''}`,
    ),
  revokeKey: (site: string, id: string) =>
    authed<null>('DELETE', `${v1(site)}/api-keys/${encodeURIComponent(id)}`),
};

/** Blocking (`/api/v1/sites/:site/visitors/:id/block`): every agent may block; admins list and unblock. */
export const blocksApi = {
  block: (site: string, visitorId: string, reason: string) =>
    authed<ApiBlock>(
      'POST',
      `${v1(site)}/visitors/${encodeURIComponent(visitorId)}/block`,
      reason.trim() ? { reason: reason.trim() } : {},
    ),
  list: (site: string) => authed<ApiBlock[]>('GET', `${v1(site)}/blocks`),
  unblock: (site: string, visitorId: string) =>
    authed<null>('DELETE', `${v1(site)}/visitors/${encodeURIComponent(visitorId)}/block`),
};

/** Personal data: erase a visitor (`DELETE /api/v1/sites/:site/visitors/:id`, admins). */
export const privacyApi = {
  deleteVisitor: (site: string, visitorId: string) =>
    authed<ApiVisitorDeleted>('DELETE', `${v1(site)}/visitors/${encodeURIComponent(visitorId)}`),
};

/** The audit log (`GET /api/v1/sites/:site/audit`, admins): newest first, paged by cursor. */
export const auditApi = {
  page: (site: string, cursor: string | null) =>
    authed<ApiAuditPage>(
      'GET',
      `${v1(site)}/audit?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    ),
};

/** Canned responses (`/api/v1/sites/:site/canned`): the site's (admins) or the agent's own. */
export const cannedApi = {
  list: (site: string, scope: 'site' | 'personal') =>
    authed<ApiCanned[]>('GET', `${v1(site)}/canned?scope=${scope}`),
  create: (site: string, body: ApiCannedCreate) => authed<ApiCanned>('POST', `${v1(site)}/canned`, body),
  update: (site: string, id: string, body: ApiCannedUpdate) =>
    authed<ApiCanned>('PUT', `${v1(site)}/canned/${encodeURIComponent(id)}`, body),
  remove: (site: string, id: string) =>
    authed<null>('DELETE', `${v1(site)}/canned/${encodeURIComponent(id)}`),
};

/** Proactive messages (`/api/v1/sites/:site/proactive-messages`, admins): rules the widget shows by itself. */
export const proactiveApi = {
  list: (site: string) => authed<ApiProactiveRule[]>('GET', `${v1(site)}/proactive-messages`),
  create: (site: string, body: ApiProactiveRuleInput) =>
    authed<ApiProactiveRule>('POST', `${v1(site)}/proactive-messages`, body),
  update: (site: string, id: string, patch: Partial<ApiProactiveRuleInput>) =>
    authed<ApiProactiveRule>('PATCH', `${v1(site)}/proactive-messages/${encodeURIComponent(id)}`, patch),
  remove: (site: string, id: string) =>
    authed<null>('DELETE', `${v1(site)}/proactive-messages/${encodeURIComponent(id)}`),
};

export const meApi = {
  get: () => authed<AgentInfo>('GET', '/api/me'),
  patch: (patch: ProfilePatchRequest) => authed<AgentInfo>('PATCH', '/api/me', patch),
  changePassword: (body: PasswordChangeRequest) => authed<LoginResponse>('POST', '/api/me/password', body),
  switchSite: (body: SwitchSiteRequest) => authed<LoginResponse>('POST', '/api/auth/site', body),
};

/** What to tell the admin about a refusal: the server's sentence for a 400 (it names the field). */
export function adminErrorText(e: unknown): string {
  if (!(e instanceof ApiError)) return 'Something went wrong. Try again.';
  // 400 names the field; 409 says what is in the way (a taken shortcut, email, site id).
  if (e.status === 400 || e.status === 409) return e.serverMessage;
  if (e.status === 403) return 'You are not an admin of this site.';
  if (e.status === 401) return SESSION_ENDED;
  return e.message;
}
