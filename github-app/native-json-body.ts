// An Octokit plugin: a request made with `request: { nativeJson: true }` has its JSON answer parsed by V8's
// own JSON.parse instead of @octokit/request's. Octokit parses every JSON body with json-with-bigint, which
// (on Node 20) first rewrites the whole text with a regular expression, holding every matched string until
// the result is joined, then parses it again through a reviver. For the recursive tree of a 50,000-file
// repository (12 MB of JSON) that held ~80 MB live for a moment, and the heap V8 sized after it carried the
// CLI's peak RSS to 364 MB (bench/sync, peak RSS rows; issue 23). A tree listing has no number past 2^53
// (sizes, in bytes), so nothing needs a BigInt. Octokit still sends the request (auth, retries, throttling).
//
// Register it first (`Octokit.plugin(nativeJsonBody, githubNetwork, …)`): its hook is then the innermost, so
// the body is read inside githubNetwork's per-attempt deadline, as Octokit's own parsing was.
import type { Octokit } from "@octokit/core";

export function nativeJsonBody(octokit: Octokit): Record<string, never> {
  octokit.hook.wrap("request", async (request, options) => {
    if (options.request?.nativeJson !== true) return request(options);
    const response = await request({ ...options, request: { ...options.request, parseSuccessResponseBody: false } });
    const body = response.data as ReadableStream<Uint8Array> | null;
    // Octokit hands back the body unread only for a success; errors were parsed and thrown as before.
    return { ...response, data: body ? (JSON.parse(await new Response(body).text()) as unknown) : undefined };
  });
  return {};
}
