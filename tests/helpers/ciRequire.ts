// Test helper (tests layer): in CI an environment-dependent test must run, so a missing prerequisite fails instead of skipping.

/** True when running under CI (`CI=true`, as .ci/run and most CI services set it). */
export function inCi(): boolean {
  return (process.env.CI ?? '').toLowerCase() === 'true';
}

/**
 * Gate for an environment-dependent test. Outside CI returns `condition`, so the caller can
 * `it.skipIf(!requireInCi(present, 'what'))` and the skip keeps its reason. In CI, where .ci/run
 * installs every prerequisite, a missing one throws an Error naming `what`, which fails the file loudly.
 */
export function requireInCi(condition: boolean, what: string): boolean {
  if (!condition && inCi()) {
    throw new Error(`CI=true but a test prerequisite is missing: ${what}. .ci/run is expected to provide it; a skip here would hide a failure.`);
  }
  return condition;
}
