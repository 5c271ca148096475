/** `app.mailer`: SMTP when `SMTP_URL` is set, else a mailer that is off (mail/mailer.ts). */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { type Mailer, openMailer } from './mailer.js';

declare module 'fastify' {
  interface FastifyInstance {
    mailer: Mailer;
  }
}

export const mailPlugin = fp<{ config: Config; mailer?: Mailer }>(
  async (app: FastifyInstance, opts) => {
    const mailer =
      opts.mailer ?? (await openMailer(opts.config.mail.smtpUrl, opts.config.mail.from, app.log));
    app.decorate('mailer', mailer);
    app.addHook('onClose', async () => mailer.close());
  },
  { name: 'switchboard-mail' },
);
