import { useRevalidator } from "@remix-run/react";
import { useEffect } from "react";

/** Reloads the page's data every `ms` while `condition` holds (a delivery waiting to be processed). */
export function usePollWhile(condition: boolean, ms = 2000) {
  const revalidator = useRevalidator();
  useEffect(() => {
    if (!condition || revalidator.state !== "idle") return;
    const timer = setTimeout(() => revalidator.revalidate(), ms);
    return () => clearTimeout(timer);
  }, [condition, ms, revalidator]);
}
