// Draws the dashboard's charts. The Content-Security-Policy allows no inline script, so each
// chart's data sits in a <script type="application/json"> island next to its <canvas
// data-chart="island id">; this file (loaded after Chart.js, both deferred) turns every island into
// a Chart.js chart and marks the canvas data-rendered="true" once drawn (tests wait for that).
(() => {
  const PALETTE = [
    '#0052cc',
    '#36b37e',
    '#ff991f',
    '#de350b',
    '#6554c0',
    '#00b8d9',
    '#ffc400',
    '#5e6c84',
    '#ff7452',
    '#79e2f2',
    '#998dd9',
    '#57d9a3',
  ];
  const TONES = { good: '#36b37e', bad: '#de350b', neutral: '#97a0af' };
  const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });
  const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

  /** A horizontal bar chart grows with its labels, so long lists of names stay readable. */
  const BAR_HEIGHT = 26;

  function config(spec) {
    const share = spec.unit === 'share';
    const format = (v) =>
      v === null || v === undefined ? '–' : share ? percent.format(v) : number.format(v);
    const valueAxis = {
      beginAtZero: true,
      stacked: Boolean(spec.stacked),
      max: share ? 1 : undefined,
      title: { display: Boolean(spec.unit) && !share, text: spec.unit },
      ticks: { callback: (v) => format(v), precision: spec.counts ? 0 : undefined },
    };
    const labelAxis = {
      stacked: Boolean(spec.stacked),
      ticks: { autoSkip: !spec.horizontal, maxRotation: 0 },
    };
    const datasets = spec.series.map((series, i) => {
      const color = TONES[series.tone] ?? PALETTE[i % PALETTE.length];
      const line = spec.kind === 'line' || series.line;
      return {
        label: series.label,
        data: series.data,
        type: line ? 'line' : 'bar',
        backgroundColor: color,
        borderColor: color,
        borderWidth: line ? 2 : 0,
        pointRadius: spec.labels.length > 40 ? 0 : 3,
        // A line drawn over stacked bars is not one of the stack.
        stack: series.line ? 'line' : 'bars',
        order: series.line ? 0 : 1,
      };
    });
    return {
      type: spec.kind,
      data: { labels: spec.labels, datasets },
      options: {
        indexAxis: spec.horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: 'index', intersect: false },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${format(c.raw)}` } },
        },
        scales: spec.horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
      },
    };
  }

  function draw(canvas) {
    try {
      const island = document.getElementById(canvas.dataset.chart);
      const spec = JSON.parse(island.textContent);
      if (spec.horizontal)
        canvas.parentElement.style.height = `${Math.max(240, spec.labels.length * BAR_HEIGHT + 90)}px`;
      new window.Chart(canvas, config(spec));
      canvas.dataset.rendered = 'true';
    } catch (err) {
      canvas.dataset.rendered = 'failed';
      console.error('chart not drawn', canvas.dataset.chart, err);
    }
  }

  for (const canvas of document.querySelectorAll('canvas[data-chart]')) draw(canvas);
})();
