// Sign-in with an API key (user or operator). The key goes once to POST /v1/session, which
// answers with an HttpOnly cookie; the page never stores the key.
import { useState } from 'preact/hooks';
import { api, ApiError, type Session } from '../api';
import type { ThemeChoice } from '../theme';
import { ThemeSwitch } from '../ui/theme-switch';

export function SignIn({ onSignedIn, theme, setTheme }: { onSignedIn: (s: Session) => void; theme: ThemeChoice; setTheme: (t: ThemeChoice) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.session.signIn(key.trim()));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That API key is not known.' : `Sign-in failed: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>Loom task center</h1>
      <form onSubmit={submit} class="card">
        <label for="api-key">API key</label>
        <input id="api-key" name="apiKey" type="password" autoComplete="off" required value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
        <p class="hint">A user key shows your tenant's tasks; an operator key shows every tenant. The browser keeps a session cookie, not the key.</p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
      <ThemeSwitch theme={theme} setTheme={setTheme} />
    </main>
  );
}
