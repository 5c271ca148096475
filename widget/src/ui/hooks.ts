/**
 * The hooks the panel uses — `useState`, `useEffect`, `useRef` — on Preact 10's plug-in
 * points, instead of preact/hooks (~0.8 KB gzip of the file, for the three the panel uses).
 *
 * Every effect runs at commit, after the DOM and the refs are in place (useLayoutEffect's
 * timing, not after paint): the log's scroll keeping needs that, the rest does not mind.
 * Preact's names are its mangled ones (`__r` its render hook, `__c` a vnode's component,
 * `__h` the callbacks its commit calls); vite.config.ts shortens them, and `__H`, the
 * hook list, with them.
 */
import { type Component, options, type VNode } from 'preact';

/** One hook's memory: `[value, setter]` for state, `[deps, , cleanup]` for an effect. */
type Slot = unknown[];
type Cleanup = (() => void) | undefined;
type Hooked = Component & { __h: (() => void)[]; __H?: Slot[] };
type Plugs = {
  __r?(vnode: VNode & { __c: Hooked }): void;
  unmount?(vnode: VNode & { __c?: Hooked }): void;
};

let component: Hooked;
let index: number;

const plugs = options as unknown as Plugs;
const { __r: prevRender, unmount: prevUnmount } = plugs;
plugs.__r = (vnode) => {
  prevRender?.(vnode);
  component = vnode.__c;
  index = 0;
};
plugs.unmount = (vnode) => {
  prevUnmount?.(vnode);
  for (const slot of vnode.__c?.__H ?? []) (slot[2] as Cleanup)?.();
};

/** The next hook's memory in the component being rendered (hooks are called in the same order each render). */
function slot(): Slot {
  // biome-ignore lint/suspicious/noAssignInExpressions: the list and the slot are made on first use
  return ((component.__H ??= [])[index++] ??= []);
}

type SetState<S> = (next: S | ((prev: S) => S)) => void;

/** A stable setter; a new value (`!==`) re-renders the component, the same one does nothing. */
export function useState<S>(initial: S | (() => S)): [S, SetState<S>] {
  const s = slot();
  const c = component;
  if (!s[1]) {
    s[0] = typeof initial === 'function' ? (initial as () => S)() : initial;
    const set: SetState<S> = (next) => {
      const value = typeof next === 'function' ? (next as (prev: S) => S)(s[0] as S) : next;
      if (value !== s[0]) {
        s[0] = value;
        c.setState({});
      }
    };
    s[1] = set;
  }
  return s as [S, SetState<S>];
}

/**
 * Runs `effect` at commit when a dep changed (always on the first render), after the
 * previous run's cleanup; the last cleanup runs on unmount.
 */
export function useEffect(effect: () => Cleanup, deps: unknown[]): void {
  const s = slot();
  const old = s[0] as unknown[] | undefined;
  if (!old || deps.some((d, i) => d !== old[i])) {
    s[0] = deps;
    component.__h.push(() => {
      (s[2] as Cleanup)?.();
      s[2] = effect();
    });
  }
}

/** The same `{current}` box for the component's life. */
export function useRef<T>(initial: T): { current: T };
export function useRef<T>(initial: T | null): { current: T | null };
export function useRef<T>(initial: T): { current: T } {
  return useState(() => ({ current: initial }))[0];
}
