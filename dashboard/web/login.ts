/**
 * The sign-in form. Errors are shown by cause (wrong credentials, too many attempts, server
 * unreachable) in the chosen language, never the server's raw English message; the message is
 * re-translated when the language switches while it is on screen.
 */
import { ApiError, api, type User } from './api.ts';
import { byTestId, setText } from './dom.ts';
import type { MessageKey } from './i18n.ts';
import { onLangChange, t } from './locale.ts';

export interface LoginView {
  /** Shows the form; `reason` explains why (e.g. the session expired). */
  show(reason?: MessageKey): void;
  hide(): void;
}

function errorKey(err: unknown): { key: MessageKey; status?: number } {
  if (err instanceof ApiError) {
    if (err.status === 0) return { key: 'login.network' };
    if (err.status === 401 || err.status === 400 || err.status === 403) return { key: 'login.invalid' };
    if (err.status === 429) return { key: 'login.tooMany' };
    return { key: 'login.failed', status: err.status };
  }
  return { key: 'error.generic' };
}

/**
 * @example
 * const login = createLogin({ onLoggedIn: (user) => startApp(user) });
 * login.show('login.expired');
 */
export function createLogin(options: { onLoggedIn(user: User): void }): LoginView {
  const view = byTestId('login-view');
  const form = byTestId<HTMLFormElement>('login-form');
  const username = byTestId<HTMLInputElement>('login-username');
  const password = byTestId<HTMLInputElement>('login-password');
  const submit = byTestId<HTMLButtonElement>('login-submit');
  const error = byTestId('login-error');

  let shownError: { key: MessageKey; status?: number } | undefined;
  const renderError = () => {
    error.hidden = shownError === undefined;
    setText(
      error,
      shownError ? t(shownError.key, shownError.status ? { status: shownError.status } : undefined) : '',
    );
  };
  onLangChange(renderError);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    setText(submit, t('login.busy'));
    try {
      const { user } = await api.login(username.value.trim(), password.value);
      password.value = '';
      shownError = undefined;
      renderError();
      options.onLoggedIn(user);
    } catch (err) {
      shownError = errorKey(err);
      renderError();
      password.select();
    } finally {
      submit.disabled = false;
      form.removeAttribute('aria-busy');
      setText(submit, t('login.submit'));
    }
  });

  return {
    show(reason) {
      view.hidden = false;
      shownError = reason ? { key: reason } : undefined;
      renderError();
      (username.value ? password : username).focus();
    },
    hide() {
      view.hidden = true;
    },
  };
}
