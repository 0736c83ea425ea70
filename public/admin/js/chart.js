// A small SVG line chart for usage time series. Accessible: role="img" with <title> and <desc>,
// every point carries a <title> (shown on hover), and callers render the same numbers as a table.

import { h } from './dom.js';
import { num, shortDay, label } from './format.js';

let chartCount = 0;

/** Four ticks of a "nice" integer step (1, 2, 5 × 10^k) that covers the maximum. */
function niceMax(max) {
  const raw = Math.max(1, max / 4);
  const exp = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (Math.ceil(m * exp) >= raw) return Math.ceil(m * exp) * 4;
  return 40 * exp;
}

/**
 * @param {{title: string, desc: string, dates: string[], series: {name: string, values: number[]}[]}} opts
 * @returns {SVGSVGElement}
 */
export function lineChart({ title, desc, dates, series, width = 720, height = 260 }) {
  const id = `chart-${++chartCount}`;
  const pad = { top: 12, right: 24, bottom: 28, left: 56 };
  const w = width - pad.left - pad.right;
  const hgt = height - pad.top - pad.bottom;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const x = (i) => pad.left + (dates.length <= 1 ? w / 2 : (i * w) / (dates.length - 1));
  const y = (v) => pad.top + hgt - (v / max) * hgt;

  const svg = h('svg', {
    class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`, preserveAspectRatio: 'xMidYMid meet',
  },
  h('title', { id: `${id}-title` }, title),
  h('desc', { id: `${id}-desc` }, desc));

  const grid = h('g', { class: 'chart-grid', 'aria-hidden': 'true' });
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const yy = y(v);
    grid.append(
      h('line', { x1: pad.left, x2: width - pad.right, y1: yy, y2: yy }),
      h('text', { x: pad.left - 6, y: yy + 4, class: 'chart-ylabel' }, num(v)));
  }
  const step = Math.max(1, Math.ceil(dates.length / 6));
  dates.forEach((d, i) => {
    if (i % step === 0 || i === dates.length - 1) {
      const anchor = i === 0 ? 'chart-xlabel-start' : (i === dates.length - 1 ? 'chart-xlabel-end' : 'chart-xlabel');
      grid.append(h('text', { x: x(i), y: height - 8, class: anchor }, shortDay(d)));
    }
  });
  svg.append(grid);

  series.forEach((s, si) => {
    const g = h('g', { class: `chart-series series-${si % 8}` });
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    g.append(h('polyline', { points, fill: 'none' }));
    s.values.forEach((v, i) => {
      g.append(h('circle', { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 3 },
        h('title', `${shortDay(dates[i])} · ${label(s.name)}: ${num(v)}`)));
    });
    svg.append(g);
  });
  return svg;
}

/** A legend whose swatches use the same series-N classes as the chart. */
export function legend(names) {
  return h('ul.chart-legend', names.map((n, i) => h('li', h('span.swatch', { class: `series-${i % 8}`, 'aria-hidden': 'true' }), label(n))));
}
