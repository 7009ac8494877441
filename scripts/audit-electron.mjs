#!/usr/bin/env node
// Security audit, step 2 (build tooling): reads Electronegativity's SARIF and fails on every finding the allow-list does not accept.
//
// Usage: node scripts/audit-electron.mjs [--sarif FILE] [--allow FILE]
//   defaults: test-results/electronegativity.sarif (written by scripts/electronegativity-scan.mjs)
//             scripts/electronegativity-accepted.json
// Exit codes: 0 every finding accepted; 1 at least one finding not accepted; 2 unreadable SARIF or allow-list.
//
// An allow-list entry: { "rule": RULE_ID, "file"?: path in the scan, "snippet"?: text, "reason": why it is acceptable }.
// It accepts a finding of that rule in that file whose source line contains the snippet. Without "file" it accepts
// only findings about the app as a whole (Electronegativity's global checks, reported at file:///). Matching on the
// source text rather than line numbers keeps an acceptance valid when the bundle moves, and voids it when the code changes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GLOBAL_URI = 'file:///';

/** A SARIF or allow-list file that cannot be used; the message says which file and what is wrong. */
export class AuditInputError extends Error {
  name = 'AuditInputError';
}

/** The findings of a SARIF log as flat records. */
export function findingsOf(sarif, source = 'SARIF') {
  if (!sarif || !Array.isArray(sarif.runs)) throw new AuditInputError(`${source}: not a SARIF log (no "runs" array)`);
  return sarif.runs.flatMap((run) => (run.results ?? []).map((r) => {
    const loc = r.locations?.[0]?.physicalLocation;
    const uri = loc?.artifactLocation?.uri ?? GLOBAL_URI;
    return {
      rule: String(r.ruleId),
      level: r.level ?? 'warning',
      message: r.message?.text ?? '',
      file: uri === GLOBAL_URI ? null : uri,
      line: loc?.region?.startLine ?? null,
      snippet: loc?.region?.snippet?.text ?? '',
    };
  }));
}

/** Checks the shape of the allow-list: every entry names a rule and gives a reason. */
export function parseAllowList(data, source = 'allow-list') {
  const entries = data?.accepted;
  if (!Array.isArray(entries)) throw new AuditInputError(`${source}: expected { "accepted": [ … ] }`);
  entries.forEach((e, i) => {
    const where = `${source}: entry ${i + 1}`;
    if (typeof e?.rule !== 'string' || e.rule === '') throw new AuditInputError(`${where} has no "rule"`);
    if (typeof e.reason !== 'string' || e.reason.trim().length < 10) throw new AuditInputError(`${where} (${e.rule}) needs a "reason" that says why it is acceptable`);
    for (const key of ['file', 'snippet']) {
      if (e[key] !== undefined && (typeof e[key] !== 'string' || e[key] === '')) throw new AuditInputError(`${where} (${e.rule}): "${key}" must be a non-empty string`);
    }
  });
  return entries;
}

function accepts(entry, finding) {
  if (entry.rule !== finding.rule) return false;
  if ((entry.file ?? null) !== finding.file) return false;
  return entry.snippet === undefined || finding.snippet.includes(entry.snippet);
}

/** Splits findings into accepted (with the entry that accepts each) and not accepted; lists entries nothing matched. */
export function audit(findings, allowList) {
  const accepted = [];
  const rejected = [];
  const used = new Set();
  for (const finding of findings) {
    const entry = allowList.find((e) => accepts(e, finding));
    if (entry) {
      accepted.push({ finding, entry });
      used.add(entry);
    } else {
      rejected.push(finding);
    }
  }
  return { accepted, rejected, unused: allowList.filter((e) => !used.has(e)) };
}

function readJson(file, what) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AuditInputError(`cannot read the ${what} ${file}: ${err.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AuditInputError(`${file} is not valid JSON: ${err.message}`);
  }
}

function describe(f) {
  return `${f.rule} at ${f.file ? `${f.file}:${f.line}` : 'app level'}${f.snippet ? ` \`${f.snippet.slice(0, 100)}\`` : ''} (${f.message})`;
}

function main(argv) {
  const arg = (name, fallback) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? path.resolve(argv[i + 1]) : fallback;
  };
  const sarifFile = arg('--sarif', path.join(root, 'test-results', 'electronegativity.sarif'));
  const allowFile = arg('--allow', path.join(root, 'scripts', 'electronegativity-accepted.json'));
  let result;
  try {
    const findings = findingsOf(readJson(sarifFile, 'SARIF log'), sarifFile);
    result = audit(findings, parseAllowList(readJson(allowFile, 'allow-list'), allowFile));
  } catch (err) {
    if (!(err instanceof AuditInputError)) throw err;
    console.error(`audit-electron: ${err.message}`);
    return 2;
  }
  for (const { finding, entry } of result.accepted) console.log(`accepted  ${describe(finding)}\n          because: ${entry.reason}`);
  for (const entry of result.unused) console.warn(`stale     allow-list entry ${entry.rule}${entry.snippet ? ` \`${entry.snippet}\`` : ''} matched nothing; remove it`);
  for (const finding of result.rejected) console.error(`NEW       ${describe(finding)}`);
  const total = result.accepted.length + result.rejected.length;
  if (result.rejected.length > 0) {
    console.error(`audit-electron: ${result.rejected.length} of ${total} finding(s) not accepted. Fix them in the shell, or, for a false `
      + `positive, add an entry with its reason to ${path.relative(root, allowFile)}.`);
    return 1;
  }
  console.log(`audit-electron: ${total} finding(s), all accepted with a reason.`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
