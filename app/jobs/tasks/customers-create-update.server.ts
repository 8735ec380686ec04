import { customerCreatedPayload, customerPayload } from "../../lib/webhooks/payloads.ts";
import { customerPartTask } from "./customer-part.server.ts";

/** customers/create: the customer's profile, and its purchasing summary at creation (nothing yet). */
export const customersCreate = customerPartTask("customers.create", customerCreatedPayload);

/** customers/update: the customer's profile. */
export const customersUpsert = customerPartTask("customers.upsert", customerPayload);
