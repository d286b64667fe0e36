// A request given `parseBody` gets its successful answer's body read by that function (see own-body-parser.ts);
// every other request, and every error answer, is handled by Octokit as before.
import { Octokit } from "@octokit/core";
import { describe, expect, it } from "vitest";
import { ownBodyParser } from "./own-body-parser.js";

const ParsingOctokit = Octokit.plugin(ownBodyParser);

function answering(status: number, body: string): { octokit: Octokit; calls: string[] } {
  const calls: string[] = [];
  const fetch = async (url: string) => {
    calls.push(url);
    return new Response(body, { status, headers: { "content-type": "application/json; charset=utf-8" } });
  };
  return { octokit: new ParsingOctokit({ request: { fetch } }), calls };
}

const nativeJson = async (body: ReadableStream<Uint8Array>) => JSON.parse(await new Response(body).text()) as unknown;

describe("ownBodyParser", () => {
  it("hands a marked request's body to its parser", async () => {
    const { octokit, calls } = answering(200, '{"a":[1,2]}');
    const response = await octokit.request("GET /x", { request: { parseBody: async (body: ReadableStream<Uint8Array>) => `read ${(await new Response(body).text()).length} bytes` } });
    expect(calls).toHaveLength(1);
    expect(response.status).toBe(200);
    expect(response.data).toBe("read 11 bytes");
  });

  it("leaves other requests to Octokit (its parser turns a number past 2^53 into a BigInt)", async () => {
    const big = '{"n":12345678901234567890}';
    const plain = await answering(200, big).octokit.request("GET /x");
    expect(typeof (plain.data as { n: unknown }).n).toBe("bigint");
    const native = await answering(200, big).octokit.request("GET /x", { request: { parseBody: nativeJson } });
    expect(typeof (native.data as { n: unknown }).n).toBe("number");
  });

  it("throws Octokit's RequestError, with the body parsed by Octokit, for an error answer", async () => {
    const { octokit } = answering(404, '{"message":"Not Found"}');
    await expect(octokit.request("GET /x", { request: { parseBody: () => Promise.reject(new Error("not called")) } })).rejects.toMatchObject({
      status: 404,
      response: { data: { message: "Not Found" } },
    });
  });
});
