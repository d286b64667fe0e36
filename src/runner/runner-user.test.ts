import { describe, expect, it } from "vitest";
import { firstClosedFolder, resolveRunnerUser } from "./runner-user.js";

const PASSWD = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nfuncspace-runner:x:10001:10001::/nonexistent:/usr/sbin/nologin\n";

describe("resolveRunnerUser", () => {
  it("runs as the platform's own user when that is not root", () => {
    expect(resolveRunnerUser(undefined, { uid: 1000, passwd: PASSWD })).toBeUndefined();
  });
  it("prefers funcspace-runner, then nobody, never root", () => {
    expect(resolveRunnerUser(undefined, { uid: 0, passwd: PASSWD })).toEqual({ name: "funcspace-runner", uid: 10001, gid: 10001 });
    expect(resolveRunnerUser(undefined, { uid: 0, passwd: PASSWD.split("\n").slice(0, 2).join("\n") })).toEqual({ name: "nobody", uid: 65534, gid: 65534 });
    expect(() => resolveRunnerUser("root", { uid: 0, passwd: PASSWD })).toThrow(/not an unprivileged user/);
    expect(() => resolveRunnerUser(undefined, { uid: 0, passwd: "root:x:0:0::/root:/bin/sh\n" })).toThrow(/no unprivileged user/);
  });
});

describe("firstClosedFolder", () => {
  const user = { name: "nobody", uid: 65534, gid: 65534 };
  const tree: Record<string, { mode: number; uid: number; gid: number }> = {
    "/": { mode: 0o755, uid: 0, gid: 0 },
    "/root": { mode: 0o700, uid: 0, gid: 0 },
    "/root/app": { mode: 0o755, uid: 0, gid: 0 },
    "/srv": { mode: 0o711, uid: 0, gid: 0 },
    "/srv/app": { mode: 0o750, uid: 0, gid: 65534 },
    "/srv/own": { mode: 0o700, uid: 65534, gid: 0 },
  };
  const statOf = (folder: string) => {
    const info = tree[folder];
    if (!info) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
    return info;
  };
  it.each([
    ["/root/app", "/root"],
    ["/srv/app", undefined], // group bit
    ["/srv/own", undefined], // owner bit
    ["/srv/app/missing/deeper", undefined],
  ])("%s → %s", (target, closed) => {
    expect(firstClosedFolder(user, target, statOf)).toBe(closed);
  });
});
