/**
 * The overview's poller: while a sync runs (or is about to), it polls /app/sync-progress so the
 * progress bars move; when the sync ends, it reloads the whole page. The newer of the page's data
 * and the last poll wins (a poll in flight keeps its last answer).
 */
import type { SerializeFrom } from "@remix-run/node";
import { useFetcher, useRevalidator } from "@remix-run/react";
import { useEffect, useRef } from "react";
import type { SyncActivity } from "../../lib/admin/progress.server.ts";
import type { loader as progressLoader } from "../app.sync-progress.ts";

const POLL_MS = 1500;

export function useSyncActivity(page: SerializeFrom<SyncActivity>): SerializeFrom<SyncActivity> {
  const poll = useFetcher<typeof progressLoader>();
  const revalidator = useRevalidator();
  const live = poll.data && poll.data.asOf > page.asOf ? poll.data : page;
  const active = live.active;
  const wasActive = useRef(active);
  useEffect(() => {
    if (wasActive.current && !active) revalidator.revalidate();
    wasActive.current = active;
  }, [active, revalidator]);
  // The next poll is due a while after the last one settled, whatever it brought: an answer no
  // newer than the page, or a load that Remix aborted for a revalidation, still schedules one.
  const settled = poll.state === "idle";
  useEffect(() => {
    if (!active || !settled) return;
    const timer = setTimeout(() => poll.load("/app/sync-progress"), POLL_MS);
    return () => clearTimeout(timer);
    // poll.load is stable enough; poll.data is listed so that each answer restarts the wait.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active, settled, poll.data]);
  return live;
}
