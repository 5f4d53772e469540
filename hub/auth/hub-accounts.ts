/**
 * People who sign in at the regional hub, on the shared account store
 * (lib/auth/accounts.ts): specialists, who review cases in their
 * specialties; operators, who watch the links to the posts; admins, who
 * manage accounts and read the access log. A specialist carries the list of
 * specialties the queue is cut by; nobody else carries any.
 */
import type { Clock } from '../../lib/clock.js';
import type { Db } from '../../lib/sqlite.js';
import { ChasquiError } from '../../lib/errors.js';
import { Accounts, type Account, type AccountKind, type Principal } from '../../lib/auth/accounts.js';
import type { ScryptParams } from '../../lib/auth/secret-hash.js';
import type { SessionTable } from '../../lib/auth/sessions.js';
import { SPECIALTIES, type Specialty } from '../routing/routing-rules.js';

export const HUB_ROLES = ['specialist', 'operator', 'admin', 'dpo'] as const;
export type HubRole = (typeof HUB_ROLES)[number];

export type HubAccountData = { specialties: Specialty[] };
export type HubAccount = Account<HubRole, HubAccountData>;

/** Who a hub request is made by: who they are, and for a specialist, in what. */
export interface HubUser extends Principal<HubRole> {
  specialties: Specialty[];
}

function refuse(rule: string, message: string): never {
  throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', message, { rule });
}

/** A specialist needs at least one known specialty (the queue shows nothing otherwise); other roles take none. */
export function checkHubData(role: HubRole, data: HubAccountData | undefined): HubAccountData {
  const given = data?.specialties ?? [];
  const unknown = given.filter((s) => !(SPECIALTIES as readonly string[]).includes(s));
  if (unknown.length) refuse('specialtyUnknown', `unknown specialty "${unknown.join(', ')}"; one of ${SPECIALTIES.join(', ')}`);
  if (role !== 'specialist') {
    if (given.length) refuse('specialtyNotSpecialist', `only a specialist has specialties, not a ${role}`);
    return { specialties: [] };
  }
  if (!given.length) refuse('specialtyMissing', 'a specialist needs at least one specialty');
  // In catalogue order, once each: the same list however it was typed.
  return { specialties: SPECIALTIES.filter((s) => given.includes(s)) };
}

export const HUB_ACCOUNTS: AccountKind<HubRole, HubAccountData> = {
  table: 'hub_accounts', schema: 'hub-accounts', roles: HUB_ROLES, defaultRole: 'specialist', noun: 'hub account',
  checkData: checkHubData,
};

export const HUB_SESSIONS: SessionTable = { table: 'hub_sessions', schema: 'hub-sessions' };

export type HubAccounts = Accounts<HubRole, HubAccountData>;

export function openHubAccounts(db: Db, clock: Clock, opts: { scrypt?: ScryptParams } = {}): HubAccounts {
  return new Accounts(db, clock, HUB_ACCOUNTS, opts);
}

export function hubUserOf(a: HubAccount): HubUser {
  return { id: a.id, username: a.username, displayName: a.displayName, role: a.role, specialties: a.data?.specialties ?? [] };
}
