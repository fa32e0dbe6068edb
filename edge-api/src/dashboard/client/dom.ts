/** A tiny element builder: text always goes in as text nodes, so data from the API can never inject markup. */
export type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`dashboard markup has no #${id}`);
  return element as T;
}

/** Sets text only when it changed, so unchanged numbers do not repaint. */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** A table body from rows of cells; an empty list shows `empty` across all columns. */
export function fillTable(
  body: HTMLTableSectionElement,
  columns: number,
  rows: HTMLTableRowElement[],
  empty: string,
) {
  if (rows.length === 0) {
    replaceChildren(body, h('tr', { class: 'empty' }, h('td', { colspan: columns }, empty)));
    return;
  }
  body.replaceChildren(...rows);
}

export function badge(text: string, tone: 'pass' | 'warn' | 'fail' | 'info' | 'muted'): HTMLSpanElement {
  return h('span', { class: `badge badge-${tone}` }, text);
}
