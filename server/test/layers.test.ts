/**
 * The layer rule: transport (`src/ws`, `src/http`) talks to the chat layer, never to
 * storage. Reads every transport file's imports (static, `export … from`, type-only and
 * `import()`), resolves relative ones, and fails listing each that lands in `src/storage`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
const TRANSPORT = ['ws', 'http'];
const STORAGE = join(SRC, 'storage');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Module specifiers of `import … from`, `export … from`, side-effect imports and `import()`. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(?\s*['"]([^'"]+)['"]/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) if (m[1]) found.push(m[1]);
  return found;
}

/** The imports of `file` (with this `source`) that resolve into `src/storage`. */
function storageImports(file: string, source: string): string[] {
  return specifiers(source)
    .filter((spec) => {
      if (!spec.startsWith('.')) return false;
      const target = resolve(dirname(file), spec);
      return target === STORAGE || target.startsWith(`${STORAGE}/`);
    })
    .map((spec) => `${relative(SRC, file)} imports '${spec}'`);
}

it('transport code (ws/, http/) never imports storage/: it calls the chat layer', () => {
  const files = TRANSPORT.flatMap((d) => tsFiles(join(SRC, d)));
  expect(files.length).toBeGreaterThan(5);
  expect(files.flatMap((f) => storageImports(f, readFileSync(f, 'utf8')))).toEqual([]);
});

it('the check names every kind of storage import it finds', () => {
  const file = join(SRC, 'ws', 'example.ts');
  const source = [
    "import type { Storage } from '../storage/types.js';",
    "import {\n  MessageWriter,\n} from '../storage/message-writer.js';",
    "export type { AgentRecord } from '../storage/types.js';",
    "type S = import('../storage/index.js').Storage;",
    "import { ChatService } from '../chat/index.js';",
  ].join('\n');
  expect(storageImports(file, source)).toEqual([
    "ws/example.ts imports '../storage/types.js'",
    "ws/example.ts imports '../storage/message-writer.js'",
    "ws/example.ts imports '../storage/types.js'",
    "ws/example.ts imports '../storage/index.js'",
  ]);
});
