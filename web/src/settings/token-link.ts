// The link to GitHub's "new fine-grained token" page with the fields funcspace needs already filled in. GitHub's
// page takes its fields as query parameters: name, description, target_name (resource owner), expires_in (days),
// and one parameter per permission (contents=read, repository_hooks=write, metadata=read):
// https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens#pre-filling-fine-grained-personal-access-token-details-using-url-parameters
// (announced in https://github.blog/changelog/2025-08-26-template-urls-for-fine-grained-pats-and-updated-permissions-ui).
// The repository itself cannot be pre-selected, GitHub Enterprise Server may ignore the parameters, and in May 2026
// GitHub's docs withdrew the section for a while ("broken FG PAT URL prefill feature") before restoring it: the
// page therefore also lists every field to pick by hand (TOKEN_PERMISSIONS).

/** What the token needs, as GitHub's permission picker names them, and why. */
export const TOKEN_PERMISSIONS = [
  { name: "Contents", level: "Read-only", why: "read the branch, its tree and files (required)" },
  { name: "Webhooks", level: "Read and write", why: "add the push webhook, so pushes arrive at once (needs repository admin; without it funcspace polls)" },
  { name: "Metadata", level: "Read-only", why: "always included by GitHub" },
] as const;

export interface TokenLinkOptions {
  /** The repository's owner, when the form already names the repository: the token's resource owner. */
  owner?: string;
  /** Where funcspace runs, to tell this token apart from others on GitHub's list. */
  publicUrl?: string;
}

export function fineGrainedTokenUrl(githubWebUrl: string, options: TokenLinkOptions = {}): string {
  const host = options.publicUrl ? new URL(options.publicUrl).host : undefined;
  const params = new URLSearchParams({
    name: host ? `funcspace ${host}` : "funcspace",
    description: "funcspace: read the workspace repository and add its push webhook",
    expires_in: "90",
    contents: "read",
    repository_hooks: "write",
    metadata: "read",
  });
  if (options.owner) params.set("target_name", options.owner);
  return `${githubWebUrl.replace(/\/+$/, "")}/settings/personal-access-tokens/new?${params}`;
}
