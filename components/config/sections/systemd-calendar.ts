/**
 * A checker for systemd calendar events (OnCalendar=, systemd.time(7)), so a schedule systemd would reject,
 * or one that never elapses, fails at `npm run plan` instead of leaving a timer that never fires. It accepts a
 * documented subset and refuses the rest with a message saying what is accepted: anything it accepts,
 * `systemd-analyze calendar` accepts and finds a next elapse for (test/config/systemd-calendar.test.ts runs
 * the real tool over a table and generated cases).
 *
 * Accepted: the shorthands (minutely, hourly, daily, weekly, monthly, quarterly, semiannually, yearly,
 * annually), or `[weekdays] [[YYYY-]MM-DD | [YYYY-]MM~DD] [HH:MM[:SS]] [UTC | <IANA zone>]` where each number
 * field is `*` or a comma list of `n`, `n..m` or `n/step`, and weekdays a comma list of names or `a..b`.
 */

const SHORTHANDS: Record<string, true> = {
  minutely: true,
  hourly: true,
  daily: true,
  weekly: true,
  monthly: true,
  quarterly: true,
  semiannually: true,
  "semi-annually": true,
  yearly: true,
  annually: true,
};

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const FULL_DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/** Allowed values of one field, as a predicate; `*` is every value. */
type Field = (n: number) => boolean;

const SUBSET =
  "write a systemd OnCalendar expression: a shorthand such as daily, or [weekdays] [YYYY-MM-DD] HH:MM[:SS] [UTC], e.g. '*-*-* 03:00:00' or 'Mon..Fri 02:30'";

function parseWeekdays(s: string): Set<number> | string {
  const days = new Set<number>();
  const day = (name: string) => {
    const l = name.toLowerCase();
    const i = DAYS.indexOf(l) >= 0 ? DAYS.indexOf(l) : FULL_DAYS.indexOf(l);
    return i;
  };
  for (const item of s.split(",")) {
    const [a, b, ...rest] = item.split("..");
    const from = day(a);
    const to = b === undefined ? from : day(b);
    if (rest.length > 0 || from < 0 || to < 0) return `'${item}' is not a weekday or weekday range (Mon..Sun)`;
    // Ranges run Monday-first, as systemd reads them: Sat..Sun is two days, Sun..Mon is not a range.
    const mf = (d: number) => (d + 6) % 7;
    if (mf(to) < mf(from)) return `weekday range '${item}' runs backwards (weeks start on Monday)`;
    for (let d = mf(from); d <= mf(to); d++) days.add((d + 1) % 7);
  }
  return days;
}

function parseField(s: string, name: string, min: number, max: number, digits: number): Field | string {
  if (s === "*") return () => true;
  const items: Field[] = [];
  const num = (t: string) => (new RegExp(`^\\d{1,${digits}}$`).test(t) ? Number(t) : Number.NaN);
  for (const item of s.split(",")) {
    const range = /^([^./]+)\.\.([^./]+)$/.exec(item);
    const step = /^([^./]+)\/([^./]+)$/.exec(item);
    if (range) {
      const [a, b] = [num(range[1]), num(range[2])];
      if (!(a >= min && b <= max && a <= b)) return `${name} range '${item}' must run upwards within ${min}..${max}`;
      items.push((n) => n >= a && n <= b);
    } else if (step) {
      const [a, r] = [num(step[1]), num(step[2])];
      if (!(a >= min && a <= max && r >= 1))
        return `${name} '${item}' must be start/step with start ${min}..${max}, step >= 1`;
      items.push((n) => n >= a && (n - a) % r === 0);
    } else {
      const a = num(item);
      if (!(a >= min && a <= max)) return `${name} '${item}' must be a number between ${min} and ${max}`;
      items.push((n) => n === a);
    }
  }
  return (n) => items.some((f) => f(n));
}

function validZone(z: string): boolean {
  if (z === "UTC") return true;
  if (!/^[A-Za-z]+(?:\/[A-Za-z_+-]+){1,2}$/.test(z)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: z });
    return true;
  } catch {
    return false;
  }
}

/** Undefined when systemd accepts `spec` and it elapses at least once from `now` on; else what is wrong. */
export function checkCalendar(spec: string, now: Date = new Date()): string | undefined {
  if (spec !== spec.trim() || /\s{2,}|[^\x20-\x7e]/.test(spec))
    return `has stray whitespace or control characters; ${SUBSET}`;
  if (SHORTHANDS[spec]) return undefined;
  const words = spec.split(" ");
  if (words.length === 0 || words.length > 4) return `is not a calendar event; ${SUBSET}`;
  let i = 0;
  let weekdays: Set<number> | undefined;
  if (/^[A-Za-z]/.test(words[i]) && !validZone(words[i])) {
    const w = parseWeekdays(words[i]);
    if (typeof w === "string") return `${w}; ${SUBSET}`;
    weekdays = w;
    i++;
  }
  let year: Field = () => true;
  let month: Field = () => true;
  let day: Field = () => true;
  let fromEnd = false;
  let sawDate = false;
  let sawTime = false;
  const date = /^(?:([^-~:]+)-)?([^-~:]+)([-~])([^-~:]+)$/.exec(words[i] ?? "");
  if (date) {
    const [, y, mo, sep, d] = date;
    const fy = y === undefined ? year : parseField(y, "year", 1970, 2199, 4);
    const fm = parseField(mo, "month", 1, 12, 2);
    const fd = parseField(d, "day", 1, 31, 2);
    for (const f of [fy, fm, fd]) if (typeof f === "string") return `${f}; ${SUBSET}`;
    [year, month, day] = [fy as Field, fm as Field, fd as Field];
    fromEnd = sep === "~";
    if (fromEnd && /\//.test(d)) return `'~' with a step is not supported; ${SUBSET}`;
    sawDate = true;
    i++;
  }
  const time = /^([^:]+):([^:]+)(?::([^:]+))?$/.exec(words[i] ?? "");
  if (time) {
    const [, h, mi, se] = time;
    for (const f of [
      parseField(h, "hour", 0, 23, 2),
      parseField(mi, "minute", 0, 59, 2),
      se === undefined ? undefined : parseField(se, "second", 0, 59, 2),
    ])
      if (typeof f === "string") return `${f}; ${SUBSET}`;
    sawTime = true;
    i++;
  }
  if (i < words.length && (sawDate || sawTime) && validZone(words[i])) i++;
  if (i !== words.length || (!sawDate && !sawTime && weekdays === undefined))
    return `is not a calendar event ('${words.slice(i).join(" ") || spec}' not understood); ${SUBSET}`;

  // Every time field is non-empty by construction, so the event elapses iff some day matches. Days are
  // checked from the day after tomorrow (UTC; a time zone shifts the day by less than one) until the last year
  // systemd accepts: a date that only occurs today or tomorrow is refused, which is safe for a daily job.
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 2));
  for (; d.getUTCFullYear() <= 2199; d.setUTCDate(d.getUTCDate() + 1)) {
    const [y, m, dd] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    if (!year(y) || !month(m)) continue;
    if (!day(fromEnd ? last - dd + 1 : dd)) continue;
    if (weekdays && !weekdays.has(d.getUTCDay())) continue;
    return undefined;
  }
  return "never elapses (no such date from today on, e.g. February 30th or a year in the past): the backup would never run";
}
