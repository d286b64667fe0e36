// The way back from GitHub's authorization of a proposal (author mode `user`, functions/auth.ts): the sign-in
// callback opens the pull request and sends the browser to /editor?proposed=<number>, or to
// /editor?proposeError=<message> when it could not. The editor says so once, then takes the parameter out of the
// address, so a reload or a shared link does not say it again.
import { useEffect, useState } from "preact/hooks";
import { getDraft } from "../../api/drafts.js";
import { setProposeNotice } from "./propose-mode.js";

type Returned = { proposed: number } | { proposeError: string } | undefined;

function readReturn(): Returned {
  const query = new URLSearchParams(location.search);
  const proposed = Number(query.get("proposed"));
  if (Number.isInteger(proposed) && proposed > 0) return { proposed };
  const proposeError = query.get("proposeError");
  return proposeError ? { proposeError } : undefined;
}

export function useProposalReturn(): void {
  // Read in the first render, before any effect of the page rewrites the address.
  const [returned] = useState(readReturn);
  useEffect(() => {
    if (!returned) return;
    const query = new URLSearchParams(location.search);
    query.delete("proposed");
    query.delete("proposeError");
    const rest = query.toString();
    history.replaceState(history.state, "", `${location.pathname}${rest ? `?${rest}` : ""}`);
    if ("proposeError" in returned) {
      setProposeNotice({ kind: "error", message: returned.proposeError });
      return;
    }
    setProposeNotice({ kind: "opened", number: returned.proposed, url: undefined });
    // The link: the draft remembers the pull request last opened from it.
    void getDraft().then(
      ({ lastProposal }) => lastProposal?.number === returned.proposed && setProposeNotice({ kind: "opened", number: returned.proposed, url: lastProposal.url }),
      () => undefined,
    );
  }, []);
}
