// Matches a request path against Functions route templates: literal segments, `{name}`, `{name?}`,
// `{name:constraint}` and a trailing catch-all `{*name}`. Literal routes win over parameters, as in the host.
export interface CompiledRoute<T> {
  template: string;
  value: T;
  match(path: string): Record<string, string> | undefined;
  /** Higher first: more literal segments, then fewer catch-alls. */
  specificity: number;
}

type Segment =
  | { kind: "literal"; text: string }
  | { kind: "param"; name: string; optional: boolean; constraint: string | undefined }
  | { kind: "catchAll"; name: string };

export function compileRoute<T>(template: string, value: T): CompiledRoute<T> {
  const segments: Segment[] = template
    .split("/")
    .filter(Boolean)
    .map((part) => {
      const param = /^\{(\*)?([A-Za-z_][\w]*)(?::([a-z]+))?(\?)?\}$/.exec(part);
      if (!param) return { kind: "literal", text: part.toLowerCase() };
      const [, star, name, constraint, optional] = param;
      return star ? { kind: "catchAll", name: name! } : { kind: "param", name: name!, optional: !!optional, constraint };
    });
  const literals = segments.filter((s) => s.kind === "literal").length;
  const catchAlls = segments.filter((s) => s.kind === "catchAll").length;
  return {
    template,
    value,
    specificity: literals * 10 - catchAlls - segments.filter((s) => s.kind === "param").length * 0.1,
    match(path) {
      const parts = path.split("/").filter(Boolean);
      const params: Record<string, string> = {};
      let i = 0;
      for (const segment of segments) {
        if (segment.kind === "catchAll") {
          params[segment.name] = parts.slice(i).map(decode).join("/");
          return params;
        }
        const part = parts[i];
        if (part === undefined) {
          if (segment.kind === "param" && segment.optional) continue;
          return undefined;
        }
        if (segment.kind === "literal") {
          if (decode(part).toLowerCase() !== segment.text) return undefined;
        } else {
          const decoded = decode(part);
          if (segment.constraint === "int" && !/^-?\d+$/.test(decoded)) return undefined;
          if (segment.constraint === "alpha" && !/^[A-Za-z]+$/.test(decoded)) return undefined;
          params[segment.name] = decoded;
        }
        i++;
      }
      return i === parts.length ? params : undefined;
    },
  };
}

/** Percent-decoding that leaves malformed escapes as they are (the handler's path check rejects them). */
function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export function createRouter<T>(routes: { template: string; value: T }[]) {
  const compiled = routes
    .map((r) => compileRoute(r.template, r.value))
    .sort((a, b) => b.specificity - a.specificity);
  return {
    /** Every route whose template matches `path`, most specific first. */
    match(path: string): { route: CompiledRoute<T>; params: Record<string, string> }[] {
      const found = [];
      for (const route of compiled) {
        const params = route.match(path);
        if (params) found.push({ route, params });
      }
      return found;
    },
  };
}
