/**
 * HTML by tagged template: every interpolated value is escaped unless it is
 * already Html (built by `html` or marked `raw`), so a patient named
 * `<script>` is shown, never run. Arrays are joined. No template engine:
 * pages are small and server-rendered, which keeps them light for an old
 * phone on a slow post Wi-Fi.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(p: Part): string {
  if (p === null || p === undefined || p === false) return '';
  if (p instanceof Html) return p.value;
  if (Array.isArray(p)) return p.map(render).join('');
  return escapeHtml(String(p));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new Html(out);
}

/** Trusted markup only (our own constants), never user input. */
export function raw(s: string): Html {
  return new Html(s);
}
