// The work of `bbetl workspace` (loaded only when it runs).

import { SeatPriceError, seatPriceSettingText } from '../../lib/seatPrice';
import { formatTable } from '../../lib/table';
import { listSeatPrices, setSeatPrice } from '../../warehouse/seatPrices';
import { UsageError } from './options';
import { withWarehouse } from './warehouseCommand';
import type { PriceFlags } from './workspace';

export async function setPrice(ws: string, amount: string, currency: string, flags: PriceFlags) {
  const effectiveFrom = flags.from ?? new Date().toISOString().slice(0, 10);
  await withWarehouse(async (db) => {
    let price: Awaited<ReturnType<typeof setSeatPrice>>;
    try {
      price = await setSeatPrice(db, { workspace: ws, amount, currency, effectiveFrom });
    } catch (err) {
      if (err instanceof SeatPriceError) throw new UsageError(err.message);
      throw err;
    }
    const where = price.workspace === '*' ? 'every workspace without its own price' : price.workspace;
    console.log(
      `seat price for ${where}: ${price.amount} ${price.currency} a month from ${price.effectiveFrom}; run \`bbetl transform\` to apply it`,
    );
  });
}

export async function listPrices() {
  await withWarehouse(async (db, config) => {
    const prices = await listSeatPrices(db);
    console.log(
      prices.length
        ? formatTable([
            ['workspace', 'from', 'per seat a month'],
            ...prices.map((p) => [p.workspace, p.effectiveFrom, `${p.amount} ${p.currency}`]),
          ])
        : "no seat prices (set one with: bbetl workspace price <workspace|'*'> <amount> <currency>)",
    );
    const fallback = config.transforms.seatPrice;
    console.log(
      fallback
        ? `SEAT_PRICE: ${seatPriceSettingText(fallback)} a month, where none of these prices applies`
        : 'SEAT_PRICE not set: where none of these prices applies, spend is not known',
    );
  });
}
