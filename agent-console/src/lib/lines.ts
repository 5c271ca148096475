/** Textarea lines → the list the API takes (trimmed, blank lines dropped). */
export function linesOf(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
