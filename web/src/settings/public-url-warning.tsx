// Said before "Create GitHub App": GitHub will post every push to PUBLIC_URL/api/github/webhooks, and from its
// own servers it cannot reach a loopback, private or .local address (github-app/describe-public-url.ts judges
// the URL). Pushes then arrive only by the reconcile timer's polling; a relay (a smee.io channel forwarded to
// this host, README "GitHub") or a public https PUBLIC_URL makes them arrive at once.
import type { PublicUrlCheck } from "../api/github.js";
import "../ui/guide.css";

export function PublicUrlWarning({ delivery, id }: { delivery: PublicUrlCheck; id?: string }) {
  if (delivery.reachable) return null;
  return (
    <div class="warning-box" role="note" id={id} data-testid="public-url-warning">
      <p>
        <strong>GitHub cannot deliver webhooks to this funcspace.</strong> <code>PUBLIC_URL</code> is <code>{delivery.publicUrl}</code>:{" "}
        {delivery.problems.join("; and ")}.
      </p>
      <p>
        An App created now gets the webhook URL <code>{delivery.webhookUrl}</code>, where no push ever arrives: the workspace would follow the
        repository only by polling (every few minutes) and <em>Sync now</em>.
      </p>
      <p>To get pushes at once on this machine, forward them with a relay, then set the App's webhook URL on GitHub to the channel it prints:</p>
      <pre class="code-snippet" data-testid="relay-command">{delivery.relayCommand}</pre>
      <p class="small muted">
        The relay reads <code>smee.config.json</code> (a smee.io channel as <code>source</code>); in Docker,{" "}
        <code>docker compose -f docker-compose.dev.yml --profile relay up</code>. Or set <code>PUBLIC_URL</code> to this server's public https
        address and restart.
      </p>
    </div>
  );
}
