import { type ComponentChild, h, render } from 'preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { atom } from '../src/store';
import { useEffect, useRef, useState } from '../src/ui/hooks';
import { useStore } from '../src/ui/use-store';

// The Preact the widget ships: the pinned one with preact-trim.ts's cuts (the build applies them).
vi.mock('preact', async () => {
  const { readFileSync } = await import('node:fs');
  const { createRequire } = await import('node:module');
  const { trimPreact } = await import('../preact-trim');
  const file = createRequire(import.meta.url)
    .resolve('preact/package.json')
    .replace(/package\.json$/, 'dist/preact.module.js');
  const code = trimPreact(readFileSync(file, 'utf8')).replace(/\/\/# sourceMappingURL=.*$/m, '');
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
});

/** Just enough DOM for Preact to render elements and text into (no events, no styles). */
class FakeNode {
  childNodes: FakeNode[] = [];
  parentNode: FakeNode | null = null;
  attributes: { name: string; value: string }[] = [];
  data = '';
  namespaceURI = 'http://www.w3.org/1999/xhtml';
  constructor(
    readonly nodeType: number,
    readonly localName?: string,
  ) {}
  get firstChild(): FakeNode | null {
    return this.childNodes[0] ?? null;
  }
  get nextSibling(): FakeNode | null {
    const siblings = this.parentNode?.childNodes ?? [];
    return siblings[siblings.indexOf(this) + 1] ?? null;
  }
  get textContent(): string {
    return this.nodeType === 3 ? this.data : this.childNodes.map((c) => c.textContent).join('');
  }
  insertBefore(node: FakeNode, before: FakeNode | null): FakeNode {
    node.parentNode?.removeChild(node);
    const at = before ? this.childNodes.indexOf(before) : -1;
    this.childNodes.splice(at < 0 ? this.childNodes.length : at, 0, node);
    node.parentNode = this;
    return node;
  }
  appendChild(node: FakeNode): FakeNode {
    return this.insertBefore(node, null);
  }
  removeChild(node: FakeNode): FakeNode {
    this.childNodes.splice(this.childNodes.indexOf(node), 1);
    node.parentNode = null;
    return node;
  }
  remove(): void {
    this.parentNode?.removeChild(this);
  }
  setAttribute(name: string, value: string): void {
    this.removeAttribute(name);
    this.attributes.push({ name, value: String(value) });
  }
  removeAttribute(name: string): void {
    this.attributes = this.attributes.filter((a) => a.name !== name);
  }
}

const fakeDocument = {
  createTextNode: (text: string) => Object.assign(new FakeNode(3), { data: String(text) }),
  createElementNS: (_ns: string, tag: string) => new FakeNode(1, tag),
};

let root: FakeNode;
const show = (vnode: ComponentChild) => render(vnode, root as unknown as HTMLElement);
/** Preact renders a setState on the next microtask; a macrotask is past all of them. */
const settle = () => new Promise((resolve) => setTimeout(resolve));

beforeEach(() => {
  vi.stubGlobal('document', fakeDocument);
  root = new FakeNode(1, 'div');
});
afterEach(() => {
  show(null);
  vi.unstubAllGlobals();
});

describe('widget hooks', () => {
  it('useState keeps its value and setter, and renders again only for a new value', async () => {
    let renders = 0;
    const init = vi.fn(() => 1);
    const setters: ((next: number | ((n: number) => number)) => void)[] = [];
    function Counter() {
      const [n, setN] = useState(init);
      const [label] = useState('n=');
      renders++;
      setters.push(setN);
      return h('p', null, label, n);
    }
    show(h(Counter, null));
    expect(root.textContent).toBe('n=1');
    const set = setters[0]!;

    set(2);
    await settle();
    expect(root.textContent).toBe('n=2');
    set((n) => n + 1);
    await settle();
    expect(root.textContent).toBe('n=3');
    expect(renders).toBe(3);

    set(3);
    set((n) => n);
    await settle();
    expect(renders).toBe(3);
    expect(init).toHaveBeenCalledTimes(1);
    expect(new Set(setters).size).toBe(1);
  });

  it('two components keep their own state', async () => {
    const setters: ((next: string) => void)[] = [];
    function Field({ initial }: { initial: string }) {
      const [text, setText] = useState(initial);
      setters.push(setText);
      return h('span', null, text);
    }
    show(h('div', null, h(Field, { initial: 'a' }), h(Field, { initial: 'b' })));
    setters[1]!('B');
    await settle();
    expect(root.textContent).toBe('aB');
  });

  it('an effect runs at commit with its ref set, again after its cleanup when a dep changes, and its cleanup on unmount', async () => {
    const events: string[] = [];
    let setDep: (next: number) => void = () => {};
    let setOther: (next: number) => void = () => {};
    function Probe() {
      const [dep, set] = useState(0);
      const [other, set2] = useState(0);
      const box = useRef<FakeNode>(null);
      setDep = set;
      setOther = set2;
      useEffect(() => {
        events.push(`run ${dep} in ${box.current?.localName}`);
        return () => events.push(`cleanup ${dep}`);
      }, [dep]);
      useEffect(() => {
        events.push('once');
      }, []);
      return h('section', { ref: box }, dep, other);
    }
    show(h(Probe, null));
    expect(events).toEqual(['run 0 in section', 'once']);

    setOther(1);
    await settle();
    expect(root.textContent).toBe('01');
    expect(events).toEqual(['run 0 in section', 'once']);

    setDep(1);
    await settle();
    expect(events.slice(2)).toEqual(['cleanup 0', 'run 1 in section']);

    show(null);
    expect(events.slice(4)).toEqual(['cleanup 1']);
  });

  it('a state set in an effect during the commit renders once more afterwards', async () => {
    const seen: string[] = [];
    function Loader() {
      const [text, setText] = useState('loading');
      seen.push(text);
      useEffect(() => {
        setText('ready');
      }, []);
      return h('p', null, text);
    }
    show(h(Loader, null));
    expect(root.textContent).toBe('loading');
    await settle();
    expect(root.textContent).toBe('ready');
    expect(seen).toEqual(['loading', 'ready']);
  });

  it('runs the cleanups of a parent and its children when the tree goes, and a child removed alone', async () => {
    const events: string[] = [];
    const Child = ({ name }: { name: string }) => {
      useEffect(() => () => events.push(`child ${name}`), []);
      return h('i', null, name);
    };
    let setBoth: (next: boolean) => void = () => {};
    function Parent() {
      const [both, set] = useState(true);
      setBoth = set;
      useEffect(() => () => events.push('parent'), []);
      return h('div', null, h(Child, { name: 'a' }), both && h(Child, { name: 'b' }));
    }
    show(h(Parent, null));
    setBoth(false);
    await settle();
    expect(root.textContent).toBe('a');
    expect(events).toEqual(['child b']);
    show(null);
    expect(events.sort()).toEqual(['child a', 'child b', 'parent']);
  });

  it('useStore follows a store from the first commit and lets go of it on unmount', async () => {
    const $n = atom(1);
    const off = vi.fn();
    const store = {
      get: $n.get,
      listen(fn: (n: number) => void) {
        off.mockImplementation($n.listen(fn));
        return off;
      },
    };
    function View() {
      return h('b', null, useStore(store));
    }
    show(h(View, null));
    $n.set(2);
    await settle();
    expect(root.textContent).toBe('2');
    expect(off).not.toHaveBeenCalled();
    show(null);
    expect(off).toHaveBeenCalledTimes(1);
  });
});
