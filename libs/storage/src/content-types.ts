// Which content type an output is stored (and so served) with. A provider's claim or a fetched
// URL's Content-Type is untrusted: stored as claimed, `text/html` or `image/svg+xml` under our
// presigned URLs would run script in our users' browsers. Only media types on an allow-list are
// kept; everything else is stored as application/octet-stream. (Downloads are presigned with
// Content-Disposition: attachment as well: see presignGet.)

/** What generation outputs are: video, raster images, audio, a JSON result, plain text. */
export const DEFAULT_OUTPUT_CONTENT_TYPES: readonly string[] = [
  'text/plain',
  'video/mp4',
  'video/webm',
  'video/quicktime',
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/gif',
  'image/avif',
  'audio/mpeg',
  'audio/wav',
  'audio/ogg',
  'audio/flac',
  'audio/aac',
  'application/json',
];

export const OPAQUE_CONTENT_TYPE = 'application/octet-stream';

/**
 * The claimed type when `allowed` lists it (exactly, or as "video/*"), else
 * application/octet-stream. Parameters (`; charset=...`) and case are dropped.
 */
export function storedContentType(claimed: string | undefined | null, allowed: readonly string[] = DEFAULT_OUTPUT_CONTENT_TYPES): string {
  const type = (claimed ?? '').split(';')[0]!.trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*$/.test(type)) return OPAQUE_CONTENT_TYPE;
  const major = type.split('/')[0];
  return allowed.some((a) => a === type || a === `${major}/*`) ? type : OPAQUE_CONTENT_TYPE;
}
