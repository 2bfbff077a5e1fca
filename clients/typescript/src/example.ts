/**
 * Keep a copy of a tenant's digests with the typed TypeScript client: an example an
 * internal app can start from (clients/README.md).
 *
 *     npm ci && npm run generate && npm run build
 *     DIGEST_PLATFORM_TOKEN=dp_... node dist/example.js http://127.0.0.1:8000 acme
 *
 * It follows the changes feed until nothing more is due, follows it again from the kept
 * cursor, and exports the tenant's digests as JSON, changing nothing. With `--write` it
 * also renames one digest with If-Match (and shows the 412 a writer holding a stale ETag
 * gets) between the two syncs: that needs a key whose role may edit digests (editor or
 * above), and it changes that digest's title. It prints what it saw as one JSON object.
 */
import { parseArgs } from "node:util";
import { ApiError, type Digest, type DigestPlatform, digestPlatform, type Problem } from "./client.js";

/**
 * Apply every change after `since` to `replica` (digest id to digest) and return the
 * cursor to keep for next time. A tombstone (`digest` null) removes the copy; after a
 * reset the feed sends every digest again, and tombstones for those gone.
 */
export async function sync(
  api: DigestPlatform,
  tenant: string,
  replica: Map<number, Digest>,
  since = "0",
  pageSize = 100,
): Promise<string> {
  for (;;) {
    const { data, error } = await api.GET("/api/v1/tenants/{tenant}/digests/changes/", {
      params: { path: { tenant }, query: { since, page_size: pageSize } },
    });
    if (error) throw new ApiError(error);
    for (const change of data.results) {
      if (change.digest === null) replica.delete(change.id);
      else replica.set(change.id, change.digest);
    }
    since = data.cursor;
    if (!data.has_more) return since;
  }
}

/** A digest and its ETag, which a later write sends back in If-Match. */
export async function read(
  api: DigestPlatform,
  tenant: string,
  id: number,
): Promise<{ digest: Digest; etag: string }> {
  const { data, error, response } = await api.GET("/api/v1/tenants/{tenant}/digests/{id}/", {
    params: { path: { tenant, id: String(id) } },
  });
  if (error) throw new ApiError(error);
  const etag = response.headers.get("ETag");
  if (etag === null) throw new Error("the answer has no ETag");
  return { digest: data, etag };
}

/** A write with If-Match: done, or refused because the digest changed since the read. */
export type Written = { written: true; digest: Digest } | { written: false; problem: Problem };

/**
 * Set a digest's title unless it changed since the read that gave `etag`: then the
 * answer is a 412 problem, and the app reads again before deciding anew.
 */
export async function rename(
  api: DigestPlatform,
  tenant: string,
  id: number,
  title: string,
  etag: string,
): Promise<Written> {
  const { data, error } = await api.PATCH("/api/v1/tenants/{tenant}/digests/{id}/", {
    params: { path: { tenant, id: String(id) }, header: { "If-Match": etag } },
    body: { title },
  });
  if (error) {
    if (error.status === 412) return { written: false, problem: error };
    throw new ApiError(error);
  }
  return { written: true, digest: data };
}

/** Every digest the key may see, as the JSON export gives them. */
export async function exportAll(api: DigestPlatform, tenant: string): Promise<Digest[]> {
  const { data, error } = await api.GET("/api/v1/tenants/{tenant}/digests/export/", {
    params: { path: { tenant }, query: { export_format: "json" } },
  });
  if (error) throw new ApiError(error);
  if (!Array.isArray(data)) throw new Error("the JSON export is not an array");
  return data;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      "page-size": { type: "string", default: "100" },
      write: { type: "boolean", default: false },
    },
    allowPositionals: true,
  });
  const [baseUrl, tenant] = positionals;
  const pageSize = Number(values["page-size"]);
  const token = process.env.DIGEST_PLATFORM_TOKEN; // not on the command line: ps shows that
  if (!baseUrl || !tenant || !token || !(pageSize > 0)) {
    throw new Error(
      "usage: DIGEST_PLATFORM_TOKEN=dp_... node dist/example.js BASE_URL TENANT [--page-size N] [--write]",
    );
  }
  const api = digestPlatform(baseUrl, token);

  const replica = new Map<number, Digest>();
  let cursor = await sync(api, tenant, replica, "0", pageSize);
  if (replica.size === 0) throw new Error(`${tenant} has no digest this key may see`);

  const id = Math.min(...replica.keys());
  let renamed: Awaited<ReturnType<typeof rename>> | null = null;
  let stale: Awaited<ReturnType<typeof rename>> | null = null;
  if (values.write) {
    const { digest, etag } = await read(api, tenant, id);
    renamed = await rename(api, tenant, id, `${digest.title} (revised)`, etag);
    // The same ETag again, as a second writer that read before the rename would send it.
    stale = await rename(api, tenant, id, `${digest.title} (lost)`, etag);
  }

  const changed = new Map<number, Digest>();
  cursor = await sync(api, tenant, changed, cursor, pageSize);

  const exported = await exportAll(api, tenant);

  const titles = (digests: Map<number, Digest>) =>
    Object.fromEntries([...digests].sort(([a], [b]) => a - b).map(([pk, d]) => [pk, d.title]));
  console.log(
    JSON.stringify(
      {
        synced: titles(replica),
        renamed:
          renamed === null ? null : renamed.written ? { id, title: renamed.digest.title } : renamed.problem,
        stale_write: stale === null ? null : stale.written ? "written" : stale.problem,
        changed_since: titles(changed),
        cursor,
        exported: exported.map((d) => d.id),
      },
      null,
      2,
    ),
  );
}

await main();
