/**
 * A case's photos at full resolution: a page per photo with a light viewer
 * (public/photo-viewer.js: fit, zoom buttons, pinch and wheel zoom, drag to
 * pan; without script the image is shown at its own size and scrolls), and
 * the image itself, served as what it is (hub/app/photo-media.ts) so the
 * browser shows it instead of downloading a nameless file. Both answer only
 * a specialist who may open the case; the page view is audited like the case.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../../../lib/web/html.js';
import { HUB_AREAS } from '../../auth/hub-access.js';
import type { HubCase, HubCaseStore } from '../../cases/case-store.js';
import type { Router } from '../../routing/router.js';
import { sendPage } from '../layout.js';
import { attachmentHeaders } from '../photo-media.js';
import { denyCase, mayReview, recordRead } from '../../auth/case-access.js';
import { caseTarget } from '../../auth/case-visibility.js';

type Params = { Params: { postId: string; caseId: string; n: string } };

export function photoPath(c: { postId: string; caseId: string }, n: number): string {
  return `/casos/${encodeURIComponent(c.postId)}/${encodeURIComponent(c.caseId)}/fotos/${n}`;
}

export function photoPages(app: FastifyInstance, d: { cases: HubCaseStore; router: Router }): void {
  const guard = { preHandler: app.requireUser(HUB_AREAS.cases) };

  /** The case and its n-th photo (1-based), or the reply already sent (404, or 403 recorded). */
  const open = (req: FastifyRequest<Params>, reply: FastifyReply) => {
    const c = d.cases.find(req.params.postId, req.params.caseId);
    if (!c) return { done: reply.callNotFound() };
    if (!mayReview(req, d.router, c)) return { done: denyCase(req, reply, c) };
    const photos = photosOf(c);
    const n = Number(req.params.n);
    const photo = Number.isInteger(n) && n >= 1 ? photos[n - 1] : undefined;
    if (!photo) return { done: reply.callNotFound() };
    return { c, n, photo, count: photos.length };
  };

  app.get<Params>('/casos/:postId/:caseId/fotos/:n', guard, async (req, reply) => {
    const o = open(req, reply);
    if ('done' in o) return o.done;
    const { c, n, count } = o;
    const t = req.t;
    recordRead(req, 'case.photo', caseTarget(c), { photo: n });
    const step = (to: number, key: string) => (to >= 1 && to <= count ? html`<a href="${photoPath(c, to)}">${t(key)}</a>` : '');
    const body = html`
      <nav class="photo-nav"><a href="/casos/${encodeURIComponent(c.postId)}/${encodeURIComponent(c.caseId)}">${t('photo.back')}</a> ${step(n - 1, 'photo.previous')} ${step(n + 1, 'photo.next')}</nav>
      <div class="photo-tools" hidden>
        <button type="button" data-zoom="out" aria-label="${t('photo.zoomOut')}">−</button>
        <output class="photo-scale" aria-live="polite">100 %</output>
        <button type="button" data-zoom="in" aria-label="${t('photo.zoomIn')}">+</button>
        <button type="button" data-zoom="fit">${t('photo.fit')}</button>
        <button type="button" data-zoom="actual">${t('photo.actual')}</button>
      </div>
      <div class="photo-stage"><img class="photo-full" src="${photoPath(c, n)}/imagen" alt="${t('photo.alt', { n, of: count })}"></div>
      <p class="hint">${t('photo.hint')}</p>`;
    return sendPage(req, reply, { title: t('photo.title', { n, of: count }), section: 'cases', body, scripts: ['photo-viewer.js'] });
  });

  app.get<Params>('/casos/:postId/:caseId/fotos/:n/imagen', guard, async (req, reply) => {
    const o = open(req, reply);
    if ('done' in o) return o.done;
    const bytes = d.cases.blobs.get(o.photo.sha256);
    if (!bytes) return reply.callNotFound();
    // Revalidated each time (no-cache), so the access rule is asked again; the content address makes the 304 cheap.
    const etag = `"${o.photo.sha256}"`;
    void reply.headers({ etag, 'cache-control': 'private, no-cache' });
    if (req.headers['if-none-match'] === etag) return reply.status(304).send();
    // The bytes themselves are a read: one entry each time they are sent (a 304 sends none).
    recordRead(req, 'case.attachment', caseTarget(o.c), { attachment: o.photo.name, photo: o.n });
    return reply.headers(attachmentHeaders(o.photo.mediaType, bytes, `${o.c.caseId}-${o.n}`)).send(bytes);
  });
}

export function photosOf(c: HubCase): HubCase['attachments'] {
  return c.attachments.filter((a) => a.mediaType.startsWith('image/'));
}
