/**
 * The sign-in page of both apps: one form, no script (but after a sign-out,
 * the one that forgets the drafts kept in the browser). One box takes a
 * password or a PIN (the account knows which it has), so nobody has to pick
 * a mode. The generic error never says whether the username exists.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LoginView } from '../auth/sign-in.js';
import type { SendPage } from './audit-page.js';
import { html } from './html.js';

export type { LoginView } from '../auth/sign-in.js';

export function renderLoginPage(req: FastifyRequest, reply: FastifyReply, v: LoginView, sendPage: SendPage, status = 200): FastifyReply {
  const t = req.t;
  const described = v.error ? 'secret-hint login-error' : 'secret-hint';
  const body = html`<form method="post" action="/entrar" class="card signin">
<input type="hidden" name="volver" value="${v.volver}">
<label for="username">${t('auth.username')}</label>
<input id="username" name="username" value="${v.username ?? ''}" autocomplete="username" autocapitalize="none" autocorrect="off" spellcheck="false" required maxlength="64"${v.username ? '' : html` autofocus`}>
<label for="secret">${t('auth.secret')}</label>
<input id="secret" name="secret" type="password" autocomplete="current-password" required aria-describedby="${described}"${v.username ? html` autofocus` : ''}${v.error ? html` aria-invalid="true"` : ''}>
<p class="hint" id="secret-hint">${t('auth.secretHint')}</p>
${v.error ? html`<p class="field-error" id="login-error" role="alert">${v.error}</p>` : ''}
<button type="submit">${t('auth.submit')}</button>
</form>
<p class="hint signin">${t('auth.forgot')}</p>`;
  // Never inside another site's frame: a framed sign-in form is how clickjacking steals a password.
  return sendPage(req, reply.header('x-frame-options', 'DENY'), { title: t('auth.title'), body, flash: v.flash, ...(v.signedOut ? { scripts: ['base/forget-drafts.js'] } : {}) }, status);
}
