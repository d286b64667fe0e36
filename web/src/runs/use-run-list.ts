// Runs that match a filter (workflow, status, who started them), read from the server page by page: the server
// filters, so a page holds `pageSize` matching runs however rare they are, and Show more follows the page's
// `nextCursor`. While a run shown is queued or running, every page shown is read again every few seconds (from
// the first, following the cursors), so statuses move on by themselves after a reload.
import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import { isFinished, listRuns, type RunFilter, type RunSummary } from "../api/workflows.js";

const REFRESH_MS = 3000;

export interface RunListState {
  runs: RunSummary[] | undefined;
  error: string | undefined;
  /** More runs match than are shown. */
  hasMore: boolean;
  /** Reads the next page too. */
  showMore: () => void;
  reload: () => void;
}

export interface UseRunListOptions {
  pageSize?: number;
  /** false: read nothing (no workflow chosen yet). */
  enabled?: boolean;
}

export function useRunList(filter: RunFilter, options: UseRunListOptions = {}): RunListState {
  const { pageSize = 20, enabled = true } = options;
  const { workflow, status, startedBy } = filter;
  const key = JSON.stringify([workflow, status, startedBy, pageSize]);
  const [loaded, setLoaded] = useState<{ key: string; runs: RunSummary[]; hasMore: boolean } | undefined>();
  const [error, setError] = useState<string | undefined>();
  // How many pages are shown, for this filter: another filter starts again from one page.
  const [paging, setPaging] = useState({ key, pages: 1 });
  const pages = paging.key === key ? paging.pages : 1;
  const [version, setVersion] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    const read = async () => {
      clearTimeout(timer.current);
      try {
        const runs: RunSummary[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < pages; page++) {
          const list = await listRuns({ workflow, status, startedBy, limit: pageSize, cursor });
          runs.push(...list.runs);
          cursor = list.nextCursor;
          if (cursor === undefined) break;
        }
        if (stopped) return;
        setLoaded({ key, runs, hasMore: cursor !== undefined });
        setError(undefined);
        if (runs.some((run) => !isFinished(run.status))) timer.current = setTimeout(() => void read(), REFRESH_MS);
      } catch (failure) {
        if (!stopped) setError(describeError(failure));
      }
    };
    void read();
    return () => {
      stopped = true;
      clearTimeout(timer.current);
    };
  }, [key, pages, enabled, version]);

  // Runs of another filter are never shown as this one's, not even while its first page loads.
  const current = loaded?.key === key ? loaded : undefined;
  return {
    runs: current?.runs,
    error,
    hasMore: current?.hasMore ?? false,
    showMore: () => setPaging({ key, pages: pages + 1 }),
    reload: () => setVersion((n) => n + 1),
  };
}
