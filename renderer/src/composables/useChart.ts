// Renderer composable: one ECharts instance bound to an element; follows its option, resizes with the element, cleans up.
import { onBeforeUnmount, onMounted, watch, type Ref } from 'vue';
import type { EChartsOption } from 'echarts';
import { echarts } from '../charts/echarts.js';

export interface ChartClick {
  seriesType?: string;
  value?: unknown;
  dataIndex?: number;
  name?: string;
}

export interface UseChartOptions {
  /** Minimum gap between two redraws while data streams in (live training curves). */
  throttleMs?: number;
  onClick?: (params: ChartClick) => void;
}

export function useChart(el: Ref<HTMLElement | null>, option: Ref<EChartsOption | null>, opts: UseChartOptions = {}) {
  let chart: ReturnType<typeof echarts.init> | null = null;
  let observer: ResizeObserver | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastDraw = 0;

  function draw() {
    timer = null;
    lastDraw = Date.now();
    if (chart && option.value) chart.setOption(option.value, { notMerge: true, lazyUpdate: true });
  }

  function schedule() {
    const gap = opts.throttleMs ?? 0;
    if (gap <= 0) return draw();
    if (timer) return;
    const wait = Math.max(0, gap - (Date.now() - lastDraw));
    timer = setTimeout(draw, wait);
  }

  onMounted(() => {
    if (!el.value) return;
    chart = echarts.init(el.value, null, { renderer: 'canvas' });
    if (opts.onClick) chart.on('click', (p) => opts.onClick!(p as ChartClick));
    draw();
    if (typeof ResizeObserver !== 'undefined') {
      observer = new ResizeObserver(() => chart?.resize());
      observer.observe(el.value);
    }
  });

  watch(option, schedule);

  onBeforeUnmount(() => {
    if (timer) clearTimeout(timer);
    observer?.disconnect();
    chart?.dispose();
    chart = null;
  });

  return { instance: () => chart };
}
