/**
 * The access log for an admin, in both apps: newest first, filtered by who
 * and by which patient or case, 100 lines a page. A plain GET form, so a
 * filtered view is a link an admin can keep. Viewing it is itself recorded.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Principal } from '../auth/accounts.js';
import type { AuditLog, StoredAuditEntry } from '../auth/audit-log.js';
import { html, type Html } from './html.js';
import type { Translate } from './i18n.js';
import type { PageOptions } from './page-shell.js';
import { formatInstant, requestZone, withZone } from './time-format.js';

export type SendPage = (req: FastifyRequest, reply: FastifyReply, o: PageOptions, status?: number) => FastifyReply;

export type AuditView =
  | { forbidden: true }
  | { forbidden?: false; entries: StoredAuditEntry[]; actors: string[]; filter: { actor: string; target: string }; more: boolean };

/** An action's name in words if the catalogue has it, else its code (other areas add actions freely). */
export function actionLabel(t: Translate, action: string): string {
  const key = `audit.action.${action}`;
  return t.has(key) ? t(key) : action;
}

export function actorLabel(t: Translate, actor: string): string {
  if (actor === 'anonymous') return t('audit.anonymous');
  if (actor === 'local-cli') return t('audit.localCli');
  return actor;
}

function filters(t: Translate, actors: string[], f: { actor: string; target: string }): Html {
  return html`<form method="get" action="/auditoria" class="card grid">
<div><label for="f-actor">${t('audit.filter.actor')}</label>
<select id="f-actor" name="usuario"><option value="">${t('audit.filter.anyActor')}</option>
${actors.map((a) => html`<option value="${a}"${a === f.actor ? html` selected` : ''}>${actorLabel(t, a)}</option>`)}
</select></div>
<div><label for="f-target">${t('audit.filter.target')}</label>
<input id="f-target" name="objetivo" value="${f.target}" autocapitalize="none" spellcheck="false"></div>
<div><button type="submit">${t('audit.filter.apply')}</button> <a class="button secondary" href="/auditoria">${t('audit.filter.clear')}</a></div>
</form>`;
}

function rows(req: FastifyRequest, entries: StoredAuditEntry[]): Html {
  const t = req.t;
  // The zone is named once in the column header; every row is in it.
  return html`<div class="audit-scroll"><table class="audit">
<thead><tr><th scope="col">${withZone(req, t('audit.col.time'))}</th><th scope="col">${t('audit.col.actor')}</th><th scope="col">${t('audit.col.action')}</th><th scope="col">${t('audit.col.target')}</th><th scope="col">${t('audit.col.detail')}</th></tr></thead>
<tbody>
${entries.map((e) => html`<tr><td>${formatInstant(e.at, t.lang, requestZone(req), 'dateTimeSeconds')}</td><td>${actorLabel(t, e.actor)}</td><td>${actionLabel(t, e.action)}</td><td>${e.target ? html`<a href="/auditoria?objetivo=${encodeURIComponent(e.target)}">${e.target}</a>` : ''}</td><td>${e.detail ? html`<code>${JSON.stringify(e.detail)}</code>` : ''}</td></tr>`)}
</tbody></table></div>`;
}

export function renderAuditPage(req: FastifyRequest, reply: FastifyReply, v: AuditView, sendPage: SendPage): FastifyReply {
  const t = req.t;
  if (v.forbidden) {
    return sendPage(req, reply, { title: t('audit.forbiddenTitle'), body: html`<p class="card">${t('audit.forbidden')}</p>` }, 403);
  }
  const last = v.entries[v.entries.length - 1];
  const next = new URLSearchParams();
  if (v.filter.actor) next.set('usuario', v.filter.actor);
  if (v.filter.target) next.set('objetivo', v.filter.target);
  next.set('antes', String(last?.id ?? 0));
  const body = html`<p class="hint">${t('audit.intro')}</p>
${filters(t, v.actors, v.filter)}
${v.entries.length ? rows(req, v.entries) : html`<p class="card muted">${t('audit.empty')}</p>`}
${v.more ? html`<p><a class="button secondary" href="/auditoria?${next.toString()}">${t('audit.older')}</a></p>` : ''}`;
  return sendPage(req, reply, { title: t('audit.title'), body, section: 'audit' });
}

export type AuditRouteOpts = {
  audit: AuditLog;
  preHandler: preHandlerAsyncHookHandler;
  /** The signed-in person the preHandler let through. */
  who: (req: FastifyRequest) => Principal;
  /** Who may read it; admins when not given. */
  mayRead?: (who: Principal) => boolean;
  sendPage: SendPage;
};

/** GET /auditoria: admins only; anyone else signed in gets the page's 403. */
export function auditRoute(app: FastifyInstance, o: AuditRouteOpts): void {
  app.get<{ Querystring: Record<string, string> }>('/auditoria', { preHandler: o.preHandler }, async (req, reply) => {
    const who = o.who(req);
    if (!(o.mayRead ?? ((p) => p.role === 'admin'))(who)) return renderAuditPage(req, reply, { forbidden: true }, o.sendPage);
    const filter = { actor: (req.query.usuario ?? '').trim(), target: (req.query.objetivo ?? '').trim(), beforeId: Number(req.query.antes) || undefined, limit: 100 };
    const filtered = filter.actor || filter.target ? { detail: { actor: filter.actor || undefined, target: filter.target || undefined } } : {};
    o.audit.record({ actor: who.username, action: 'audit.view', ...filtered });
    const entries = o.audit.list(filter);
    return renderAuditPage(req, reply, { entries, actors: o.audit.actors(), filter, more: entries.length === filter.limit }, o.sendPage);
  });
}
