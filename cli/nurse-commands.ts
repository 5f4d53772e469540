/**
 * `chasqui post nurse …`: nurse accounts, managed on the post box by the
 * field engineer. Secrets come from stdin (the first line, or typed without
 * echo at a terminal), never from an argument: arguments end up in shell
 * history and in `ps` for every user of the box to read.
 */
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { systemClock } from '../lib/clock.js';
import { loadConfig } from '../lib/config.js';
import { ChasquiError } from '../lib/errors.js';
import type { Db } from '../lib/sqlite.js';
import { AuditLog } from '../lib/auth/audit-log.js';
import { NurseAccounts, normalizeUsername, type NurseAccount, type SecretKind } from '../node/auth/nurse-accounts.js';
import { LOCAL_CLI } from '../node/auth/require-nurse.js';
import { SessionStore } from '../node/auth/sessions.js';
import { PostConfigSchema } from '../node/config.js';
import { openPostDatabase } from '../node/post-database.js';
import { PostVault, RECOVERY_SLOT, nurseSlot } from '../node/vault/post-vault.js';
import { formatRecoveryKey, parseRecoveryKey } from '../node/vault/recovery-key.js';
import { readSecret, readTwoSecrets, type SecretInput } from './read-secret.js';

export const NURSE_HELP = `  chasqui post nurse add USERNAME --name "Full Name" [--admin] [--pin]
                                               add a nurse account; the password (8+ characters) or
                                               PIN (6+ digits) is read from stdin, first line
  chasqui post nurse list                      list the post's nurse accounts
  chasqui post nurse disable|enable USERNAME   stop (or allow again) an account; disable signs it out
  chasqui post nurse reset USERNAME [--pin|--password] [--recovery]
                                               set a new password or PIN (from stdin); signs it out.
                                               With --recovery, the post's recovery key follows on the
                                               second line, and the new secret opens the post's data at
                                               once (else only after another nurse has signed in)
  chasqui post nurse recovery-key USERNAME     a new recovery key for the post's data (the old one stops
                                               working); USERNAME's password or PIN is read from stdin
`;

export type NurseIo = { stdin: SecretInput; stdout: Writable; stderr: Writable; env: NodeJS.ProcessEnv };

type Ctx = { accounts: NurseAccounts; sessions: SessionStore; audit: AuditLog; vault: PostVault; io: NurseIo };

export async function nurseCommand(argv: string[], io: Partial<NurseIo> = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      config: { type: 'string' }, name: { type: 'string' }, admin: { type: 'boolean', default: false },
      pin: { type: 'boolean', default: false }, password: { type: 'boolean', default: false }, recovery: { type: 'boolean', default: false },
    },
  });
  const full: NurseIo = { stdin: process.stdin as Readable, stdout: process.stdout, stderr: process.stderr, env: process.env, ...io };
  const [sub, username, ...extra] = positionals;
  if (extra.length) throw new ChasquiError('CHASQUI_ERR_USAGE', `unexpected "${extra.join(' ')}" (the secret is read from stdin, never from the command line)`);
  if (values.pin && values.password) throw new ChasquiError('CHASQUI_ERR_USAGE', 'choose --pin or --password, not both');
  const run = pick(sub, username, values);
  const config = loadConfig(PostConfigSchema, { file: values.config ?? full.env.CHASQUI_CONFIG, env: full.env });
  const db = openPostDatabase(config.dataDir);
  try {
    return await run(open(db, full));
  } finally {
    db.close();
  }
}

type Values = { name?: string; admin?: boolean; pin?: boolean; password?: boolean; recovery?: boolean };

