/** The page shell every nurse page shares: header, navigation, language switch, flash message. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, type Html } from './html.js';

export interface PageOptions {
  title: string;
  body: Html;
  /** Which nav entry is current: 'patients' | 'cases' | 'inbox' | 'devices'. */
  section?: string;
  /** A one-line message after an action ("Caso enviado"), or an error. */
  flash?: { kind: 'ok' | 'error'; text: string };
  /** Extra scripts for this page only (served from /static). */
  scripts?: string[];
}

const NAV = [
  { id: 'patients', href: '/pacientes', key: 'nav.patients' },
  { id: 'cases', href: '/casos', key: 'nav.cases' },
  { id: 'inbox', href: '/mensajes', key: 'nav.inbox' },
  { id: 'devices', href: '/dispositivos', key: 'nav.devices' },
];

export function layout(req: FastifyRequest, o: PageOptions): Html {
  const t = req.t;
  const nurse = req.nurse;
  return html`<!doctype html>
<html lang="${t.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · Chasqui</title>
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<header class="top">
  <a class="brand" href="/">Chasqui</a>
  ${nurse ? html`<nav>${NAV.map((n) => html`<a href="${n.href}"${o.section === n.id ? html` aria-current="page"` : ''}>${t(n.key)}</a>`)}${nurse.role === 'admin' ? html`<a href="/auditoria"${o.section === 'audit' ? html` aria-current="page"` : ''}>${t('audit.nav')}</a>` : ''}</nav>` : ''}
  <div class="who">
    ${nurse ? html`<span>${nurse.displayName}</span> <form method="post" action="/salir" class="inline"><button class="link">${t('nav.signOut')}</button></form>` : ''}
    ${req.server.i18n.languages.filter((l) => l !== t.lang).map((l) => html` <a class="lang" href="/idioma/${l}">${l.toUpperCase()}</a>`)}
  </div>
</header>
<main>
${o.flash ? html`<p class="flash ${o.flash.kind}" role="${o.flash.kind === 'error' ? 'alert' : 'status'}">${o.flash.text}</p>` : ''}
<h1>${o.title}</h1>
${o.body}
</main>
${(o.scripts ?? []).map((s) => html`<script src="/static/${s}" defer></script>`)}
</body>
</html>`;
}

export function sendPage(req: FastifyRequest, reply: FastifyReply, o: PageOptions, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(layout(req, o).value);
}
