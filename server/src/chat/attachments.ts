/**
 * Attachments: an upload is checked by its bytes (`file-type.ts`), recorded, and its bytes
 * put in the blob store; a message then carries it (`bind`), and only from then on can it be
 * read — through a short-lived signed link (`/api/attachments/:id?e=&s=`, HMAC over the id and
 * the expiry) that the server adds each time it sends the message. So nothing half-uploaded is
 * ever visible to the other side, no long-lived token is ever in a URL, and only the people a
 * message went to (the conversation's participants) ever hold a link.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Attachment, AttachmentUpload, Message } from '@switchboard/protocol';
import { ErrorCode } from '@switchboard/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { BlobStore } from '../blobs/index.js';
import { sbError } from '../errors.js';
import { newId } from '../ids.js';
import type { AttachmentRecord, Storage } from '../storage/types.js';
import { cleanFileName, sniff } from './file-type.js';

export interface AttachmentLimits {
  /** Largest upload in bytes (`ATTACHMENT_MAX_BYTES`, default 10 MB). */
  maxBytes: number;
  /** How long a signed link stays valid (`ATTACHMENT_URL_TTL_S`, default one hour). */
  urlTtlMs: number;
}

/** An upload no message carried within a day is deleted (a tab closed mid-send). */
const UNBOUND_MAX_AGE_MS = 86_400_000;
/** Links expire on 10-minute steps, so a message sent again within one gets the same URL (caches). */
const EXPIRY_STEP_S = 600;
const SWEEP_PAGE = 500;

/** "10 MB", or the bytes under a megabyte. */
const sizeText = (bytes: number): string =>
  bytes >= 1_048_576 ? `${Math.floor(bytes / 1_048_576)} MB` : `${bytes} bytes`;

export type AttachmentMeta = Omit<Attachment, 'url'>;

export interface ReadFile {
  record: AttachmentRecord;
  data: Buffer;
}

export class Attachments {
  private readonly key: Buffer;

  constructor(
    private readonly storage: Storage,
    private readonly blobs: BlobStore,
    secret: string | Buffer,
    readonly limits: AttachmentLimits,
    private readonly log: FastifyBaseLogger,
  ) {
    // A key of its own, derived from the server's secret (the same on every node).
    this.key = createHmac('sha256', secret).update('switchboard attachment links').digest();
  }

  /** Stores an upload of `owner` (`v:<visitorId>` / `a:<agentId>`) on `siteId`; refused ones store nothing. */
  async upload(
    siteId: string,
    owner: string,
    rawName: string,
    data: Buffer,
    now = Date.now(),
  ): Promise<AttachmentUpload> {
    if (data.length === 0) throw sbError(ErrorCode.FileType, 'The file is empty');
    if (data.length > this.limits.maxBytes) {
      throw sbError(ErrorCode.TooLarge, `The file is larger than ${sizeText(this.limits.maxBytes)}`);
    }
    const sniffed = sniff(data);
    if (!sniffed.ok) {
      throw sbError(
        ErrorCode.FileType,
        sniffed.reason === 'truncated'
          ? 'The file is incomplete (cut short in transit?): send it again'
          : undefined,
      );
    }
    const record: AttachmentRecord = {
      id: newId('f'),
      siteId,
      owner,
      name: cleanFileName(rawName),
      type: sniffed.type,
      size: data.length,
      conversationId: null,
      createdAt: now,
    };
    // The row first: the orphan sweep deletes bytes without a row, never a row's bytes.
    await this.storage.createAttachment(record);
    await this.blobs.put(record.id, data);
    return { id: record.id, name: record.name, type: record.type, size: record.size };
  }

  /** The file a message of `owner` in `conversationId` carries; refused unless it is theirs. */
  async bind(id: string, owner: string, siteId: string, conversationId: string): Promise<AttachmentMeta> {
    const r = await this.storage.bindAttachment(id, owner, conversationId);
    if (!r || r.siteId !== siteId) {
      throw sbError(
        ErrorCode.NotFound,
        'No such upload: upload the file again (POST /api/sites/:site/attachments)',
      );
    }
    return { id: r.id, name: r.name, type: r.type, size: r.size };
  }

  /** The link to a file, valid for `urlTtlMs` (rounded up to 10 minutes). A path: clients resolve it against their server. */
  sign(id: string, now = Date.now()): string {
    const e = Math.ceil((now + this.limits.urlTtlMs) / 1000 / EXPIRY_STEP_S) * EXPIRY_STEP_S;
    return `/api/attachments/${id}?e=${e}&s=${this.mac(id, e)}`;
  }

  /** The message as it goes out: its file (if any) with a fresh link. */
  link(m: Message, now = Date.now()): Message {
    if (!m.attachment) return m;
    return { ...m, attachment: { ...m.attachment, url: this.sign(m.attachment.id, now) } };
  }

  linkAll(list: readonly Message[], now = Date.now()): Message[] {
    return list.map((m) => this.link(m, now));
  }

  /** A signed link's file: 403 for a wrong or expired signature, 404 when it is gone. */
  async read(id: string, e: string, s: string, now = Date.now()): Promise<ReadFile> {
    const exp = /^\d{1,12}$/.test(e) ? Number(e) : 0;
    const want = Buffer.from(this.mac(id, exp), 'hex');
    // Compared in constant time; a malformed signature is compared too (against nothing), then refused.
    const hex = /^[0-9a-f]{64}$/.test(s);
    if (!timingSafeEqual(want, hex ? Buffer.from(s, 'hex') : Buffer.alloc(want.length)) || !hex) {
      throw sbError(ErrorCode.Forbidden, 'This link is not valid');
    }
    if (exp * 1000 <= now)
      throw sbError(ErrorCode.Forbidden, 'This link has expired: open the conversation again for a new one');
    const record = await this.storage.getAttachment(id);
    const data = record?.conversationId ? await this.blobs.get(id) : null;
    if (!record || !data) throw sbError(ErrorCode.NotFound, 'This file is no longer available');
    return { record, data };
  }

  /**
   * Housekeeping: uploads never sent within a day go, and so do bytes whose row is gone
   * (a deleted visitor or conversation, retention, a crash between the two writes).
   */
  async sweep(now = Date.now()): Promise<{ unbound: number; orphans: number }> {
    let unbound = 0;
    for (;;) {
      const ids = await this.storage.deleteUnboundAttachments(now - UNBOUND_MAX_AGE_MS, SWEEP_PAGE);
      await this.blobs.delete(ids);
      unbound += ids.length;
      if (ids.length < SWEEP_PAGE) break;
    }
    let orphans = 0;
    let after = '';
    for (;;) {
      const ids = await this.blobs.list(after, SWEEP_PAGE);
      if (ids.length === 0) break;
      const kept = await this.storage.existingAttachments(ids);
      const gone = ids.filter((id) => !kept.has(id));
      await this.blobs.delete(gone);
      orphans += gone.length;
      after = ids[ids.length - 1] ?? after;
      if (ids.length < SWEEP_PAGE) break;
    }
    if (unbound || orphans) this.log.info({ unbound, orphans }, 'attachments swept');
    return { unbound, orphans };
  }

  close(): Promise<void> {
    return this.blobs.close();
  }

  private mac(id: string, exp: number): string {
    return createHmac('sha256', this.key).update(`${id}.${exp}`).digest('hex');
  }
}
