// Where the CLI finds the gateway and the API key, first match wins: --url/--api-key, then
// LOOM_URL/LOOM_API_KEY, then a named profile of the config file (--profile, LOOM_PROFILE, or
// the file's `default`), then, inside the Loom repository, the credentials `npm start` wrote
// (.cache/dev-credentials.json: the demo tenant's key, or its operator key for `loom admin`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from './usage-error';

export interface ProfileFile {
  /** The profile used when none is named. */
  default?: string;
  profiles: Record<string, { url: string; apiKey: string }>;
}

export interface SettingsInput {
  url?: string;
  apiKey?: string;
  profile?: string;
  /** Commands that need an operator key (loom admin) take the dev credentials' operatorKey. */
  operator?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** $LOOM_CONFIG, else $XDG_CONFIG_HOME/loom/config.json, else ~/.config/loom/config.json. */
export function configFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LOOM_CONFIG) return env.LOOM_CONFIG;
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'loom', 'config.json');
}

export function readProfiles(file: string): ProfileFile | undefined {
  if (!fs.existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`the config file ${file} is not valid JSON: ${err instanceof Error ? err.message : err}`);
  }
  const profiles = (parsed as ProfileFile | null)?.profiles;
  if (!profiles || typeof profiles !== 'object') throw new UsageError(`the config file ${file} has no "profiles" object`);
  return parsed as ProfileFile;
}

/** The nearest .cache/dev-credentials.json of a Loom checkout at or above `cwd`. */
export function devCredentialsFile(cwd: string): string | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const file = path.join(dir, '.cache', 'dev-credentials.json');
    if (fs.existsSync(file)) return file;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export function resolveSettings(input: SettingsInput): { url: string; apiKey: string; source: string } {
  const env = input.env ?? process.env;
  let url = input.url ?? env.LOOM_URL;
  let apiKey = input.apiKey ?? env.LOOM_API_KEY;
  let source = 'flags or environment';
  const file = configFile(env);
  const profiles = readProfiles(file);
  const name = input.profile ?? env.LOOM_PROFILE ?? profiles?.default;
  if ((!url || !apiKey) && name) {
    const p = profiles?.profiles[name];
    if (!p) throw new UsageError(`no profile "${name}" in ${file}${profiles ? ` (profiles: ${Object.keys(profiles.profiles).join(', ') || 'none'})` : ' (the file does not exist)'}`);
    url ??= p.url;
    apiKey ??= p.apiKey;
    source = `profile ${name} (${file})`;
  }
  if (!url || !apiKey) {
    const dev = devCredentialsFile(input.cwd ?? process.cwd());
    if (dev) {
      const c = JSON.parse(fs.readFileSync(dev, 'utf8')) as { gatewayUrl?: string; apiKey?: string; operatorKey?: string };
      url ??= c.gatewayUrl;
      apiKey ??= input.operator ? c.operatorKey : c.apiKey;
      source = `npm start credentials (${dev})`;
    }
  }
  if (!url) throw new UsageError('no gateway URL: pass --url, set LOOM_URL, name a --profile, or run `npm start` in the Loom repository');
  if (!apiKey) throw new UsageError('no API key: pass --api-key, set LOOM_API_KEY, or name a --profile');
  return { url, apiKey, source };
}
