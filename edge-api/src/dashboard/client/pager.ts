import { h, replaceChildren } from './dom.ts';

/**
 * Keyset paging for a table: the API's cursors only go forward, so the pager keeps the cursors
 * that led to the current page for Prev, and draws the Prev/Next buttons with a label.
 */
export class CursorPager {
  private cursors: (string | null)[] = [null];

  /** `onMove` fetches the page `cursor` now points at. */
  constructor(private readonly onMove: () => void) {}

  /** What to send as `cursor` for the current page; null on the first. */
  get cursor(): string | null {
    return this.cursors[this.cursors.length - 1] ?? null;
  }

  /** The current page, counted from 1. */
  get page(): number {
    return this.cursors.length;
  }

  /** Back to the first page for a new filter; the caller fetches. */
  reset(): void {
    this.cursors = [null];
  }

  back(): void {
    if (this.cursors.length > 1) this.cursors.pop();
    this.onMove();
  }

  forward(nextCursor: string): void {
    this.cursors.push(nextCursor);
    this.onMove();
  }

  /** `label`, then Prev (off on the first page) and Next (off when the API gave no next cursor). */
  render(into: HTMLElement, label: string, nextCursor: string | null): void {
    const prev = h('button', { type: 'button', class: 'btn btn-ghost', disabled: this.page === 1 }, '‹ Prev');
    const next = h(
      'button',
      { type: 'button', class: 'btn btn-ghost', disabled: nextCursor === null },
      'Next ›',
    );
    prev.addEventListener('click', () => this.back());
    next.addEventListener('click', () => {
      if (nextCursor !== null) this.forward(nextCursor);
    });
    replaceChildren(into, h('span', { class: 'muted' }, label), prev, next);
  }
}
