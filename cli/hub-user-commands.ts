/**
 * `chasqui hub user …`: the hub's accounts (specialists, operators, admins),
 * managed on the hub server by its administrator. As on the post
 * (cli/nurse-commands.ts), secrets come from stdin (the first line, or typed
 * without echo at a terminal), never from an argument: arguments end up in
 * shell history and in `ps` for every user of the box to read.
 */
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { systemClock } from '../lib/clock.js';
import { ChasquiError } from '../lib/errors.js';
import type { Db } from '../lib/sqlite.js';
import { AuditLog, LOCAL_CLI_ACTOR } from '../lib/auth/audit-log.js';
import { normalizeUsername, type SecretKind } from '../lib/auth/secret-policy.js';
import { SessionStore } from '../lib/auth/sessions.js';
import { HUB_ROLES, HUB_SESSIONS, openHubAccounts, type HubAccount, type HubAccounts, type HubRole } from '../hub/auth/hub-accounts.js';
import type { Specialty } from '../hub/routing/routing-rules.js';
import { loadHubSetup, openHubDb } from './hub-setup.js';
import { readSecret, type SecretInput } from './read-secret.js';

export const HUB_USER_HELP = `  chasqui hub user add USERNAME --name "Dra. Full Name" --role specialist|operator|admin
                     [--specialty cardiology[,dermatology…]] [--pin]
                                               add a hub account; a specialist needs one or more of
                                               cardiology, dermatology, internalMedicine, paediatrics,
                                               obstetrics; the password (8+ characters) or PIN
                                               (6+ digits) is read from stdin, first line
  chasqui hub user list                        list the hub's accounts
  chasqui hub user disable|enable USERNAME     stop (or allow again) an account; disable signs it out
`;

export type HubUserIo = { stdin: SecretInput; stdout: Writable; stderr: Writable; env: NodeJS.ProcessEnv };

type Ctx = { accounts: HubAccounts; sessions: SessionStore; audit: AuditLog; io: HubUserIo };
type Values = { name?: string; role?: string; specialty?: string; pin?: boolean };

export async function hubUserCommand(argv: string[], io: Partial<HubUserIo> = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      config: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' },
      specialty: { type: 'string' }, pin: { type: 'boolean', default: false },
    },
  });
  const full: HubUserIo = { stdin: process.stdin as Readable, stdout: process.stdout, stderr: process.stderr, env: process.env, ...io };
  const [sub, username, ...extra] = positionals;
  if (extra.length) throw new ChasquiError('CHASQUI_ERR_USAGE', `unexpected "${extra.join(' ')}" (the secret is read from stdin, never from the command line)`);
  const run = pick(sub, username, values);
  const db = openHubDb(loadHubSetup(values.config, full.env));
  try {
    return await run(open(db, full));
  } finally {
    db.close();
  }
}

/** Checks the command line before touching the database or asking for a secret. */
function pick(sub: string | undefined, username: string | undefined, v: Values): (ctx: Ctx) => Promise<number> {
  if (sub === 'list') return async (ctx) => list(ctx);
  if (!['add', 'disable', 'enable'].includes(sub ?? '')) {
    throw new ChasquiError('CHASQUI_ERR_USAGE', sub ? `unknown hub user command "${sub}"` : `which hub user command?\n${HUB_USER_HELP}`);
  }
  if (!username) throw new ChasquiError('CHASQUI_ERR_USAGE', `chasqui hub user ${sub} USERNAME`);
  const name = normalizeUsername(username);
  if (sub !== 'add') return async (ctx) => setDisabled(ctx, name, sub === 'disable');
  if (!v.name?.trim()) throw new ChasquiError('CHASQUI_ERR_USAGE', 'chasqui hub user add USERNAME --name "Full Name" --role ROLE');
  if (!(HUB_ROLES as readonly string[]).includes(v.role ?? '')) throw new ChasquiError('CHASQUI_ERR_USAGE', `--role ${HUB_ROLES.join('|')}`);
  const specialties = (v.specialty ?? '').split(',').map((s) => s.trim()).filter(Boolean) as Specialty[];
  return (ctx) => add(ctx, { username: name, displayName: v.name!, role: v.role as HubRole, specialties, kind: v.pin ? 'pin' : 'password' });
}

function open(db: Db, io: HubUserIo): Ctx {
  return { accounts: openHubAccounts(db, systemClock), sessions: new SessionStore(db, systemClock, HUB_SESSIONS), audit: new AuditLog(db, systemClock), io };
}

function describe(a: HubAccount): string {
  const what = a.data.specialties.length ? `${a.role} (${a.data.specialties.join(', ')})` : a.role;
  return `${a.username} (${a.displayName}), ${what}, signs in with a ${a.secretKind === 'pin' ? 'PIN' : 'password'}${a.disabled ? ', DISABLED' : ''}`;
}

type NewUser = { username: string; displayName: string; role: HubRole; specialties: Specialty[]; kind: SecretKind };

async function add(ctx: Ctx, u: NewUser): Promise<number> {
  if (ctx.accounts.byUsername(u.username)) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `the username "${u.username}" is taken`);
  // The specialties are checked before the secret is asked for: a typo must not cost a typed password.
  const data = ctx.accounts.kind.checkData(u.role, { specialties: u.specialties });
  const secret = await readSecret(ctx.io.stdin, ctx.io.stderr, u.kind === 'pin' ? `PIN for ${u.username}` : `Password for ${u.username}`);
  const a = await ctx.accounts.create({ username: u.username, displayName: u.displayName, role: u.role, kind: u.kind, secret, data });
  ctx.audit.record({ actor: LOCAL_CLI_ACTOR, action: 'hubUser.create', target: a.username, detail: { role: a.role, specialties: a.data.specialties, kind: u.kind } });
  ctx.io.stdout.write(`added ${describe(a)}\n`);
  return 0;
}

function list(ctx: Ctx): number {
  const all = ctx.accounts.list();
  if (!all.length) ctx.io.stdout.write('no hub accounts yet: chasqui hub user add USERNAME --name "Full Name" --role ROLE\n');
  for (const a of all) {
    const state = (a.disabled ? 'disabled' : 'active').padEnd(9);
    ctx.io.stdout.write(`${a.username.padEnd(20)} ${a.role.padEnd(10)} ${state} ${a.displayName}${a.data.specialties.length ? ` — ${a.data.specialties.join(', ')}` : ''}\n`);
  }
  return 0;
}

function setDisabled(ctx: Ctx, username: string, disabled: boolean): number {
  const a = ctx.accounts.setDisabled(username, disabled);
  // Whoever holds an open session must not keep it: the account may have been disabled because a laptop was lost.
  const ended = disabled ? ctx.sessions.revokeAllFor(a.id) : 0;
  ctx.audit.record({ actor: LOCAL_CLI_ACTOR, action: disabled ? 'hubUser.disable' : 'hubUser.enable', target: a.username });
  ctx.io.stdout.write(`${disabled ? 'disabled' : 'enabled'} ${describe(a)}${disabled ? `; ${ended} open session(s) ended` : ''}\n`);
  return 0;
}
