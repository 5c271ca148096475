/**
 * Outgoing mail over SMTP (`SMTP_URL`, e.g. `smtp://mail.example:587`; unset = no mail).
 * nodemailer is loaded only when mail is configured, so a server without it pays nothing at
 * start. Sending is best effort: a failure is logged by the caller and never affects chat.
 */
import type { FastifyBaseLogger } from 'fastify';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** An HTML part besides the text (every value in it escaped by the caller). */
  html?: string;
}

export interface Mailer {
  /** False without `SMTP_URL`: nothing is ever sent and nothing promises mail. */
  readonly enabled: boolean;
  send(mail: Mail): Promise<void>;
  close(): Promise<void>;
}

export const NO_MAIL: Mailer = {
  enabled: false,
  send: async () => {
    throw new Error('mail is not configured (SMTP_URL)');
  },
  close: async () => {},
};

/** Refuses what is not an `smtp:` or `smtps:` URL with a host (a clear error at start). */
export function checkSmtpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`SMTP_URL is not a URL: use smtp://host:port or smtps://user:pass@host:465`);
  }
  if ((url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname) {
    throw new Error(`SMTP_URL must be smtp://host:port or smtps://host:port (got ${url.protocol}//…)`);
  }
  return url;
}

export async function openMailer(
  smtpUrl: string | null,
  from: string,
  log: FastifyBaseLogger,
): Promise<Mailer> {
  if (!smtpUrl) return NO_MAIL;
  const url = checkSmtpUrl(smtpUrl);
  const nodemailer = await import('nodemailer');
  const transport = nodemailer.createTransport(url.toString());
  log.info({ host: url.hostname, port: url.port || undefined }, 'mail: sending through SMTP');
  return {
    enabled: true,
    async send(mail) {
      await transport.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        ...(mail.html !== undefined && { html: mail.html }),
      });
    },
    async close() {
      transport.close();
    },
  };
}
