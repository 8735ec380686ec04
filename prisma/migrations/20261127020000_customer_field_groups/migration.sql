-- AlterTable
ALTER TABLE "customers" ADD COLUMN     "purchasing_summary_at" TIMESTAMPTZ,
ADD COLUMN     "tag_clock" JSONB NOT NULL DEFAULT '{}';


-- Customer tags arrive as a full list (bulk snapshots) and as deltas (customer.tags_added,
-- customer.tags_removed), in any order. tag_clock keeps, per tag, the last time it was added or
-- removed; merging a newer fact over an older one gives the same result in any arrival order.
-- Shape: {"snapshotAt": <time of the newest full list>, "tags": {"<tag>": {"present": bool, "at": <time>}}}.
-- (Hand-written: Prisma's schema language has no functions.)
CREATE FUNCTION recur_tag_clock_merge(existing jsonb, incoming jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
  result jsonb := jsonb_build_object('tags', coalesce(existing->'tags', '{}'::jsonb));
  snapshot_at timestamptz := (incoming->>'snapshotAt')::timestamptz;
  tag text;
  entry jsonb;
  known jsonb;
BEGIN
  IF existing ? 'snapshotAt' THEN
    result := result || jsonb_build_object('snapshotAt', existing->'snapshotAt');
  END IF;
  IF incoming IS NULL THEN
    RETURN result;
  END IF;
  -- A full list names every tag present at snapshotAt: a tag it leaves out was absent then.
  IF snapshot_at IS NOT NULL THEN
    FOR tag, known IN SELECT key, value FROM jsonb_each(result->'tags') LOOP
      IF NOT coalesce(incoming->'tags' ? tag, false) AND (known->>'at')::timestamptz < snapshot_at THEN
        result := jsonb_set(result, ARRAY['tags', tag], jsonb_build_object('present', false, 'at', snapshot_at));
      END IF;
    END LOOP;
    IF (result->>'snapshotAt') IS NULL OR (result->>'snapshotAt')::timestamptz < snapshot_at THEN
      result := result || jsonb_build_object('snapshotAt', snapshot_at);
    END IF;
  END IF;
  -- Per tag, the later fact wins; an equal time keeps what is known.
  FOR tag, entry IN SELECT key, value FROM jsonb_each(coalesce(incoming->'tags', '{}'::jsonb)) LOOP
    known := result->'tags'->tag;
    IF known IS NULL OR (known->>'at')::timestamptz < (entry->>'at')::timestamptz THEN
      result := jsonb_set(result, ARRAY['tags', tag], entry);
    END IF;
  END LOOP;
  RETURN result;
END
$$;

-- The tags a clock says are present, sorted.
CREATE FUNCTION recur_tags(clock jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(array_agg(key ORDER BY key COLLATE "C"), '{}')
  FROM jsonb_each(coalesce(clock->'tags', '{}'::jsonb))
  WHERE (value->>'present')::boolean
$$;