/** Checks the command line before touching the database or asking for a secret. */
function pick(sub: string | undefined, username: string | undefined, v: Values): (ctx: Ctx) => Promise<number> {
  if (sub === 'list') return async (ctx) => list(ctx);
  if (!['add', 'disable', 'enable', 'reset', 'recovery-key'].includes(sub ?? '')) {
    throw new ChasquiError('CHASQUI_ERR_USAGE', sub ? `unknown nurse command "${sub}"` : `which nurse command?\n${NURSE_HELP}`);
  }
  if (!username) throw new ChasquiError('CHASQUI_ERR_USAGE', `chasqui post nurse ${sub} USERNAME`);
  const name = normalizeUsername(username);
  if (sub === 'add') {
    if (!v.name?.trim()) throw new ChasquiError('CHASQUI_ERR_USAGE', 'chasqui post nurse add USERNAME --name "Full Name"');
    return (ctx) => add(ctx, name, v.name!, v.admin ? 'admin' : 'nurse', v.pin ? 'pin' : 'password');
  }
  if (sub === 'reset') return (ctx) => reset(ctx, name, v.pin ? 'pin' : v.password ? 'password' : undefined, !!v.recovery);
  if (sub === 'recovery-key') return (ctx) => newRecoveryKey(ctx, name);
  return async (ctx) => setDisabled(ctx, name, sub === 'disable');
}

function open(db: Db, io: NurseIo): Ctx {
  return {
    accounts: new NurseAccounts(db, systemClock), sessions: new SessionStore(db, systemClock), audit: new AuditLog(db, systemClock),
    vault: new PostVault(db, systemClock), io,
  };
}

function describe(a: NurseAccount): string {
  return `${a.username} (${a.displayName}), ${a.role}, signs in with a ${a.secretKind === 'pin' ? 'PIN' : 'password'}${a.disabled ? ', DISABLED' : ''}`;
}

async function add(ctx: Ctx, username: string, displayName: string, role: 'nurse' | 'admin', kind: SecretKind): Promise<number> {
  if (ctx.accounts.byUsername(username)) throw new ChasquiError('CHASQUI_ERR_BAD_REQUEST', `the username "${username}" is taken`);
  const secret = await readSecret(ctx.io.stdin, ctx.io.stderr, kind === 'pin' ? `PIN for ${username}` : `Password for ${username}`);
  const a = await ctx.accounts.create({ username, displayName, role, kind, secret });
  ctx.audit.record({ actor: LOCAL_CLI.username, action: 'nurse.create', target: a.username, detail: { role, kind } });
  ctx.io.stdout.write(`added ${describe(a)}\n`);
  if (ctx.vault.exists()) {
    ctx.io.stdout.write(`${a.username}'s ${kind === 'pin' ? 'PIN' : 'password'} opens the post's data once another nurse has signed in since the post started\n`);
    return 0;
  }
  // The post's first nurse: her secret and the recovery key are the first two ways in to its data.
  const { recoveryKey } = await ctx.vault.create(nurseSlot(a.id), secret);
  ctx.audit.record({ actor: LOCAL_CLI.username, action: 'vault.create', target: a.username });
  printRecoveryKey(ctx, recoveryKey!);
  return 0;
}

function printRecoveryKey(ctx: Ctx, key: Buffer): void {
  ctx.io.stdout.write(`
RECOVERY KEY of this post's data (shown once, never stored):

    ${formatRecoveryKey(key)}

Write it on paper and keep it away from the post (with the region's field engineer).
If every nurse's password is lost, it is the only way back to the patients, cases and
answers on this box: chasqui post nurse reset USERNAME --recovery
`);
}

function list(ctx: Ctx): number {
  const all = ctx.accounts.list();
  if (!all.length) ctx.io.stdout.write('no nurse accounts yet: chasqui post nurse add USERNAME --name "Full Name" [--admin]\n');
  for (const a of all) {
    ctx.io.stdout.write(`${a.username.padEnd(20)} ${a.role.padEnd(6)} ${a.secretKind.padEnd(9)} ${(a.disabled ? 'disabled' : 'active').padEnd(9)} ${a.displayName}\n`);
  }
  return 0;
}

