-- A customer's rescoring, queued in the caller's transaction (app/lib/rfm/jobs.server.ts,
-- docs/decisions/058): once per pending job, without touching that job's row when one is waiting.
--
-- A webhook transaction that changed what RFM reads of the customer takes the customer's RFM lock
-- shared, then looks for a rescoring of theirs that no worker has taken yet (not locked, never
-- attempted). If there is one, it will see this transaction's writes: when it starts it takes the
-- same lock exclusively (app/lib/rfm/lock.server.ts), which waits for this transaction to end, and
-- reads the database after that. Only otherwise is a job added (graphile-worker's add_job, job key
-- per shop and customer, `preserve_run_at`). A burst of one customer's orders so queues one job
-- without each transaction updating that job's row (a row lock every concurrent transaction of
-- the burst waited for until the holder committed) and without a NOTIFY per transaction.
--
-- The function is plpgsql and VOLATILE, so that the look-up takes its snapshot after the lock is
-- granted, not at the start of the calling statement. Returns whether a job was added.
CREATE FUNCTION recur_queue_customer_rescoring(
  shop_id integer, customer_id text, job_key text, payload json, run_at timestamptz)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(
    hashtextextended('rfm-customer:' || shop_id || ':' || customer_id, 0));
  IF EXISTS (
    SELECT FROM graphile_worker.jobs j
    WHERE j.key = recur_queue_customer_rescoring.job_key
      AND j.task_identifier = 'rfm.rescore-customer'
      AND j.locked_at IS NULL AND j.attempts = 0
  ) THEN
    RETURN false;
  END IF;
  PERFORM graphile_worker.add_job(
    'rfm.rescore-customer', payload,
    run_at := recur_queue_customer_rescoring.run_at,
    job_key := recur_queue_customer_rescoring.job_key,
    job_key_mode := 'preserve_run_at');
  RETURN true;
END
$$;
