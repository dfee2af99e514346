import { OPAQUE_CONTENT_TYPE, storedContentType } from './content-types';

describe('storedContentType', () => {
  it('keeps the media types outputs are, without parameters', () => {
    expect(storedContentType('video/mp4')).toBe('video/mp4');
    expect(storedContentType('Image/PNG; charset=binary')).toBe('image/png');
    expect(storedContentType('application/json; charset=utf-8')).toBe('application/json');
  });

  it('stores anything a browser would render as active content, or anything unknown, as octet-stream', () => {
    for (const t of ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'text/javascript', 'application/pdf', '', undefined, 'nonsense', 'video/mp4<script>']) {
      expect(storedContentType(t)).toBe(OPAQUE_CONTENT_TYPE);
    }
  });

  it('follows an allow-list with wildcards when one is given', () => {
    expect(storedContentType('image/tiff', ['image/*'])).toBe('image/tiff');
    expect(storedContentType('video/mp4', ['image/*'])).toBe(OPAQUE_CONTENT_TYPE);
  });
});
