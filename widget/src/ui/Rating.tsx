import { useState } from 'preact/hooks';
import type { UiContext } from '../widget';

/**
 * After a conversation closes: 1–5 and an optional comment. It stays until the server's
 * "rated" line arrives (so a rating sent while the socket was away can be sent again, with
 * the same cid: the server stores it once).
 */
export function Rating({ ui, conversationId }: { ui: UiContext; conversationId: string }) {
  const { t, client } = ui;
  const [score, setScore] = useState(0);
  const [comment, setComment] = useState('');
  const [cid] = useState(() => crypto.randomUUID());
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const text = comment.trim();
        if (score)
          client.send({ type: 'rate', cid, conversationId, score, ...(text ? { comment: text } : {}) });
      }}
    >
      <fieldset class="rate">
        <legend class="intro">{t.rate}</legend>
        <div class="stars">
          {[1, 2, 3, 4, 5].map((n) => (
            <button type="button" key={n} aria-pressed={score === n} onClick={() => setScore(n)}>
              {n}
            </button>
          ))}
        </div>
        <input
          class="input"
          aria-label={t.comment}
          placeholder={t.comment}
          maxLength={1000}
          value={comment}
          onInput={(e) => setComment(e.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={!score}>
          {t.sendRating}
        </button>
      </fieldset>
    </form>
  );
}
