// What every view may need: who is signed in and the live event stream.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from './api';
import type { Live } from './live';

export interface AppContextValue {
  session: Session;
  live: Live;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const v = useContext(AppContext);
  if (!v) throw new Error('useApp outside a signed-in page');
  return v;
}
