// A running job's recent CPU as a small line (SVG, no library): the last POINTS live samples.

const SVG = 'http://www.w3.org/2000/svg';
const POINTS = 60;
const WIDTH = 120;
const HEIGHT = 24;

/** An empty sparkline element; draw() it with values. */
export function sparkline() {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('width', String(WIDTH));
  svg.setAttribute('height', String(HEIGHT));
  svg.setAttribute('aria-hidden', 'true');
  svg.append(document.createElementNS(SVG, 'polyline'));
  return svg;
}

/** Keeps the last POINTS values of `list` after adding `value`. */
export function remember(list, value) {
  list.push(value);
  if (list.length > POINTS) list.splice(0, list.length - POINTS);
  return list;
}

/** Draws `values` (CPU %; the scale is at least 100 %, more when several cores are busy). */
export function draw(svg, values) {
  const max = Math.max(100, ...values);
  const step = WIDTH / (POINTS - 1);
  const offset = WIDTH - step * (values.length - 1);
  const points = values.map((v, i) => `${(offset + i * step).toFixed(1)},${(HEIGHT - 1 - (v / max) * (HEIGHT - 2)).toFixed(1)}`);
  svg.firstChild.setAttribute('points', points.join(' '));
  svg.dataset.points = String(values.length);
}
