// Renderer inspector logic (pure): which map of an explanation lies over the large image, on what scale, and its caption.
import { CLASS_NAMES } from '../../../shared/classes.js';
import { EXPLAIN_METHOD_LABELS, type ExplainResponse } from '../../../shared/explain.js';
import { heatmapMax } from '../../../shared/heatmapColors.js';
import { overlayRgba } from '../util/heatmap.js';

/**
 * Map `shown` (0 top class, 1 second, 2 contrast) over the image. Class maps share one scale so the weaker class
 * looks weaker; the contrast map has its own.
 */
export function overlayFor(r: ExplainResponse, shown: number, pixels: Uint8Array, opacity: number): { rgba: Uint8ClampedArray; label: string } | null {
  const m = r.maps[Math.min(shown, r.maps.length - 1)];
  if (!m) return null;
  const classMax = Math.max(...r.maps.filter((x) => x.versus === null).map((x) => heatmapMax(x.heatmap)));
  const max = m.versus === null ? classMax : heatmapMax(m.heatmap);
  const what = m.versus === null ? CLASS_NAMES[m.cls] : `${CLASS_NAMES[m.cls]}, not ${CLASS_NAMES[m.versus]}`;
  return { rgba: overlayRgba(pixels, m.heatmap, max, opacity), label: `${EXPLAIN_METHOD_LABELS[r.method]}${r.layer ? ` (${r.layer})` : ''}: ${what}` };
}
