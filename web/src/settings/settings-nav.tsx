// The Settings sections (admins only, like every /settings page): GitHub and Secrets.
import { followLink, useLocation } from "../router.js";

export const SETTINGS_SECTIONS = [
  { path: "/settings/github", label: "GitHub" },
  { path: "/settings/secrets", label: "Secrets" },
];

export function SettingsNav() {
  const url = useLocation();
  return (
    <nav class="settings-nav" aria-label="Settings">
      {SETTINGS_SECTIONS.map((section) => (
        <a key={section.path} href={section.path} onClick={followLink} aria-current={url.pathname.startsWith(section.path) ? "page" : undefined}>
          {section.label}
        </a>
      ))}
    </nav>
  );
}
