import type { ComponentChildren } from 'preact';

/**
 * A label above its control, with an optional hint below. The hint sits outside the label, so
 * the control's accessible name is the label alone ("Site id", not "Site id Lower-case …").
 */
export function Field({
  label,
  hint,
  children,
  class: extra = '',
}: {
  label: string;
  hint?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
}) {
  return (
    <div class={`field ${extra}`}>
      {/* biome-ignore lint/a11y/noLabelWithoutControl: the control is `children`, inside the label */}
      <label class="field-control">
        <span>{label}</span>
        {children}
      </label>
      {hint && <small class="field-hint">{hint}</small>}
    </div>
  );
}

/** A form's error, announced when it appears; nothing when there is none. */
export function FormError({ error }: { error: string | null }) {
  return error ? (
    <p class="form-error" role="alert">
      {error}
    </p>
  ) : null;
}
