/**
 * The one reading of an expiry people type, for the CLI and VS Code alike: `30d` is thirty days from now,
 * a date `2026-12-31` is the END of that day in UTC (23:59:59.999Z: "until the 31st" includes the 31st),
 * anything else is an ISO 8601 date-time. The past is refused.
 */
import { SensitivityError } from './errors.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Parses an expiry (see the module comment); E_USAGE when it is not one or lies in the past. */
export function parseExpiry(text: string, now: Date): Date {
  const t = text.trim();
  const days = /^(\d{1,5})d$/.exec(t);
  const date = days
    ? new Date(now.getTime() + Number(days[1]) * DAY_MS)
    : /^\d{4}-\d{2}-\d{2}$/.test(t)
      ? new Date(`${t}T23:59:59.999Z`)
      : /^\d{4}-\d{2}-\d{2}T/.test(t)
        ? new Date(t)
        : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw new SensitivityError(
      'E_USAGE',
      `"${t}" is not an expiry: use a number of days like 30d, a date like 2026-12-31 (the end of that day, UTC) or an ISO date-time`,
      undefined,
      { details: { value: t } },
    );
  }
  if (date.getTime() <= now.getTime()) throw new SensitivityError('E_USAGE', `the expiry ${t} is in the past`, undefined, { details: { value: t } });
  return date;
}
