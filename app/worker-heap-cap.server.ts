/**
 * Imported first by worker.ts (and the bulk-ingest benchmark's child): puts this process under
 * the worker's heap cap before anything else runs, re-executing it if it was started without
 * (docs/decisions/070).
 */
import { capWorkerHeap } from "./worker-heap.server.ts";

capWorkerHeap();
