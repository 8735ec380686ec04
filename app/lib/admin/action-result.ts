/** What an admin action answers (shared by the actions and the pages that show the answer). */
export type ActionResult =
  | { ok: true; message: string; details?: string[] }
  | { ok: false; error: string; details?: string[] };
