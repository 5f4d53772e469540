/**
 * The page shell both web apps share: header, navigation, who is signed in,
 * the language switch, a flash message. Each app passes its own navigation
 * (already cut to what the signed-in role may open) and stylesheet.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, type Html } from './html.js';
import { FAVICON_SVG } from './static-delivery.js';

export interface PageOptions {
  title: string;
  body: Html;
  /** Which nav entry is current (an id from the app's nav). */
  section?: string;
  /** A one-line message after an action ("Caso enviado"), or an error. */
  flash?: { kind: 'ok' | 'error'; text: string };
  /** Extra scripts for this page only (served from /static). */
  scripts?: string[];
}

export type NavItem = { id: string; href: string; key: string };

export type ShellParts = {
  /** The signed-in person, or null on the sign-in page. */
  who: { displayName: string } | null;
  nav: readonly NavItem[];
  /** Stylesheets under /static. */
  styles: readonly string[];
};

export function pageShell(req: FastifyRequest, o: PageOptions, s: ShellParts): Html {
  const t = req.t;
  const current = (id: string) => (o.section === id ? html` aria-current="page"` : '');
  return html`<!doctype html>
<html lang="${t.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · Chasqui</title>
<link rel="icon" href="${FAVICON_SVG}" type="image/svg+xml">
<link rel="stylesheet" href="/static/base/base.css">
${s.styles.map((c) => html`<link rel="stylesheet" href="/static/${c}">`)}
</head>
<body>
<header class="top">
  <a class="brand" href="/">Chasqui</a>
  ${s.who ? html`<nav>${s.nav.map((n) => html`<a href="${n.href}"${current(n.id)}>${t(n.key)}</a>`)}</nav>` : ''}
  <div class="who">
    ${s.who ? html`<span>${s.who.displayName}</span> <form method="post" action="/salir" class="inline"><button class="link">${t('nav.signOut')}</button></form>` : ''}
    ${req.server.i18n.languages.filter((l) => l !== t.lang).map((l) => html` <a class="lang" href="/idioma/${l}">${l.toUpperCase()}</a>`)}
  </div>
</header>
<main>
${o.flash ? html`<p class="flash ${o.flash.kind}" role="${o.flash.kind === 'error' ? 'alert' : 'status'}">${o.flash.text}</p>` : ''}
<h1>${o.title}</h1>
${o.body}
</main>
${(o.scripts ?? []).map((sc) => html`<script src="/static/${sc}" defer></script>`)}
</body>
</html>`;
}

/** Sends a page: HTML, never cached (it may show patient data). */
export function sendHtml(reply: FastifyReply, page: Html, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page.value);
}
