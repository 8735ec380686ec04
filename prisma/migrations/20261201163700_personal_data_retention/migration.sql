-- Personal data that is really gone (docs/decisions/037): stored webhook payloads lose their
-- personal content after the retention period or when they name a redacted customer or order;
-- redacted rows and tombstones keep ids and times only.

-- AlterTable
ALTER TABLE "webhook_deliveries" ADD COLUMN "personal_data_removed_at" TIMESTAMPTZ;

-- The settled deliveries whose payloads still hold their personal content, oldest first: what the
-- retention task walks. (Partial: Prisma's schema language cannot say it.)
CREATE INDEX "webhook_deliveries_retention_idx" ON "webhook_deliveries"((coalesce("processed_at", "received_at")))
  WHERE "personal_data_removed_at" IS NULL
    AND "status" NOT IN ('received', 'processing', 'dead_letter');

-- A number from a payload's text, or NULL when it is not a Shopify id (never an error: these run
-- inside the statements that settle deliveries).
CREATE FUNCTION recur_shopify_id(value text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN value ~ '^[0-9]{1,20}$' THEN value::numeric END
$$;

-- The customer a stored payload names: the resource itself (customers/*), the GID customerId of
-- customer.tags_added/removed and customers/purchasing_summary, an order's customer, or the
-- customer of a privacy request.
CREATE FUNCTION recur_payload_customer_id(topic text, payload jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT recur_shopify_id(CASE
    WHEN topic IN ('customer.tags_added', 'customer.tags_removed', 'customers/purchasing_summary')
      THEN substring(payload->>'customerId' FROM '^gid://shopify/Customer/([0-9]+)$')
    WHEN topic IN ('customers/redact', 'customers/data_request') OR topic LIKE 'orders/%'
      THEN CASE WHEN jsonb_typeof(payload->'customer') = 'object' THEN payload->'customer'->>'id' END
    WHEN topic LIKE 'customers/%' THEN payload->>'id'
  END)
$$;

-- The order a stored payload is (orders/*).
CREATE FUNCTION recur_payload_order_id(topic text, payload jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN topic LIKE 'orders/%' THEN recur_shopify_id(payload->>'id') END
$$;

-- A payload without its personal content: only the ids, the request's own fields and the
-- resource's times are kept, and a marker saying the rest was removed.
CREATE FUNCTION recur_payload_without_personal_data(payload jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN jsonb_typeof(payload) <> 'object' THEN '{"personal_data_removed": true}'::jsonb
  ELSE jsonb_strip_nulls(jsonb_build_object(
    'id', payload->'id',
    'admin_graphql_api_id', payload->'admin_graphql_api_id',
    'customerId', payload->'customerId',
    'customer', CASE WHEN jsonb_typeof(payload->'customer') = 'object'
      THEN jsonb_strip_nulls(jsonb_build_object('id', payload->'customer'->'id')) END,
    'shop_id', payload->'shop_id',
    'shop_domain', payload->'shop_domain',
    'orders_to_redact', payload->'orders_to_redact',
    'orders_requested', payload->'orders_requested',
    'data_request', CASE WHEN jsonb_typeof(payload->'data_request') = 'object'
      THEN jsonb_strip_nulls(jsonb_build_object('id', payload->'data_request'->'id')) END,
    'created_at', payload->'created_at',
    'updated_at', payload->'updated_at',
    'occurredAt', payload->'occurredAt',
    'personal_data_removed', true))
  END
$$;

-- Whether a delivery's payload names a redacted customer or order of its shop, or belongs to a
-- shop erased by shop/redact and not installed since.
CREATE FUNCTION recur_delivery_names_erased_data(shop_domain text, topic text, payload jsonb)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT FROM shops s
    WHERE s.domain = shop_domain AND (
      (s.redacted_at IS NOT NULL AND s.redacted_at >= s.installed_at)
      OR EXISTS (SELECT FROM customers c WHERE c.shop_id = s.id
        AND c.shopify_id = recur_payload_customer_id(topic, payload) AND c.redacted_at IS NOT NULL)
      OR EXISTS (SELECT FROM orders o WHERE o.shop_id = s.id
        AND o.shopify_id = recur_payload_order_id(topic, payload) AND o.redacted_at IS NOT NULL)))
$$;

-- Redacted rows, per shop: tiny (only erased rows), so that a settle in a shop that never had a
-- redaction costs two index probes and never reads the payload. (Partial: Prisma's schema language
-- cannot say it.)
CREATE INDEX "customers_redacted_idx" ON "customers"("shop_id") WHERE "redacted_at" IS NOT NULL;
CREATE INDEX "orders_redacted_idx" ON "orders"("shop_id") WHERE "redacted_at" IS NOT NULL;

-- A delivery that settles after its customer (or order, or shop) was erased loses its personal
-- content as it settles, whichever statement settles it. The cheap questions come first: the
-- shop, then whether it has any erased row at all; only then is the payload read.
CREATE FUNCTION recur_scrub_settled_delivery() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  shop record;
BEGIN
  SELECT s.id, s.redacted_at IS NOT NULL AND s.redacted_at >= s.installed_at AS erased,
      EXISTS (SELECT FROM customers c WHERE c.shop_id = s.id AND c.redacted_at IS NOT NULL)
        OR EXISTS (SELECT FROM orders o WHERE o.shop_id = s.id AND o.redacted_at IS NOT NULL)
        AS has_redactions
    INTO shop FROM shops s WHERE s.domain = NEW.shop_domain;
  IF NOT FOUND OR NOT (shop.erased OR shop.has_redactions) THEN
    RETURN NEW;
  END IF;
  IF shop.erased OR recur_delivery_names_erased_data(NEW.shop_domain, NEW.topic, NEW.payload) THEN
    NEW.payload := recur_payload_without_personal_data(NEW.payload);
    NEW.personal_data_removed_at := now();
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER webhook_deliveries_scrub_erased
  BEFORE UPDATE OF status ON webhook_deliveries
  FOR EACH ROW
  WHEN (NEW.status::text NOT IN ('received', 'processing') AND NEW.personal_data_removed_at IS NULL)
  EXECUTE FUNCTION recur_scrub_settled_delivery();

-- A redacted customer or a tombstone keeps ids, times and figures, never personal fields, tags or
-- the tag clock, whichever statement writes the row (webhooks, bulk ingest, a late message).
CREATE FUNCTION recur_customer_without_personal_data() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.email := NULL;
  NEW.first_name := NULL;
  NEW.last_name := NULL;
  NEW.phone := NULL;
  NEW.tags := '{}';
  NEW.tag_clock := '{}';
  RETURN NEW;
END
$$;

CREATE TRIGGER customers_erased_without_personal_data
  BEFORE INSERT OR UPDATE ON customers
  FOR EACH ROW
  WHEN (NEW.redacted_at IS NOT NULL OR NEW.deleted_at IS NOT NULL)
  EXECUTE FUNCTION recur_customer_without_personal_data();

CREATE FUNCTION recur_order_without_personal_data() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.email := NULL;
  RETURN NEW;
END
$$;

CREATE TRIGGER orders_erased_without_personal_data
  BEFORE INSERT OR UPDATE ON orders
  FOR EACH ROW
  WHEN (NEW.redacted_at IS NOT NULL OR NEW.deleted_at IS NOT NULL)
  EXECUTE FUNCTION recur_order_without_personal_data();

-- Rows erased or deleted before this migration.
UPDATE customers SET email = NULL WHERE redacted_at IS NOT NULL OR deleted_at IS NOT NULL;
UPDATE orders SET email = NULL WHERE redacted_at IS NOT NULL OR deleted_at IS NOT NULL;
UPDATE webhook_deliveries d
  SET payload = recur_payload_without_personal_data(d.payload), personal_data_removed_at = now()
  WHERE d.status::text NOT IN ('received', 'processing')
    AND recur_delivery_names_erased_data(d.shop_domain, d.topic, d.payload);
