/** Escapes text for HTML and XML bodies and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Uptime as a percentage with two decimals, rounded down so 99.999 % never shows as 100 %;
 * `—` when nothing was measured.
 */
export function formatUptime(uptime: number | null): string {
  if (uptime === null) return '—';
  if (uptime >= 1) return '100%';
  return `${(Math.floor(uptime * 10_000) / 100).toFixed(2)}%`;
}

/** `2026-12-02 06:00 UTC`. */
export function formatTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `1 h 5 min`, `42 s`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}
