import { describe, expect, it } from 'vitest';
import { REGISTERED } from '../../../renderer/src/charts/echarts.js';
import { chartRequirements } from '../../../shared/charts/registry.js';

describe('renderer ECharts build', () => {
  it('registers every series and component a shared chart needs', () => {
    for (const [kind, req] of Object.entries(chartRequirements)) {
      for (const s of req.series) expect(REGISTERED.series, `${kind} needs series ${s}`).toHaveProperty(s);
      for (const c of req.components) expect(REGISTERED.components, `${kind} needs component ${c}`).toHaveProperty(c);
    }
  });
});
