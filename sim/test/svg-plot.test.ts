import assert from 'node:assert/strict';
import { niceTicks, renderPlot } from '../src/svg-plot.js';

describe('renderPlot', () => {
  it('draws an SVG with one polyline per series and an escaped legend', () => {
    const svg = renderPlot({
      title: 'a < b',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        { name: 's1', xs: [0, 1, 2], ys: [0, 1, 4] },
        { name: 's2 & co', xs: [0, 2], ys: [1, 1], dashed: true },
      ],
    });
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal(svg.match(/<polyline/g)?.length, 2);
    assert.match(svg, /a &lt; b/);
    assert.match(svg, /s2 &amp; co/);
    assert.match(svg, /stroke-dasharray/);
  });

  it('survives empty and non-finite data', () => {
    assert.match(renderPlot({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'n', xs: [NaN], ys: [1] }] }), /<\/svg>/);
  });
});

describe('niceTicks', () => {
  it('uses 1-2-5 steps', () => {
    assert.deepEqual(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
  });
});
