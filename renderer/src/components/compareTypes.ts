// Compare view: one compared run as its panels receive it.
import type { RunDetail, TestMetrics } from '../../../shared/run.js';

export interface ComparedRun {
  id: string;
  name: string;
  /** "A", "B", … in selection order. */
  role: string;
  color: string;
  detail: RunDetail;
  test: TestMetrics;
}
