// The shell: asks who is signed in (GET /v1/session), shows the sign-in form or the navigation,
// the current view, the theme switch and sign-out; opens the live stream once signed in and
// toasts the viewer's tasks as they finish.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, setUnauthenticatedHandler, type Session } from './api';
import { AppContext } from './context';
import { openLive, type Live } from './live';
import { useTheme, type ThemeChoice } from './theme';
import { ThemeSwitch } from './ui/theme-switch';
import { shortId } from './ui/format';
import { href, useRoute } from './ui/router';
import { ToastProvider, useToast } from './ui/toasts';
import { BatchesView } from './views/batches';
import { CreditsView } from './views/credits';
import { QueuesView } from './views/queues';
import { SignIn } from './views/sign-in';
import { TaskDetail } from './views/task-detail';
import { TaskList } from './views/task-list';
import { TenantsView } from './views/tenants';

export function App() {
  return (
    <ToastProvider>
      <Root />
    </ToastProvider>
  );
}

function Root() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [theme, setTheme] = useTheme();
  useEffect(() => {
    setUnauthenticatedHandler(() => setSession(null));
    api.session.get().then(setSession, () => setSession(null));
  }, []);
  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={setSession} theme={theme} setTheme={setTheme} />;
  return <SignedIn session={session} onSignedOut={() => setSession(null)} theme={theme} setTheme={setTheme} />;
}

function SignedIn({ session, onSignedOut, theme, setTheme }: { session: Session; onSignedOut: () => void; theme: ThemeChoice; setTheme: (t: ThemeChoice) => void }) {
  const live = useMemo<Live>(() => openLive(), []);
  useEffect(() => () => live.close(), [live]);
  const toast = useToast();
  useEffect(
    () =>
      live.subscribe((e) => {
        if (!e.taskId || e.tenantId !== session.tenantId) return;
        const outcome = e.event === 'task.succeeded' ? 'succeeded' : e.event === 'task.failed' ? 'failed' : e.event === 'task.cancelled' ? 'cancelled' : null;
        if (!outcome) return;
        const type = typeof e.payload?.type === 'string' ? e.payload.type : 'task';
        toast(
          outcome === 'succeeded' ? 'success' : outcome === 'failed' ? 'error' : 'info',
          <span>
            {type} <a href={href(`tasks/${e.taskId}`)}>{shortId(e.taskId)}</a> {outcome}
          </span>,
          { event: true },
        );
      }),
    [live, session.tenantId, toast],
  );
  const route = useRoute();
  const [section = 'tasks', id] = route.parts;
  const signOut = async () => {
    await api.session.signOut().catch(() => undefined);
    live.close();
    onSignedOut();
  };
  const nav = [
    ['tasks', 'Tasks'],
    ['queues', 'Queues'],
    ['batches', 'Batches'],
    ['credits', 'Credits'],
    ...(session.role === 'operator' ? [['tenants', 'Tenants']] : []),
  ] as const;
  let view;
  if (section === 'tasks' && id) view = <TaskDetail id={id} key={id} />;
  else if (section === 'queues') view = <QueuesView />;
  else if (section === 'batches') view = <BatchesView id={id} key={id ?? ''} />;
  else if (section === 'credits') view = <CreditsView />;
  else if (section === 'tenants' && session.role === 'operator') view = <TenantsView />;
  else view = <TaskList params={route.params} />;
  return (
    <AppContext.Provider value={{ session, live }}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Loom task center</span>
        <nav aria-label="Sections">
          <ul>
            {nav.map(([key, label]) => (
              <li key={key}>
                <a href={href(key)} aria-current={section === key ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span title={`session until ${new Date(session.expiresAt).toLocaleString()}`}>
            {session.tenantId} · {session.role}
          </span>
          <ThemeSwitch theme={theme} setTheme={setTheme} />
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {view}
      </main>
    </AppContext.Provider>
  );
}
