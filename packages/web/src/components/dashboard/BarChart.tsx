/**
 * A small bar chart drawn by hand in SVG: a title and a description for screen readers, each
 * bar's number written above it, and the same numbers as a table below (a chart alone is not
 * enough for everyone).
 */

export interface Bar {
  readonly label: string
  /** a longer label for the table and the bar's own title ("Monday 23 November") */
  readonly long: string
  readonly value: number
}

const WIDTH = 360
const HEIGHT = 190
const TOP = 24
const BOTTOM = 28
const SIDE = 8

export const BarChart = ({
  id,
  title,
  description,
  bars,
  unit,
}: {
  id: string
  title: string
  description: string
  bars: ReadonlyArray<Bar>
  /** what a value counts ("uploads") */
  unit: string
}) => {
  const max = Math.max(1, ...bars.map((bar) => bar.value))
  const slot = (WIDTH - SIDE * 2) / Math.max(1, bars.length)
  const barWidth = Math.min(56, slot * 0.6)
  const plot = HEIGHT - TOP - BOTTOM
  return (
    <figure class="chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`} class="chart-caption">
        {title}
      </figcaption>
      <svg
        class="chart-svg"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        preserveAspectRatio="xMidYMid meet"
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        <line class="chart-axis" x1={SIDE} x2={WIDTH - SIDE} y1={HEIGHT - BOTTOM} y2={HEIGHT - BOTTOM} />
        {bars.map((bar, i) => {
          const height = (bar.value / max) * plot
          const x = SIDE + slot * i + (slot - barWidth) / 2
          const y = HEIGHT - BOTTOM - height
          return (
            <g key={bar.long}>
              <rect
                class="chart-bar"
                x={x}
                y={y}
                width={barWidth}
                height={Math.max(height, bar.value > 0 ? 2 : 0)}
                rx={3}
              >
                <title>{`${bar.long}: ${bar.value} ${unit}`}</title>
              </rect>
              <text class="chart-value" x={x + barWidth / 2} y={y - 6} text-anchor="middle">
                {bar.value}
              </text>
              <text class="chart-label" x={x + barWidth / 2} y={HEIGHT - 8} text-anchor="middle">
                {bar.label}
              </text>
            </g>
          )
        })}
      </svg>
      <details class="chart-numbers">
        <summary>The numbers as a table</summary>
        <table class="chart-table">
          <caption class="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">{unit.charAt(0).toUpperCase() + unit.slice(1)}</th>
            </tr>
          </thead>
          <tbody>
            {bars.map((bar) => (
              <tr key={bar.long}>
                <th scope="row">{bar.long}</th>
                <td>{bar.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  )
}
