import { describe, expect, it } from "vitest";
import { describePublicUrl } from "./describe-public-url.js";

describe("describePublicUrl", () => {
  it.each([
    ["http://127.0.0.1:7071", "127.0.0.1 is a loopback address (this machine)"],
    ["http://localhost:7071", "localhost is this machine (localhost)"],
    ["https://app.localhost", "app.localhost is this machine (localhost)"],
    ["http://[::1]:7071", "::1 is a loopback address (this machine)"],
    ["https://10.1.2.3", "10.1.2.3 is a private address (RFC 1918)"],
    ["https://172.20.0.5", "172.20.0.5 is a private address (RFC 1918)"],
    ["https://192.168.1.20:8443", "192.168.1.20 is a private address (RFC 1918)"],
    ["https://169.254.10.10", "169.254.10.10 is a link-local address"],
    ["https://100.100.1.1", "100.100.1.1 is a carrier-grade NAT address (RFC 6598)"],
    ["https://[fd12::1]", "fd12::1 is a private address (unique local, fc00::/7)"],
    ["https://[fe80::1]", "fe80::1 is a link-local address"],
    ["https://funcspace.local", "funcspace.local is a local network name (.local, mDNS)"],
    ["https://build.internal", "build.internal is a private name (.internal)"],
    ["https://nas.home.arpa", "nas.home.arpa is a private name (.home.arpa)"],
    ["https://devbox", "devbox is a single-label name that only your network resolves"],
  ])("%s cannot receive GitHub's webhooks", (publicUrl, reason) => {
    const check = describePublicUrl(publicUrl);
    expect(check.reachable).toBe(false);
    expect(check.problems[0]).toBe(`${reason}: GitHub's servers cannot reach it`);
    expect(check.webhookUrl).toBe(`${publicUrl}/api/github/webhooks`);
    expect(check.relayCommand).toBe("npm run relay");
  });

  it.each(["https://funcspace.example.com", "https://203.0.113.7", "https://172.32.0.1", "https://[2001:db8::1]"])("%s can", (publicUrl) => {
    expect(describePublicUrl(publicUrl)).toMatchObject({ reachable: true, problems: [] });
  });

  it("says that plain HTTP on a public name sends payloads unencrypted", () => {
    expect(describePublicUrl("http://funcspace.example.com/")).toMatchObject({
      reachable: false,
      problems: ["it is not https: GitHub would send each webhook payload unencrypted"],
      webhookUrl: "http://funcspace.example.com/api/github/webhooks",
    });
  });
});
