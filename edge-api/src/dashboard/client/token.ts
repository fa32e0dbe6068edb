import { byId } from './dom.ts';

const STORAGE_KEY = 'telltale.adminToken';

/** The admin token, asked once per browser session and kept in sessionStorage (gone when the tab closes). */
export class TokenStore {
  private pending: Promise<string> | null = null;

  current(): string | null {
    return sessionStorage.getItem(STORAGE_KEY);
  }

  /** The stored token, or the one the operator types into the dialog. */
  async get(): Promise<string> {
    return this.current() ?? this.ask();
  }

  /** Forgets a token the API refused and asks again, saying why. */
  async reject(reason: string): Promise<string> {
    sessionStorage.removeItem(STORAGE_KEY);
    return this.ask(reason);
  }

  forget(): void {
    sessionStorage.removeItem(STORAGE_KEY);
  }

  private ask(reason?: string): Promise<string> {
    this.pending ??= new Promise<string>((resolve) => {
      const dialog = byId<HTMLDialogElement>('token-dialog');
      const form = byId<HTMLFormElement>('token-form');
      const input = byId<HTMLInputElement>('token-input');
      const error = byId('token-error');
      error.textContent = reason ?? '';
      error.hidden = !reason;
      input.value = '';
      const submit = (event: SubmitEvent) => {
        event.preventDefault();
        const token = input.value.trim();
        if (token === '') {
          error.textContent = 'Enter the ADMIN_TOKEN of this edge API.';
          error.hidden = false;
          return;
        }
        form.removeEventListener('submit', submit);
        sessionStorage.setItem(STORAGE_KEY, token);
        dialog.close();
        this.pending = null;
        resolve(token);
      };
      form.addEventListener('submit', submit);
      dialog.addEventListener('cancel', (event) => event.preventDefault());
      if (!dialog.open) dialog.showModal();
      input.focus();
    });
    return this.pending;
  }
}
