// GitHub's list pagination, shared by every list endpoint of the stand-in.
import type { RequestContext } from "./route.js";

/** GitHub's `per_page` (default 30, max 100) / `page` with a `Link` header. */
export function paginate<T>(ctx: RequestContext, items: T[]): { page: number; slice: T[]; link: string | undefined } {
  const perPage = Math.min(100, Math.max(1, Number(ctx.url.searchParams.get("per_page") ?? 30) || 30));
  const page = Math.max(1, Number(ctx.url.searchParams.get("page") ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const at = (n: number) => {
    const url = new URL(`${ctx.state.apiUrl}${ctx.path}`);
    url.searchParams.set("per_page", String(perPage));
    url.searchParams.set("page", String(n));
    return url.href;
  };
  const links: string[] = [];
  if (page < last) links.push(`<${at(page + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
  if (page > 1) links.push(`<${at(1)}>; rel="first"`, `<${at(page - 1)}>; rel="prev"`);
  return { page, slice: items.slice((page - 1) * perPage, page * perPage), link: links.length > 0 ? links.join(", ") : undefined };
}
