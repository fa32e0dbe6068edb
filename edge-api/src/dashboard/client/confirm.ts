import { byId, h, replaceChildren } from './dom.ts';

/**
 * The confirmation step before an action reaches the nodes: says exactly what will be sent and
 * to whom; resolves true only when the operator presses Confirm.
 */
export function confirmAction(title: string, detail: string, confirmLabel = 'Confirm'): Promise<boolean> {
  const dialog = byId<HTMLDialogElement>('confirm-dialog');
  const confirm = h(
    'button',
    { type: 'button', class: 'btn btn-danger', 'data-confirm': 'yes' },
    confirmLabel,
  );
  const cancel = h('button', { type: 'button', class: 'btn', 'data-confirm': 'no' }, 'Cancel');
  replaceChildren(
    dialog,
    h('h2', {}, title),
    h('p', { class: 'confirm-detail' }, detail),
    h('div', { class: 'confirm-buttons' }, cancel, confirm),
  );
  return new Promise((resolve) => {
    const done = (answer: boolean) => {
      dialog.close();
      resolve(answer);
    };
    confirm.addEventListener('click', () => done(true), { once: true });
    cancel.addEventListener('click', () => done(false), { once: true });
    dialog.addEventListener('cancel', () => resolve(false), { once: true });
    dialog.showModal();
    cancel.focus();
  });
}
