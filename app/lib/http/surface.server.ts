/**
 * What server.ts puts in front of every route but POST /webhooks (which has its own limit,
 * WEBHOOK_MAX_BYTES, and answers no HTML): a bound on request bodies, and a frame-ancestors policy
 * on every HTML answer.
 */
import type { NextFunction, Request, Response } from "express";
import onHeaders from "on-headers";
import { standInUrl } from "../shopify/standin-seam.server.ts";

/** Admin forms, actions and the login form post a few hundred bytes; 64 KiB is ample. */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

function refuse(res: Response, status: number, message: string) {
  // The body is not read: the connection cannot carry another request.
  res.status(status).set("Connection", "close").type("text/plain").send(message);
}

/**
 * 413 for a body over the limit, 411 for one of unknown length (chunked): Node's parser never
 * hands on more bytes than Content-Length says, so checking the header bounds the body without
 * reading it. Browsers and App Bridge send Content-Length with form and fetch bodies.
 */
export function limitRequestBodies(maxBytes: number = MAX_REQUEST_BODY_BYTES) {
  return (req: Request, res: Response, next: NextFunction) => {
    const length = req.headers["content-length"];
    if (length === undefined) {
      if (req.headers["transfer-encoding"]) {
        refuse(res, 411, "Request bodies need a Content-Length");
        return;
      }
    } else if (Number(length) > maxBytes) {
      refuse(res, 413, `Request bodies are limited to ${maxBytes} bytes`);
      return;
    }
    next();
  };
}

/**
 * Shopify's rule (shopify.dev/docs/apps/build/security/app-server/set-up-iframe-protection): every
 * route that renders HTML sets frame-ancestors to the shop's admin and https://admin.shopify.com.
 * shopify-app-remix does so only when the request names its shop (?shop=); an HTML answer without
 * a policy gets Shopify admin's alone (plus the stand-in's admin in tests and the demo), so no
 * other site can frame it.
 */
export const FRAME_ANCESTORS_WITHOUT_SHOP = `frame-ancestors ${
  standInUrl ? `${standInUrl.origin} ` : ""
}https://admin.shopify.com;`;

export function defaultFrameAncestors() {
  return (_req: Request, res: Response, next: NextFunction) => {
    onHeaders(res, () => {
      const type = String(res.getHeader("Content-Type") ?? "");
      if (type.startsWith("text/html") && !res.hasHeader("Content-Security-Policy")) {
        res.setHeader("Content-Security-Policy", FRAME_ANCESTORS_WITHOUT_SHOP);
      }
    });
    next();
  };
}
