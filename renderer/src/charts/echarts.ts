// Renderer charts: the tree-shaken ECharts build, registering exactly what shared/charts' registry says it needs.
import * as echarts from 'echarts/core';
import { BarChart, CustomChart, HeatmapChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import {
  GridComponent, LegendComponent, MarkLineComponent, ParallelComponent, TitleComponent, TooltipComponent, VisualMapComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

/** Keyed by the names used in shared/charts' chartRequirements, so a test can check nothing is missing. */
export const REGISTERED = {
  series: { line: LineChart, bar: BarChart, heatmap: HeatmapChart, custom: CustomChart, parallel: ParallelChart, scatter: ScatterChart },
  components: {
    grid: GridComponent, legend: LegendComponent, tooltip: TooltipComponent, title: TitleComponent,
    markLine: MarkLineComponent, visualMap: VisualMapComponent, parallel: ParallelComponent,
  },
} as const;

echarts.use([...Object.values(REGISTERED.series), ...Object.values(REGISTERED.components), CanvasRenderer]);

export { echarts };
