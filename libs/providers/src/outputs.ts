// Turning what providers return into ProviderOutput lists: every http(s) URL found, in order,
// once, with a content type when the provider or the file name says it.
import type { ProviderOutput } from './provider';

const CONTENT_TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  gif: 'image/gif',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  txt: 'text/plain',
  json: 'application/json',
  glb: 'model/gltf-binary',
  zip: 'application/zip',
};

/** "mp4", ".MP4" or "video/mp4" -> "video/mp4"; unknown -> undefined. */
export function contentTypeFor(typeOrExtension: string | undefined): string | undefined {
  if (!typeOrExtension) return undefined;
  const t = typeOrExtension.trim().toLowerCase();
  if (t.includes('/')) return t;
  return CONTENT_TYPES[t.replace(/^\./, '')];
}

/** The content type a URL's file name implies, if any. */
export function contentTypeFromUrl(url: string): string | undefined {
  try {
    const m = /\.([a-z0-9]{2,5})$/i.exec(new URL(url).pathname);
    return m ? contentTypeFor(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || !/^https?:\/\//i.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** Every http(s) URL string in a value (string, array, object, nested), depth-first, without duplicates. */
export function collectHttpUrls(value: unknown, depth = 0, into: string[] = []): string[] {
  if (depth > 8) return into; // provider outputs are shallow; this only guards against cycles and abuse
  if (isHttpUrl(value)) {
    if (!into.includes(value)) into.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectHttpUrls(item, depth + 1, into);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) collectHttpUrls(item, depth + 1, into);
  }
  return into;
}

export function outputsFromUrls(urls: string[], fallbackContentType?: string): ProviderOutput[] {
  return urls.map((url) => {
    const contentType = contentTypeFromUrl(url) ?? fallbackContentType;
    return contentType ? { url, contentType } : { url };
  });
}
