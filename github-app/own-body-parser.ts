// An Octokit plugin: a request made with `request: { parseBody }` has its successful answer's body handed, as a
// stream, to that function instead of @octokit/request's parser (error answers are parsed and thrown by Octokit
// as before). Octokit parses every JSON body with json-with-bigint, which on Node 20 first rewrites the whole
// text with a regular expression, holding every matched string until the result is joined, then parses it again
// through a reviver: for the recursive tree of a 50,000-file repository (12 MB of JSON) that held ~80 MB live
// for a moment, and the heap V8 sized after it carried the CLI's peak RSS to 364 MB (bench/sync, peak RSS rows;
// issue 23). The tree listing is read by ./parse-tree-listing.ts. Octokit still sends the request (auth,
// retries, throttling).
//
// Register it first (`Octokit.plugin(ownBodyParser, githubNetwork, …)`): its hook is then the innermost, so the
// body is read inside githubNetwork's per-attempt deadline, as Octokit's own parsing was.
import type { Octokit } from "@octokit/core";

export type BodyParser = (body: ReadableStream<Uint8Array>) => Promise<unknown>;

export function ownBodyParser(octokit: Octokit): Record<string, never> {
  octokit.hook.wrap("request", async (request, options) => {
    const parseBody = options.request?.parseBody as BodyParser | undefined;
    if (parseBody === undefined) return request(options);
    const response = await request({ ...options, request: { ...options.request, parseSuccessResponseBody: false } });
    const body = response.data as ReadableStream<Uint8Array> | null;
    return { ...response, data: body ? await parseBody(body) : undefined };
  });
  return {};
}
