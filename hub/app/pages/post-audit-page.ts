/**
 * Every post's access log at the hub, for the region's data protection
 * officer (and admins): who saw or changed what at which post, from which
 * address, allowed or refused, with each post's chain checked (a gap is an
 * entry the hub never received, or one removed at the post before it
 * left). A GET form, so a search is a link; reading it is itself recorded.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditOutcome } from '../../../lib/auth/audit-log.js';
import { actionLabel, actorLabel } from '../../../lib/web/audit-page.js';
import { html, type Html } from '../../../lib/web/html.js';
import { formatInstant, requestZone, withZone } from '../../../lib/web/time-format.js';
import { HUB_AREAS } from '../../auth/hub-access.js';
import type { PostAuditEntry, PostAuditStore } from '../../audit/post-audit-store.js';
import { sendPage } from '../layout.js';

const PAGE = 100;

type Filter = { postId: string; actor: string; target: string; outcome: '' | AuditOutcome; beforeAt?: number };

function filterOf(q: Record<string, string>): Filter {
  const outcome = q.resultado === 'allowed' || q.resultado === 'refused' ? q.resultado : '';
  return { postId: (q.puesto ?? '').trim(), actor: (q.usuario ?? '').trim(), target: (q.objetivo ?? '').trim(), outcome, beforeAt: Number(q.antes) || undefined };
}

function option(value: string, label: string, chosen: string): Html {
  return html`<option value="${value}"${value === chosen ? html` selected` : ''}>${label}</option>`;
}

function form(req: FastifyRequest, posts: string[], f: Filter): Html {
  const t = req.t;
  return html`<form method="get" action="/auditoria/puestos" class="card grid">
<div><label for="f-post">${t('postAudit.filter.post')}</label>
<select id="f-post" name="puesto">${option('', t('postAudit.filter.anyPost'), f.postId)}${posts.map((p) => option(p, p, f.postId))}</select></div>
<div><label for="f-actor">${t('audit.filter.actor')}</label><input id="f-actor" name="usuario" value="${f.actor}" autocapitalize="none" spellcheck="false"></div>
<div><label for="f-target">${t('audit.filter.target')}</label><input id="f-target" name="objetivo" value="${f.target}" autocapitalize="none" spellcheck="false"></div>
<div><label for="f-outcome">${t('postAudit.filter.outcome')}</label>
<select id="f-outcome" name="resultado">${option('', t('postAudit.outcome.any'), f.outcome)}${option('allowed', t('postAudit.outcome.allowed'), f.outcome)}${option('refused', t('postAudit.outcome.refused'), f.outcome)}</select></div>
<div><button type="submit">${t('audit.filter.apply')}</button> <a class="button secondary" href="/auditoria/puestos">${t('audit.filter.clear')}</a></div>
</form>`;
}

function chainLine(req: FastifyRequest, store: PostAuditStore, postId: string): Html {
  const t = req.t;
  const r = store.chainOf(postId);
  if (!r.problems.length) return html`<li data-chain="ok"><strong>${postId}</strong>: ${t('postAudit.chainOk', { n: r.entries, last: r.head?.id ?? 0 })}</li>`;
  const what = r.problems.map((p) => (p.kind === 'missing' ? t('postAudit.missing', { from: p.fromId, to: p.toId }) : t('postAudit.altered', { id: p.id }))).join('; ');
  return html`<li data-chain="broken" class="error"><strong>${postId}</strong>: ${what}</li>`;
}

function rows(req: FastifyRequest, entries: PostAuditEntry[]): Html {
  const t = req.t;
  return html`<div class="audit-scroll"><table class="audit">
<thead><tr><th scope="col">${withZone(req, t('audit.col.time'))}</th><th scope="col">${t('postAudit.col.post')}</th><th scope="col">${t('audit.col.actor')}</th><th scope="col">${t('audit.col.action')}</th><th scope="col">${t('audit.col.target')}</th><th scope="col">${t('postAudit.col.from')}</th><th scope="col">${t('postAudit.filter.outcome')}</th><th scope="col">${t('audit.col.detail')}</th></tr></thead>
<tbody>
${entries.map((e) => html`<tr${e.outcome === 'refused' ? html` class="refused"` : ''}><td>${formatInstant(e.at, t.lang, requestZone(req), 'dateTimeSeconds')}</td><td>${e.postId}</td><td>${actorLabel(t, e.actor)}</td><td>${actionLabel(t, e.action)}</td><td>${e.target ?? ''}</td><td>${e.from ?? ''}</td><td>${t(`postAudit.outcome.${e.outcome}`)}</td><td>${e.detail ? html`<code>${JSON.stringify(e.detail)}</code>` : ''}</td></tr>`)}
</tbody></table></div>`;
}

export function postAuditPage(app: FastifyInstance, d: { store: PostAuditStore }): void {
  app.get<{ Querystring: Record<string, string> }>('/auditoria/puestos', { preHandler: app.requireUser(HUB_AREAS.postAudit) }, async (req, reply) => {
    const t = req.t;
    const f = filterOf(req.query);
    const search = { postId: f.postId, actor: f.actor, target: f.target, outcome: f.outcome || undefined };
    app.audit.record({ actor: req.user!.username, action: 'audit.postView', detail: search, from: req.ip });
    const entries = d.store.search({ ...search, beforeAt: f.beforeAt, limit: PAGE });
    const posts = d.store.posts();
    const next = new URLSearchParams({ ...(f.postId && { puesto: f.postId }), ...(f.actor && { usuario: f.actor }), ...(f.target && { objetivo: f.target }), ...(f.outcome && { resultado: f.outcome }) });
    next.set('antes', String(entries.at(-1)?.at ?? 0));
    const body = html`<p class="hint">${t('postAudit.intro')}</p>
${form(req, posts, f)}
<h2>${t('postAudit.chains')}</h2>
${posts.length ? html`<ul class="card chains">${(f.postId ? [f.postId] : posts).map((p) => chainLine(req, d.store, p))}</ul>` : html`<p class="card muted">${t('postAudit.none')}</p>`}
${entries.length ? rows(req, entries) : html`<p class="card muted">${t('audit.empty')}</p>`}
${entries.length === PAGE ? html`<p><a class="button secondary" href="/auditoria/puestos?${next.toString()}">${t('audit.older')}</a></p>` : ''}`;
    return sendPage(req, reply, { title: t('postAudit.title'), body, section: 'postAudit' });
  });
}
