// requireInCi: outside CI a missing prerequisite is a visible skip; under CI=true it is a failure naming what is missing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { requireInCi } from './ciRequire.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('requireInCi', () => {
  it('outside CI returns the condition, so the caller can skip with its reason', () => {
    vi.stubEnv('CI', '');
    expect(requireInCi(true, 'chromium')).toBe(true);
    expect(requireInCi(false, 'chromium')).toBe(false);
  });

  it('under CI=true returns true when present and throws, naming what is missing, when absent', () => {
    vi.stubEnv('CI', 'true');
    expect(requireInCi(true, 'chromium')).toBe(true);
    expect(() => requireInCi(false, 'pdftotext (apt-get install poppler-utils)')).toThrow(/CI=true.*missing: pdftotext \(apt-get install poppler-utils\)/);
  });
});
