/** The intake benchmarks' webhook: one signed orders/updated body for one installed shop. */
import { restOrder } from "../../tests/support/payloads.ts";

export const SHOP = "bench.myshopify.com";

export const body = JSON.stringify(
  restOrder(4200, "2026-11-20T10:00:00-05:00", {}, [
    { id: 1, quantity: 1, price: "19.99" },
    { id: 2, quantity: 2, price: "5.00" },
    { id: 3, quantity: 1, price: "42.00" },
  ]),
);
