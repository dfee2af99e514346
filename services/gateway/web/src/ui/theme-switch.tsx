// The theme switch: system, light or dark.
import type { ThemeChoice } from '../theme';

export function ThemeSwitch({ theme, setTheme }: { theme: ThemeChoice; setTheme: (t: ThemeChoice) => void }) {
  return (
    <label class="theme">
      Theme{' '}
      <select value={theme} onChange={(e) => setTheme((e.target as HTMLSelectElement).value as ThemeChoice)}>
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
