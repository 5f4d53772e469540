/**
 * Every page of the nurse app, registered in one place. Each area is its own
 * plugin scope so its `requireNurse` hook covers its routes only (/healthz
 * and the sign-in page stay open).
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../lib/clock.js';
import type { Relay } from '../../relay/relay.js';
import type { CaseDrafts } from '../cases/case-drafts.js';
import type { SendRate } from '../cases/case-journey.js';
import type { CaseService } from '../cases/case-service.js';
import type { BridgeClient } from '../devices/bridge-client.js';
import type { EcgRecordingStore } from '../ecg/ecg-recordings.js';
import type { ThreadService } from '../messages/thread-service.js';
import type { PatientStore } from '../patients/patient-store.js';
import type { PhotoStore } from '../photos/photo-store.js';
import type { MaintenanceNotice } from '../../protocol/hub-notices.js';
import type { SubmissionKeys } from '../../lib/web/submission-keys.js';
import { casePages } from './pages/case-pages.js';
import { devicePages } from './pages/device-pages.js';
import { homePage } from './pages/home-page.js';
import { inboxPages } from './pages/inbox-pages.js';
import { patientPages } from './pages/patient-pages.js';

export interface NursePagesDeps {
  patients: PatientStore;
  drafts: CaseDrafts;
  photos: PhotoStore;
  recordings: EcgRecordingStore;
  cases: CaseService;
  threads: ThreadService;
  relay: Relay;
  bridge: BridgeClient;
  clock: Clock;
  rate: SendRate;
  submissions: SubmissionKeys;
  /** The operator's maintenance windows not over yet (node/messages/maintenance-windows.ts). */
  maintenance: () => MaintenanceNotice[];
}

export function registerNursePages(app: FastifyInstance, d: NursePagesDeps): void {
  // Seen when the hub says a specialist opened it; answered when the thread holds an answer, read in the inbox.
  const followUp = (caseId: string) => {
    const thread = d.threads.byCase(caseId);
    const seen = thread.find((m) => m.type === 'seen');
    const answer = thread.find((m) => m.direction === 'down' && m.type === 'answer');
    if (!seen && !answer) return undefined;
    return { ...(seen ? { seenAt: seen.at } : {}), ...(answer ? { answeredAt: answer.at, answerHref: `/mensajes/${answer.id}` } : {}) };
  };
  const pageDeps = { ...d, followUp };
  void app.register(patientPages, pageDeps);
  void app.register(casePages, pageDeps);
  void app.register(async (s) => {
    homePage(s, d);
    inboxPages(s, d);
    devicePages(s, pageDeps);
  });
}