function setDisabled(ctx: Ctx, username: string, disabled: boolean): number {
  const a = ctx.accounts.setDisabled(username, disabled);
  // Whoever holds an open session must not keep it: the account may have been disabled because a phone was lost.
  const ended = disabled ? ctx.sessions.revokeAllFor(a.id) : 0;
  // Nor her key slot: a disabled account must not open the data even with the database in hand.
  if (disabled) ctx.vault.removeSlot(nurseSlot(a.id));
  ctx.audit.record({ actor: LOCAL_CLI.username, action: disabled ? 'nurse.disable' : 'nurse.enable', target: a.username });
  ctx.io.stdout.write(`${disabled ? 'disabled' : 'enabled'} ${describe(a)}${disabled ? `; ${ended} open session(s) ended` : ''}\n`);
  return 0;
}

async function reset(ctx: Ctx, username: string, kind: SecretKind | undefined, withRecovery: boolean): Promise<number> {
  const current = ctx.accounts.byUsername(username);
  if (!current) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `no nurse account "${username}"`);
  const k = kind ?? current.secretKind;
  const label = k === 'pin' ? `New PIN for ${username}` : `New password for ${username}`;
  let secret: string;
  if (withRecovery) {
    const [fresh, recovery] = await readTwoSecrets(ctx.io.stdin, ctx.io.stderr, [label, 'Recovery key of the post']);
    if (!(await ctx.vault.open(RECOVERY_SLOT, parseRecoveryKey(recovery)))) {
      ctx.audit.record({ actor: LOCAL_CLI.username, action: 'vault.recoveryFailed', target: username, outcome: 'refused' });
      throw new ChasquiError('CHASQUI_ERR_AUTH', 'that recovery key does not open this post\'s data; nothing was changed');
    }
    secret = fresh;
  } else {
    secret = await readSecret(ctx.io.stdin, ctx.io.stderr, label);
  }
  const a = await ctx.accounts.resetSecret(username, secret, k);
  // Her old slot is wrapped under the old secret: re-wrapped now if the vault is open, else dropped until her next sign-in.
  if (ctx.vault.isOpen()) await ctx.vault.setSlot(nurseSlot(a.id), secret);
  else ctx.vault.removeSlot(nurseSlot(a.id));
  if (withRecovery) ctx.audit.record({ actor: LOCAL_CLI.username, action: 'vault.recovered', target: a.username });
  const ended = ctx.sessions.revokeAllFor(a.id);
  ctx.audit.record({ actor: LOCAL_CLI.username, action: 'nurse.resetSecret', target: a.username, detail: { kind: k } });
  ctx.io.stdout.write(`new ${k === 'pin' ? 'PIN' : 'password'} set for ${describe(a)}; ${ended} open session(s) ended\n`);
  if (!ctx.vault.isOpen() && ctx.vault.exists()) {
    ctx.io.stdout.write(`it opens the post's data once another nurse has signed in since the post started (or reset again with --recovery)\n`);
  }
  return 0;
}

async function newRecoveryKey(ctx: Ctx, username: string): Promise<number> {
  const a = ctx.accounts.byUsername(username);
  if (!a || a.disabled) throw new ChasquiError('CHASQUI_ERR_NOT_FOUND', `no active nurse account "${username}"`);
  const secret = await readSecret(ctx.io.stdin, ctx.io.stderr, `${a.secretKind === 'pin' ? 'PIN' : 'Password'} of ${username}`);
  const verified = await ctx.accounts.verify(username, secret);
  if (!verified.ok || !(await ctx.vault.open(nurseSlot(a.id), secret))) {
    ctx.audit.record({ actor: LOCAL_CLI.username, action: 'vault.recoveryKeyRefused', target: username, outcome: 'refused' });
    throw new ChasquiError('CHASQUI_ERR_AUTH', `that ${a.secretKind === 'pin' ? 'PIN' : 'password'} does not open this post's data; nothing was changed`);
  }
  const key = ctx.vault.newRecovery();
  ctx.audit.record({ actor: LOCAL_CLI.username, action: 'vault.newRecoveryKey', target: username });
  printRecoveryKey(ctx, key);
  return 0;
}
