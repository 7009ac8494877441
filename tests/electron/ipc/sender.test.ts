// Which URLs count as the app's own (IPC senders, navigation) and which links may open in the OS browser.
import { describe, expect, it } from 'vitest';
import { createExternalLinkCheck, createUrlCheck, isSafeExternalUrl } from '../../../electron/ipc/sender.js';

describe('createUrlCheck', () => {
  const isApp = createUrlCheck(['app://workbench/']);

  it('accepts pages of the app protocol, with routes, queries and hashes', () => {
    for (const url of ['app://workbench/index.html', 'app://workbench/', 'app://workbench/index.html#/compare?runs=a,b']) {
      expect(isApp(url)).toBe(true);
    }
  });

  it('rejects lookalikes and everything else', () => {
    for (const url of [
      'app://workbench.evil/index.html', 'app://evil/', 'apps://workbench/', 'https://workbench/', 'http://127.0.0.1:5173/',
      'file:///work/dist/renderer/index.html', 'app://user:pw@workbench/', 'about:blank', 'not a url', '', null, undefined,
    ]) {
      expect(isApp(url), String(url)).toBe(false);
    }
  });

  it('treats a bare origin (as permission checks pass it) as the root of the app', () => {
    expect(isApp('app://workbench')).toBe(true);
    expect(isApp('app://workbench.evil')).toBe(false);
    expect(createUrlCheck(['app://workbench/sub/'])('app://workbench')).toBe(false);
  });

  it('can trust the built renderer folder as file URLs, and nothing beside it', () => {
    const isFile = createUrlCheck(['file:///opt/app/dist/renderer']);
    expect(isFile('file:///opt/app/dist/renderer/index.html')).toBe(true);
    expect(isFile('file:///opt/app/dist/renderer-evil/index.html')).toBe(false);
    expect(isFile('file:///tmp/index.html')).toBe(false);
  });
});

describe('isSafeExternalUrl', () => {
  it('allows https links only', () => {
    expect(isSafeExternalUrl('https://github.com/zalandoresearch/fashion-mnist')).toBe(true);
    for (const url of ['http://example.org', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://u:p@example.org', 'nonsense']) {
      expect(isSafeExternalUrl(url), url).toBe(false);
    }
  });
});

describe('createExternalLinkCheck', () => {
  const isAppLink = createExternalLinkCheck(['https://github.com/zalandoresearch/fashion-mnist']);

  it('passes the app\'s own links, in any equivalent spelling', () => {
    expect(isAppLink('https://github.com/zalandoresearch/fashion-mnist')).toBe(true);
    expect(isAppLink('HTTPS://GitHub.com:443/zalandoresearch/fashion-mnist')).toBe(true);
  });

  it('refuses every other link, even a safe-looking https one on the same site', () => {
    for (const url of [
      'https://github.com/zalandoresearch/fashion-mnist/../evil', 'https://github.com/evil', 'https://example.org/',
      'http://github.com/zalandoresearch/fashion-mnist', 'https://u:p@github.com/zalandoresearch/fashion-mnist', 'not a url',
    ]) {
      expect(isAppLink(url), url).toBe(false);
    }
  });

  it('refuses to be built with a link that is not safe to open', () => {
    expect(() => createExternalLinkCheck(['http://example.org/'])).toThrow(/Not a safe external link/);
  });
});
