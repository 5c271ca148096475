import { $site } from '../shared';
import type { UiContext } from '../widget';
import { useState } from './hooks';

/**
 * After a close: 1–5 and an optional comment. Sent once the visitor presses "Send rating";
 * the server's "rated" line then takes its place (the same line on every tab and reload).
 * The frame's `cid` makes a resend after a dropped socket a duplicate, not a second rating.
 */
export function Rating({ ui, conversationId }: { ui: UiContext; conversationId: string }) {
  const { t, client } = ui;
  const [score, setScore] = useState(0);
  const [comment, setComment] = useState('');
  const [cid] = useState(() => crypto.randomUUID());
  return (
    <fieldset class="rate">
      <legend>{t.rate}</legend>
      <div class="stars">
        {[1, 2, 3, 4, 5].map((n) => (
          <button type="button" aria-label={`${n}`} aria-pressed={n === score} onClick={() => setScore(n)}>
            {n > score ? '☆' : '★'}
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
      <button
        type="button"
        class="primary"
        disabled={!score}
        onClick={() =>
          client.send({
            type: 'rate',
            cid,
            conversationId,
            score,
            comment: comment.trim() || undefined,
          })
        }
      >
        {t.sendRating}
      </button>
    </fieldset>
  );
}

/**
 * After a close: the transcript as a text file and, when the server sends mail and the visitor
 * gave an email, by email ("sent" then takes the button's place).
 */
export function Transcript({ ui, id }: { ui: UiContext; id: string }) {
  const { t, client, kv, config } = ui;
  const [mailed, setMailed] = useState(false);
  return (
    <p class="sys">
      <button
        type="button"
        class="retry"
        onClick={() =>
          client.transcript(id).then((file) => {
            const a = document.createElement('a');
            a.href = URL.createObjectURL(file);
            a.download = `transcript-${id}.txt`;
            a.click();
          })
        }
      >
        {t.transcript}
      </button>
      {$site.get()?.mail &&
        (config.user?.email || kv.get('email')) &&
        (mailed ? (
          <span role="status">{t.mailed}</span>
        ) : (
          <button
            type="button"
            class="retry"
            onClick={() => client.transcript(id, true).then(() => setMailed(true))}
          >
            {t.mailTranscript}
          </button>
        ))}
    </p>
  );
}
