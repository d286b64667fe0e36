// Which kind of personal access token this is, from GitHub's documented token prefixes
// (https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/):
// the missing permission is named differently for each kind, so error messages depend on it.

export type TokenKind = "fine-grained" | "classic" | "unknown";

export function describeTokenKind(token: string): TokenKind {
  if (token.startsWith("github_pat_")) return "fine-grained";
  if (token.startsWith("ghp_")) return "classic";
  return "unknown";
}

/** How to grant read access to the repository's files, in the words of GitHub's token settings page. */
export function readPermissionHint(kind: TokenKind): string {
  if (kind === "fine-grained") return "Contents: read (fine-grained token)";
  if (kind === "classic") return "the `repo` scope (classic token; needed for private repositories)";
  return "Contents: read (fine-grained token) or the `repo` scope (classic token, private repositories)";
}

/** How to grant permission to create repository webhooks. */
export function webhookPermissionHint(kind: TokenKind): string {
  if (kind === "fine-grained") return "Webhooks: write";
  if (kind === "classic") return "the admin:repo_hook scope";
  return "Webhooks: write (fine-grained) or the admin:repo_hook scope (classic)";
}
