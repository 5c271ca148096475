import type { AttachmentUpload } from '@switchboard/protocol';
import { atom } from 'nanostores';
import { ApiError } from '../client/api.js';
import { sendAttachment } from '../client/client.js';
import { withToken } from '../client/refresh.js';
import { site } from './history.js';

/**
 * Files the agent is attaching: each uploads with its progress shown, and only once the
 * server has all of it is the reply that carries it sent (so the visitor never sees part of a
 * file). A failed upload stays, with its reason, until the agent retries or removes it.
 */
export interface Upload {
  key: string;
  conversationId: string;
  file: File;
  /** 0…1 of the bytes sent. */
  progress: number;
  state: 'uploading' | 'failed';
  error: string | null;
}

/** What the file input offers (the server checks the bytes; this only narrows the picker). */
export const ACCEPT = 'image/png,image/jpeg,image/gif,image/webp,application/pdf';

export const $uploads = atom<readonly Upload[]>([]);
let next = 0;

function patch(key: string, p: Partial<Upload>): void {
  $uploads.set($uploads.get().map((u) => (u.key === key ? { ...u, ...p } : u)));
}

/** One POST of the file's bytes, with progress; rejects with the server's coded error. */
function post(
  path: string,
  file: File,
  token: string,
  onProgress: (f: number) => void,
): Promise<AttachmentUpload> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      const body = parseJson(xhr.responseText);
      if (xhr.status === 201 && body) resolve(body as AttachmentUpload);
      else
        reject(
          new ApiError(
            body?.code ?? 'HTTP',
            body?.message ?? `The server answered ${xhr.status}`,
            xhr.status,
          ),
        );
    };
    xhr.onerror = () =>
      reject(new ApiError('NETWORK', 'Cannot reach the server. Check your connection and try again.', 0));
    xhr.send(file);
  });
}

function parseJson(text: string): { code?: string; message?: string } | null {
  try {
    return JSON.parse(text) as { code?: string; message?: string };
  } catch {
    return null;
  }
}

async function run(u: Upload): Promise<void> {
  patch(u.key, { state: 'uploading', error: null, progress: 0 });
  const path = `/api/sites/${site()}/attachments?name=${encodeURIComponent(u.file.name || 'file')}`;
  try {
    const stored = await withToken(
      (token) => post(path, u.file, token, (progress) => patch(u.key, { progress })),
      () => undefined,
    );
    $uploads.set($uploads.get().filter((x) => x.key !== u.key));
    sendAttachment(u.conversationId, stored);
  } catch (e) {
    patch(u.key, { state: 'failed', error: e instanceof Error ? e.message : String(e) });
  }
}

/** Uploads go one at a time, so the files reach the visitor in the order they were picked. */
let queue: Promise<void> = Promise.resolve();

/** Uploads each file and, once stored, sends it to the visitor of `conversationId`. */
export function attachFiles(conversationId: string, files: Iterable<File>): void {
  for (const file of files) {
    const u: Upload = {
      key: `u${++next}`,
      conversationId,
      file,
      progress: 0,
      state: 'uploading',
      error: null,
    };
    $uploads.set([...$uploads.get(), u]);
    queue = queue.then(() => run(u));
  }
}

export function retryUpload(key: string): void {
  const u = $uploads.get().find((x) => x.key === key);
  if (u) void run(u);
}

export function removeUpload(key: string): void {
  $uploads.set($uploads.get().filter((x) => x.key !== key));
}
