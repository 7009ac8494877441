// Engine/drafts: model drafts on disk in the app's data folder (<appData>/models/<name>.json), shared by the app, browser
// mode and the CLI; atomic writes, file names derived from the model name and sanitised, every file checked on read.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ModelSpec } from '../../../shared/spec.js';
import { DraftFileSchema, draftFileStem, type DraftFile, type DraftSummary } from '../../../shared/drafts.js';
import { validateModelSpec } from '../../../shared/model/inferShapes.js';
import { writeFileAtomic } from '../runs/atomic.js';

/** A draft that cannot be read, written or found; names the draft and the file. */
export class DraftError extends Error {
  override readonly name = 'DraftError';
  constructor(message: string, readonly draft?: string, readonly file?: string) {
    super(message);
  }
}

export { draftFileStem };

export class DraftStore {
  readonly root: string;

  constructor(appDataDir: string) {
    this.root = path.join(path.resolve(appDataDir), 'models');
  }

  private file(name: string): string {
    return path.join(this.root, `${draftFileStem(name)}.json`);
  }

  /** Every readable draft, by name; unreadable files are reported in `damaged`, never fatal. */
  async list(): Promise<{ drafts: DraftSummary[]; damaged: { file: string; message: string }[] }> {
    const { files, damaged } = await this.readAll();
    return { drafts: files.map(({ stem, draft: d }) => ({ name: d.spec.name, stem, savedAt: d.savedAt, presetId: d.presetId })), damaged };
  }

  /** Every readable draft file with its stem; unreadable ones in `damaged`. */
  async readAll(): Promise<{ files: { stem: string; draft: DraftFile }[]; damaged: { file: string; message: string }[] }> {
    let names: string[];
    try {
      names = (await fs.readdir(this.root)).filter((f) => f.endsWith('.json'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { files: [], damaged: [] };
      throw new DraftError(`could not list the drafts folder ${this.root}: ${(err as Error).message}`, undefined, this.root);
    }
    const files: { stem: string; draft: DraftFile }[] = [];
    const damaged: { file: string; message: string }[] = [];
    for (const f of names.sort()) {
      try {
        files.push({ stem: f.slice(0, -5), draft: await this.readFile(path.join(this.root, f)) });
      } catch (err) {
        damaged.push({ file: path.join(this.root, f), message: (err as Error).message });
      }
    }
    return { files, damaged };
  }

  private async readFile(file: string): Promise<DraftFile> {
    const text = await fs.readFile(file, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new DraftError(`${file} is not JSON: ${(err as Error).message}`, undefined, file);
    }
    const parsed = DraftFileSchema.safeParse(json);
    if (!parsed.success) throw new DraftError(`${file} is not a model draft: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; ')}`, undefined, file);
    return parsed.data;
  }

  /** The draft named `name` (matched by its file stem, so case and punctuation do not matter); the error lists the names there are. */
  async get(name: string): Promise<DraftFile> {
    const file = this.file(name);
    try {
      return await this.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const { drafts } = await this.list();
      const known = drafts.length ? `saved drafts: ${drafts.map((d) => `"${d.name}"`).join(', ')}` : `no drafts are saved in ${this.root}`;
      throw new DraftError(`no model draft named "${name}"; ${known}`, name, file);
    }
  }

  /** The draft's spec, validated for training (a SpecError names every problem). */
  async spec(name: string): Promise<ModelSpec> {
    return validateModelSpec((await this.get(name)).spec);
  }

  /** Writes (or replaces) the draft under its spec's name, atomically. */
  async save(spec: DraftFile['spec'], presetId: string | null = null): Promise<DraftSummary> {
    const file: DraftFile = DraftFileSchema.parse({ format: 'fmw-model-draft', version: 1, savedAt: new Date().toISOString(), presetId, spec });
    await fs.mkdir(this.root, { recursive: true });
    await writeFileAtomic(this.file(spec.name), `${JSON.stringify(file, null, 2)}\n`);
    return { name: spec.name, stem: draftFileStem(spec.name), savedAt: file.savedAt, presetId };
  }

  async remove(name: string): Promise<void> {
    await fs.rm(this.file(name), { force: true });
  }
}

export { ModelImportError, exportModelJson, importModelJson } from '../../../shared/model/importModel.js';
