/**
 * A typed client of the Digest Platform API: openapi-fetch, typed by src/schema.d.ts,
 * which `npm run generate` writes from ../openapi.yaml. Paths, parameters, bodies and
 * answers are checked by tsc against that document.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

// The schema names used by the example, in one place.
export type Digest = components["schemas"]["DigestDetail"];
export type Problem = components["schemas"]["Problem"];

/** A client signed in with a tenant API key (`dp_<prefix>_<secret>`). */
export function digestPlatform(baseUrl: string, token: string) {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
}

export type DigestPlatform = ReturnType<typeof digestPlatform>;

/** The API answered with a problem document (RFC 9457). */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
  }
}
