/** @jsxImportSource preact */
/** @jsxRuntime automatic */
/// <reference lib="dom" />
/**
 * @module One `/stats` chart, drawn as SVG at the width it is given: stacked bars (turns by
 * result, tokens by kind, cost) or lines (duration p50 / p95, context avg / max), with a zero and
 * a round top on the y axis and time labels on the x axis. Hovering, touching or focusing it and
 * pressing ← → shows a bucket's exact figures in a tooltip, which a screen reader hears too.
 * Colours come from CSS (`series-<key>`), so light and dark follow the page's palette.
 */
import type { JSX } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import {
  bucketTitle,
  isHourly,
  niceCeiling,
  tickIndexes,
  tickLabel,
} from "./stats_axis.ts";
import type { StatsBucket } from "./stats_data.ts";

/** One series: its key (the CSS colour class), its name, and its value in a bucket. */
export interface ChartSeries {
  key: string;
  label: string;
  value: (bucket: StatsBucket) => number | null;
}

/** Props of {@linkcode Chart}. */
export interface ChartProps {
  /** Names the chart's elements (`data-chart`) and ids. */
  id: string;
  title: string;
  /** Stacked bars add the series up; lines draw each on its own. */
  kind: "stacked" | "lines";
  buckets: readonly StatsBucket[];
  bucketSeconds: number;
  series: readonly ChartSeries[];
  /** How a value is written on the axis. */
  format: (value: number) => string;
  /** How the tooltip writes a value exactly (default: as the axis does). */
  exact?: (value: number) => string;
  /** The y axis counts whole things. */
  integer?: boolean;
  /** Said under the title. */
  note?: string;
  /** Shown when no bucket has a value. */
  emptyText?: string;
}

const LEFT = 58;
const RIGHT = 10;
const TOP = 10;
const PLOT_HEIGHT = 150;
const HEIGHT = TOP + PLOT_HEIGHT + 24;

