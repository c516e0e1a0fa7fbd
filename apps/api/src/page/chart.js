// A job's CPU and memory over time (uPlot): the stored history first, then each live sample.
import uPlot from './vendor/uPlot.esm.js';
import { bytes } from './format.js';

const CPU = '#6ea8fe';
const RSS = '#4cc38a';
const GRID = { stroke: '#272b35', width: 1 };
const AXIS = { stroke: '#8b92a5', grid: GRID, ticks: GRID };

/** Draws `samples` ({t, cpuPercent, rssBytes}) into `container`; add() appends a point. */
export function createChart(container, samples) {
  const data = [[], [], []];
  const push = (t, cpu, rss) => {
    const x = t / 1000;
    if (data[0].length && x <= data[0][data[0].length - 1]) return false;
    data[0].push(x);
    data[1].push(cpu ?? null);
    data[2].push(rss ?? null);
    return true;
  };
  for (const s of samples) push(s.t, s.cpuPercent, s.rssBytes);
  const size = () => ({ width: Math.max(200, container.clientWidth), height: 160 });
  const plot = new uPlot(
    {
      ...size(),
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, cpu: { range: (_u, _min, max) => [0, Math.max(100, max ?? 0)] }, rss: { range: (_u, _min, max) => [0, Math.max(1024 * 1024, (max ?? 0) * 1.1)] } },
      series: [
        {},
        { label: 'CPU', scale: 'cpu', stroke: CPU, width: 1.5, value: (_u, v) => (v === null ? '–' : `${v.toFixed(1)} %`) },
        { label: 'RSS', scale: 'rss', stroke: RSS, width: 1.5, value: (_u, v) => bytes(v) },
      ],
      axes: [
        { ...AXIS },
        { ...AXIS, scale: 'cpu', values: (_u, ticks) => ticks.map((v) => `${v} %`), size: 56 },
        { ...AXIS, scale: 'rss', side: 1, grid: { show: false }, values: (_u, ticks) => ticks.map((v) => bytes(v)), size: 72 },
      ],
    },
    data,
    container,
  );
  const mark = () => { container.dataset.points = String(data[0].length); };
  mark();
  const onResize = () => plot.setSize(size());
  window.addEventListener('resize', onResize);
  return {
    add(t, cpuPercent, rssBytes) {
      if (!push(t, cpuPercent, rssBytes)) return;
      plot.setData(data);
      mark();
    },
    destroy() {
      window.removeEventListener('resize', onResize);
      plot.destroy();
      delete container.dataset.points;
    },
  };
}
