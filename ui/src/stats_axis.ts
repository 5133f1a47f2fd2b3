/**
 * @module The axes of the `/stats` charts: a round top for the y scale, the x labels (hours for
 * the 24 h window, days for 7 d and 30 d) and which buckets get one at a given width, and the
 * full title of a bucket for its tooltip. The server's buckets are aligned to UTC hours and UTC
 * days, so hours are shown in local time and days as the UTC days they are.
 */

const DAY = 86_400;
const HOUR_STEPS = [1, 2, 3, 4, 6, 12];
const DAY_STEPS = [1, 2, 3, 5, 7, 10, 15];

/**
 * The smallest round number (1, 2, 2.5 or 5 × 10ⁿ) at or above `value`; null when `value` is
 * not above zero (the chart then shows only its zero line). `integer` keeps counts whole.
 */
export function niceCeiling(value: number, integer = false): number | null {
  if (!Number.isFinite(value) || value <= 0) return null;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    // toPrecision drops binary noise (0.1 × 3 = 0.30000000000000004).
    const nice = Number((step * magnitude).toPrecision(12));
    if (nice >= value) return integer ? Math.max(1, Math.ceil(nice)) : nice;
  }
  return 10 * magnitude;
}

/** Whether buckets are hours (else days). */
export function isHourly(bucketSeconds: number): boolean {
  return bucketSeconds < DAY;
}

/** An x label: `14:00` (a weekday at local midnight) for hours, `Mon 12` or `Jan 12` for days. */
export function tickLabel(
  start: number,
  bucketSeconds: number,
  buckets: number,
): string {
  const date = new Date(start * 1000);
  if (isHourly(bucketSeconds)) {
    return date.getHours() === 0 && date.getMinutes() === 0
      ? date.toLocaleDateString([], { weekday: "short" })
      : clock(date);
  }
  if (buckets <= 7) {
    return `${
      date.toLocaleDateString([], { weekday: "short", timeZone: "UTC" })
    } ${date.getUTCDate()}`;
  }
  return date.toLocaleDateString([], {
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  });
}

/** A bucket as a tooltip names it: `Mon 14:00–15:00`, or `Mon, Jan 12 (UTC day)`. */
export function bucketTitle(start: number, bucketSeconds: number): string {
  const from = new Date(start * 1000);
  if (isHourly(bucketSeconds)) {
    const until = new Date((start + bucketSeconds) * 1000);
    return `${from.toLocaleDateString([], { weekday: "short" })} ${
      clock(from)
    }–${clock(until)}`;
  }
  return `${
    from.toLocaleDateString([], {
      weekday: "short",
      month: "short",
      day: "numeric",
      timeZone: "UTC",
    })
  } (UTC day)`;
}

/**
 * Which buckets get an x label when the plot is `widthPx` wide: about one per 56 px, hours on
 * round local hours (00, 06, 12, 18…), days counted back from the newest, which always has one.
 */
export function tickIndexes(
  starts: readonly number[],
  bucketSeconds: number,
  widthPx: number,
): number[] {
  const fit = Math.max(2, Math.floor(widthPx / 56));
  const hourly = isHourly(bucketSeconds);
  const steps = hourly ? HOUR_STEPS : DAY_STEPS;
  const step =
    steps.find((candidate) => Math.ceil(starts.length / candidate) <= fit) ??
      steps[steps.length - 1] ?? 1;
  const stepHours = step * bucketSeconds / 3600;
  return starts.flatMap((start, index) => {
    const labelled = hourly
      ? new Date(start * 1000).getHours() % stepHours === 0
      : (starts.length - 1 - index) % step === 0;
    return labelled ? [index] : [];
  });
}

function clock(date: Date): string {
  return date.toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
}
