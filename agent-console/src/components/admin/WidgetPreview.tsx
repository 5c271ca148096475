const HEX = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

/** A static picture of the widget in the chosen colour, title and greeting (not the real widget). */
export function WidgetPreview({
  color,
  title,
  greeting,
}: {
  color: string;
  title: string;
  greeting: string;
}) {
  const accent = HEX.test(color) ? color : '#2563eb';
  return (
    <figure class="preview" style={{ '--preview-accent': accent }} aria-label="Widget preview">
      <div class="preview-panel">
        <div class="preview-header">
          <span class="preview-avatar" aria-hidden="true" />
          <div>
            <strong>{title.trim() || 'Chat with us'}</strong>
            <span>We reply in a few minutes</span>
          </div>
        </div>
        <div class="preview-body">
          {greeting.trim() && <p class="preview-bubble">{greeting}</p>}
          <p class="preview-bubble preview-bubble-me">Hi! Is my order on its way?</p>
        </div>
        <div class="preview-composer">
          <span>Write a message…</span>
          <span class="preview-send" aria-hidden="true" />
        </div>
      </div>
      <div class="preview-launcher" aria-hidden="true">
        <svg
          aria-hidden="true"
          width="24"
          height="24"
          viewBox="0 0 24 24"
          fill="none"
          stroke="#fff"
          stroke-width="2"
        >
          <path d="M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.5 4v-4A2.5 2.5 0 0 1 4 13.5z" />
        </svg>
      </div>
      <figcaption class="muted small">Preview — how the widget looks on your shop.</figcaption>
    </figure>
  );
}
