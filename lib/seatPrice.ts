// The price of a seat as people write it (`bbetl workspace price`, SEAT_PRICE, the transforms'
// `seat_price` run variable), checked in one place: a bad price is refused with what to fix,
// before anything is stored or built. Pure: the configuration, the CLI, the transforms and the
// warehouse's price table all import it.
import { z } from 'zod';

/** The workspace of the global default price. */
export const DEFAULT_WORKSPACE = '*';

export interface SeatPrice {
  workspace: string;
  /** YYYY-MM-DD */
  effectiveFrom: string;
  /** The amount as decimal text, e.g. "19.5". */
  amount: string;
  currency: string;
  setAt: Date;
}

export class SeatPriceError extends Error {
  override name = 'SeatPriceError';
}

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

const priceSchema = z.object({
  workspace: z
    .string()
    .trim()
    .regex(/^(\*|[A-Za-z0-9][A-Za-z0-9._-]{0,63})$/, {
      error: (issue) =>
        `"${String(issue.input)}" is not a workspace slug (give the slug as in bitbucket.org/<slug>, or '*' for the default of every workspace)`,
    }),
  amount: z
    .string()
    .trim()
    .regex(/^\d{1,12}(\.\d{1,6})?$/, {
      error: (issue) =>
        `amount "${String(issue.input)}" is not a price (give a number of at least 0 with at most 6 decimals, e.g. 19.50)`,
    }),
  currency: z
    .string()
    .trim()
    .transform((c) => c.toUpperCase())
    .refine((c) => CURRENCIES.has(c), {
      error: (issue) =>
        `currency "${String(issue.input)}" is not an ISO 4217 code (give three letters, e.g. USD, EUR, GBP)`,
    }),
  effectiveFrom: z.iso.date({
    error: (issue) => `date "${String(issue.input)}" is not a day (give it as YYYY-MM-DD, e.g. 2025-01-01)`,
  }),
});

export type SeatPriceInput = z.input<typeof priceSchema>;

/** Checks a price and returns it as stored (trimmed amount without leading zeros, upper-case currency). */
export function parseSeatPrice(input: SeatPriceInput): Omit<SeatPrice, 'setAt'> {
  const parsed = priceSchema.safeParse(input);
  if (!parsed.success) throw new SeatPriceError(parsed.error.issues.map((i) => i.message).join('; '));
  const { workspace, amount, currency, effectiveFrom } = parsed.data;
  return { workspace, amount: String(Number(amount)), currency, effectiveFrom };
}

/** A price without workspace and day, as SEAT_PRICE and the transforms' `seat_price` run variable give it. */
export interface SeatPriceSetting {
  amount: string;
  currency: string;
}

const settingSchema = priceSchema.pick({ amount: true, currency: true });

/**
 * Reads a default price written `<amount> <currency>` (e.g. "19 USD", "19.50 eur"), checked as
 * `bbetl workspace price` checks its arguments; throws SeatPriceError saying what to fix.
 */
export function parseSeatPriceSetting(text: string): SeatPriceSetting {
  const words = text.trim().split(/\s+/);
  if (words.length !== 2)
    throw new SeatPriceError(
      `"${text}" is not a price and its currency (give the amount, a space and an ISO 4217 code, e.g. "19 USD")`,
    );
  const parsed = settingSchema.safeParse({ amount: words[0], currency: words[1] });
  if (!parsed.success) throw new SeatPriceError(parsed.error.issues.map((i) => i.message).join('; '));
  return { amount: String(Number(parsed.data.amount)), currency: parsed.data.currency };
}

/** A setting as the `seat_price` run variable carries it: `<amount> <CURRENCY>`. */
export const seatPriceSettingText = (price: SeatPriceSetting) => `${price.amount} ${price.currency}`;