/** A chart with its title, legend, axes and tooltip. */
export function Chart(props: ChartProps): JSX.Element {
  const { buckets, series, format, id } = props;
  const [box, width] = useWidth(640);
  const [active, setActive] = useState<number | null>(null);
  const [focused, setFocused] = useState(false);
  const plotWidth = Math.max(40, width - LEFT - RIGHT);
  const band = plotWidth / Math.max(1, buckets.length);
  const top = niceCeiling(
    Math.max(0, ...buckets.map((bucket) => extent(props, bucket))),
    props.integer,
  );
  const y = (value: number) =>
    TOP + PLOT_HEIGHT - (top === null ? 0 : value / top * PLOT_HEIGHT);
  const center = (index: number) => LEFT + (index + 0.5) * band;
  const hasData = buckets.some((bucket) =>
    series.some((s) => (s.value(bucket) ?? 0) > 0)
  );
  const shown = active === null ? null : buckets[active] ?? null;
  const last = buckets.length - 1;

  const indexAt = (event: PointerEvent) => {
    const svg = event.currentTarget as SVGSVGElement;
    const x = event.clientX - svg.getBoundingClientRect().left - LEFT;
    return Math.max(0, Math.min(last, Math.floor(x / band)));
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const moves: Record<string, (at: number) => number> = {
      ArrowLeft: (at) => Math.max(0, at - 1),
      ArrowRight: (at) => Math.min(last, at + 1),
      Home: () => 0,
      End: () => last,
    };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      setActive((at) => move(at ?? last));
    } else if (event.key === "Escape") {
      setActive(null);
    }
  };

  return (
    <figure class="chart" data-chart={id} aria-labelledby={`${id}-title`}>
      <figcaption>
        <h2 id={`${id}-title`}>{props.title}</h2>
        {props.note && <p class="chart-note dim">{props.note}</p>}
        <ul class={`legend legend-${props.kind}`}>
          {series.map((s) => (
            <li key={s.key} class={`series-${s.key}`}>
              <i class="swatch" aria-hidden="true" />
              {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
      <div
        class="plot"
        ref={box}
        tabIndex={0}
        role="group"
        aria-roledescription="chart"
        aria-label={`${props.title}, ${buckets.length} ${
          isHourly(props.bucketSeconds) ? "hours" : "days"
        }`}
        aria-describedby={`${id}-hint`}
        onFocus={() => {
          setFocused(true);
          setActive((at) => at ?? last);
        }}
        onBlur={() => {
          setFocused(false);
          setActive(null);
        }}
        onKeyDown={onKeyDown}
      >
        <span id={`${id}-hint`} class="visually-hidden">
          ← and → read one {isHourly(props.bucketSeconds) ? "hour" : "day"}{" "}
          at a time
        </span>
        <svg
          width={width}
          height={HEIGHT}
          viewBox={`0 0 ${width} ${HEIGHT}`}
          aria-hidden="true"
          onPointerMove={(event) => setActive(indexAt(event))}
          onPointerDown={(event) => setActive(indexAt(event))}
          onPointerLeave={() => {
            if (!focused) setActive(null);
          }}
        >
          {active !== null && (
            <rect
              class="active-band"
              x={LEFT + active * band}
              y={TOP}
              width={band}
              height={PLOT_HEIGHT}
            />
          )}
          <YAxis top={top} y={y} width={width} format={format} />
          {props.kind === "stacked"
            ? <Bars {...props} band={band} y={y} />
            : <Lines {...props} center={center} y={y} active={active} />}
          {tickIndexes(
            buckets.map((bucket) => bucket.start),
            props.bucketSeconds,
            plotWidth,
          ).map((index) => {
            const x = center(index);
            const end = x + 26 > width;
            return (
              <text
                key={index}
                class="tick"
                x={end ? width - 1 : x}
                y={TOP + PLOT_HEIGHT + 16}
                text-anchor={end ? "end" : "middle"}
              >
                {tickLabel(
                  buckets[index]?.start ?? 0,
                  props.bucketSeconds,
                  buckets.length,
                )}
              </text>
            );
          })}
          {!hasData && (
            <text
              class="chart-empty"
              x={LEFT + plotWidth / 2}
              y={TOP + PLOT_HEIGHT / 2}
              text-anchor="middle"
            >
              {props.emptyText ?? "nothing in this window"}
            </text>
          )}
        </svg>
        {shown && active !== null && (
          <Tooltip
            {...props}
            bucket={shown}
            x={center(active)}
            width={width}
          />
        )}
        <p class="visually-hidden" aria-live="polite">
          {focused && shown ? describe(props, shown) : ""}
        </p>
      </div>
    </figure>
  );
}

function YAxis(
  { top, y, width, format }: {
    top: number | null;
    y: (value: number) => number;
    width: number;
    format: (value: number) => string;
  },
): JSX.Element {
  const lines = top === null ? [0] : [0, top / 2, top];
  return (
    <g class="y-axis">
      {lines.map((value) => (
        <line
          key={value}
          class={value === 0 ? "baseline" : "grid"}
          x1={LEFT}
          x2={width - RIGHT}
          y1={y(value)}
          y2={y(value)}
        />
      ))}
      <text class="tick" x={LEFT - 6} y={y(0) + 4} text-anchor="end">0</text>
      {top !== null && (
        <text
          class="tick y-max"
          x={LEFT - 6}
          y={y(top) + 4}
          text-anchor="end"
        >
          {format(top)}
        </text>
      )}
    </g>
  );
}

function Bars(
  { buckets, series, band, y }: ChartProps & {
    band: number;
    y: (value: number) => number;
  },
): JSX.Element {
  const barWidth = Math.max(1, band * (band > 12 ? 0.7 : 0.85));
  return (
    <g class="bars">
      {buckets.flatMap((bucket, index) => {
        let sum = 0;
        return series.flatMap((s) => {
          const value = s.value(bucket) ?? 0;
          if (value <= 0) return [];
          const bottom = y(sum);
          sum += value;
          const height = Math.max(1, bottom - y(sum));
          return [
            <rect
              key={`${index}-${s.key}`}
              class={`bar series-${s.key}`}
              x={LEFT + index * band + (band - barWidth) / 2}
              y={bottom - height}
              width={barWidth}
              height={height}
            />,
          ];
        });
      })}
    </g>
  );
}

function Lines(
  { buckets, series, center, y, active }: ChartProps & {
    center: (index: number) => number;
    y: (value: number) => number;
    active: number | null;
  },
): JSX.Element {
  return (
    <g class="lines">
      {series.map((s, order) => {
        // A bucket without a value breaks the line rather than drawing it through zero.
        let path = "";
        let drawing = false;
        const points: JSX.Element[] = [];
        buckets.forEach((bucket, index) => {
          const value = s.value(bucket);
          if (value === null) {
            drawing = false;
            return;
          }
          const x = center(index).toFixed(1);
          const at = y(value).toFixed(1);
          path += `${drawing ? "L" : "M"}${x} ${at}`;
          drawing = true;
          points.push(
            // Later series are rings, so a p95 equal to its p50 still shows both.
            <circle
              key={index}
              class={order === 0 ? "point" : "point ring"}
              cx={x}
              cy={at}
              r={(index === active ? 1.5 : 0) + (order === 0 ? 3 : 4)}
            />,
          );
        });
        return (
          <g key={s.key} class={`series-${s.key}`}>
            <path class="line" d={path} />
            {points}
          </g>
        );
      })}
    </g>
  );
}

function Tooltip(
  { bucket, x, width, ...props }: ChartProps & {
    bucket: StatsBucket;
    x: number;
    width: number;
  },
): JSX.Element {
  // Beside the bucket, not over it, on the side with room.
  const side = x > width / 2 ? "end" : "start";
  const exact = props.exact ?? props.format;
  const values = props.series.map((s) => [s, s.value(bucket)] as const);
  const total = values.reduce((sum, [, value]) => sum + (value ?? 0), 0);
  return (
    <div
      class={`tooltip tooltip-${side}`}
      style={{ left: `${x}px` }}
      aria-hidden="true"
    >
      <strong>{bucketTitle(bucket.start, props.bucketSeconds)}</strong>
      <table>
        <tbody>
          {values.map(([s, value]) => (
            <tr key={s.key} class={`series-${s.key}`}>
              <th scope="row">
                <i class="swatch" />
                {s.label}
              </th>
              <td>{value === null ? "–" : exact(value)}</td>
            </tr>
          ))}
          {props.kind === "stacked" && values.length > 1 && (
            <tr class="total">
              <th scope="row">total</th>
              <td>{exact(total)}</td>
            </tr>
          )}
        </tbody>
      </table>
      <span class="dim">
        {bucket.turns} {bucket.turns === 1 ? "turn" : "turns"}
      </span>
    </div>
  );
}

/** The tooltip in words, for the live region. */
function describe(props: ChartProps, bucket: StatsBucket): string {
  const exact = props.exact ?? props.format;
  const parts = props.series.map((s) => {
    const value = s.value(bucket);
    return `${s.label} ${value === null ? "none" : exact(value)}`;
  });
  return `${bucketTitle(bucket.start, props.bucketSeconds)}: ${
    parts.join(", ")
  }; ${bucket.turns} turns`;
}

// The largest height a bucket reaches: the stack's sum, or the highest line.
function extent(props: ChartProps, bucket: StatsBucket): number {
  const values = props.series.map((s) => s.value(bucket) ?? 0);
  return props.kind === "stacked"
    ? values.reduce((sum, value) => sum + value, 0)
    : Math.max(0, ...values);
}

// The element's content width, followed as it changes; `initial` until measured.
function useWidth(
  initial: number,
): [{ current: HTMLDivElement | null }, number] {
  const ref = useRef<HTMLDivElement | null>(null);
  const [width, setWidth] = useState(initial);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setWidth(Math.max(120, element.clientWidth));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}
