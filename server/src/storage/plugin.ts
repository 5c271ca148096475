import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { MessageWriter } from './message-writer.js';
import type { Storage } from './types.js';

declare module 'fastify' {
  interface FastifyInstance {
    storage: Storage;
    /** Group-commit queue in front of `storage.appendMessages`. */
    writer: MessageWriter;
  }
}

export interface StoragePluginOptions {
  storage: Storage;
}

export const storagePlugin = fp<StoragePluginOptions>(
  async (app: FastifyInstance, opts) => {
    const m = app.metrics;
    const writer = new MessageWriter(opts.storage, {
      onBatch(size, ms, stored) {
        m.commitBatchSize.observe(size);
        m.commitSeconds.observe(ms / 1000);
        m.messagesCommitted.inc(stored);
      },
      onError(err, size) {
        app.log.error({ err, size }, 'group commit failed; the batch was rolled back');
        m.errors.inc({ kind: 'commit' });
      },
    });
    app.decorate('storage', opts.storage);
    app.decorate('writer', writer);
    // Registered before the gateway, so (LIFO) this runs after it: commits what is queued, then closes.
    app.addHook('onClose', async () => {
      await writer.close();
      await opts.storage.close();
    });
  },
  { name: 'switchboard-storage', dependencies: ['switchboard-metrics'] },
);
