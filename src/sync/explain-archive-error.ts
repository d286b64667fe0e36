// zlib and tar-stream report a damaged archive in their own words ("incorrect data check", "unexpected end of
// file", "Invalid tar header"): the sync says what happened instead. Such an archive is fetched again (p-retry
// in fetch-changes.ts treats a plain Error as transient), and the run record keeps this sentence if it fails.

/** The error to rethrow: a sentence for a damaged archive, the error itself otherwise. */
export function explainArchiveError(error: unknown): unknown {
  const { code, message = "" } = (error ?? {}) as { code?: unknown; message?: string };
  const gzip = typeof code === "string" && code.startsWith("Z_");
  const tar = /unexpected end of (file|data)|invalid tar header/i.test(message);
  if (!gzip && !tar) return error;
  return new Error(
    `the archive GitHub sent is corrupt (${gzip ? "gzip" : "tar"}: ${message.slice(0, 120)}): it was damaged or cut off on the way. ` +
      "The download is tried again; if it keeps failing, the sync is retried later.",
    { cause: error },
  );
}
