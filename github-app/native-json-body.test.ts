// A request marked `nativeJson` gets its JSON answer parsed by JSON.parse (see native-json-body.ts); every
// other request, and every error answer, is handled by Octokit as before.
import { Octokit } from "@octokit/core";
import { describe, expect, it } from "vitest";
import { nativeJsonBody } from "./native-json-body.js";

const TreeOctokit = Octokit.plugin(nativeJsonBody);

function answering(status: number, body: string): { octokit: Octokit; calls: string[] } {
  const calls: string[] = [];
  const fetch = async (url: string) => {
    calls.push(url);
    return new Response(body, { status, headers: { "content-type": "application/json; charset=utf-8" } });
  };
  return { octokit: new TreeOctokit({ request: { fetch } }), calls };
}

const TREE = JSON.stringify({ sha: "t", truncated: false, tree: [{ path: "a.txt", mode: "100644", type: "blob", sha: "b".repeat(40), size: 12, url: "https://x/blob" }] });

describe("nativeJsonBody", () => {
  it("parses a marked request's answer with JSON.parse", async () => {
    const { octokit, calls } = answering(200, TREE);
    const response = await octokit.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", { owner: "o", repo: "r", tree_sha: "t", request: { nativeJson: true } });
    expect(calls).toHaveLength(1);
    expect(response.status).toBe(200);
    expect(response.data).toEqual(JSON.parse(TREE));
  });

  it("leaves other requests to Octokit (its parser turns a number past 2^53 into a BigInt)", async () => {
    const big = '{"n":12345678901234567890}';
    const plain = await answering(200, big).octokit.request("GET /x");
    expect(typeof (plain.data as { n: unknown }).n).toBe("bigint");
    const native = await answering(200, big).octokit.request("GET /x", { request: { nativeJson: true } });
    expect(typeof (native.data as { n: unknown }).n).toBe("number");
  });

  it("throws Octokit's RequestError, with the parsed body, for an error answer", async () => {
    const { octokit } = answering(404, '{"message":"Not Found"}');
    await expect(octokit.request("GET /x", { request: { nativeJson: true } })).rejects.toMatchObject({ status: 404, response: { data: { message: "Not Found" } } });
  });
});
