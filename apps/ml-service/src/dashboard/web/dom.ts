/** Tiny DOM helpers: every value reaches the page as text (textContent), never as markup. */

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; title?: string; attrs?: Record<string, string> } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) {
    node.className = props.className;
  }
  if (props.title) {
    node.title = props.title;
  }
  for (const [k, v] of Object.entries(props.attrs ?? {})) {
    node.setAttribute(k, v);
  }
  for (const c of children) {
    if (c !== null && c !== undefined && c !== false) {
      node.append(c);
    }
  }
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) {
    throw new Error(`#${id} missing from the page`);
  }
  return node as T;
}

/** Replaces the children of `node`. */
export function fill(node: Element, ...children: Child[]): void {
  node.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}

/** A definition list from label → value pairs. */
export function fillMeta(dl: HTMLElement, rows: Array<[string, Child]>): void {
  fill(dl, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** Shows or hides a section's error line. */
export function showError(node: HTMLElement, message: string | null): void {
  node.hidden = message === null;
  node.textContent = message ?? '';
}

export const fmt = {
  ms: (v: number | null | undefined): string =>
    v === null || v === undefined ? '—' : `${v.toFixed(v < 10 ? 2 : 1)} ms`,
  pct: (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`),
  num: (v: number | null | undefined, digits = 3): string =>
    v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits),
  int: (v: number | null | undefined): string =>
    v === null || v === undefined ? '—' : Math.round(v).toLocaleString('en-US'),
  time: (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—'),
  ago: (iso: string | null | undefined): string => {
    if (!iso) {
      return '—';
    }
    const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
    if (s < 90) {
      return `${Math.round(s)} s ago`;
    }
    if (s < 5400) {
      return `${Math.round(s / 60)} min ago`;
    }
    if (s < 172_800) {
      return `${Math.round(s / 3600)} h ago`;
    }
    return `${Math.round(s / 86_400)} d ago`;
  },
};
