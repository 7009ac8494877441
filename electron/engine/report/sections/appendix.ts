// Appendix (engine/report): the stored record behind every run in the report, so a reader can find and re-open it.
import { SIZES, COLORS } from '../document.js';
import { FONT } from '../fonts.js';
import { table } from '../table.js';
import { bulletList, codeBlock } from '../blocks.js';
import type { SectionContext } from '../input.js';

export function appendixSection(ctx: SectionContext): void {
  const { doc, analysis } = ctx;
  doc.heading(1, 'Appendix: run records');
  doc.paragraph('Every run in this report as stored in the run store. Re-create the report with:', { size: SIZES.small, after: 2 });
  codeBlock(doc, `npm run report -- ${analysis.arms.flatMap((a) => a.runs.map((r) => r.id)).join(' ')} --out FILE`);
  const rows = analysis.arms.flatMap((a) =>
    a.runs.map((r) => {
      const s = r.run.summary;
      return [
        r.id,
        s.name,
        a.name,
        s.status,
        s.createdAt.slice(0, 16).replace('T', ' '),
        r.seed === null ? '—' : String(r.seed),
        r.run.config?.groupId ? `${r.run.config.groupId} #${r.repeatIndex + 1}` : '—',
        `${s.epochsDone}/${s.epochs ?? '—'}`,
      ];
    }),
  );
  table(
    doc,
    [{ header: 'Run id', font: FONT.mono }, { header: 'Name' }, { header: 'Model' }, { header: 'Status' }, { header: 'Created (UTC)' }, { header: 'Seed', align: 'right' }, { header: 'Group' }, { header: 'Epochs', align: 'right' }],
    rows,
    { caption: 'Stored runs', size: SIZES.small },
  );
  const warnings = analysis.arms.flatMap((a) => a.runs.flatMap((r) => [...r.run.logWarnings.map((w) => `${r.id}: ${w}`), ...(r.run.summary.damaged ? [`${r.id}: damaged: ${r.run.summary.damaged}`] : [])]));
  if (warnings.length > 0) {
    doc.paragraph('Warnings from reading the run logs:', { font: FONT.bold, color: COLORS.bad });
    bulletList(doc, warnings, { size: SIZES.small });
  }
}
