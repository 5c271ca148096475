import type { ComponentChildren } from 'preact';

/** A label above its control, with an optional hint below (linked as the description). */
export function Field({
  label,
  hint,
  hintId,
  children,
  class: extra = '',
}: {
  label: string;
  hint?: ComponentChildren;
  hintId?: string;
  children: ComponentChildren;
  class?: string;
}) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is `children`, inside the label
    <label class={`field ${extra}`}>
      <span>{label}</span>
      {children}
      {hint && (
        <small class="field-hint" id={hintId}>
          {hint}
        </small>
      )}
    </label>
  );
}
