#!/usr/bin/env node
/**
 * `chasqui`: the one command-line entry for every program and tool. Each
 * subcommand lives in its own file; this one only dispatches and explains.
 */
import { AUDIT_HELP, auditCommand } from './audit-commands.js';
import { BRIDGE_HELP, bridgeCommand } from './bridge-commands.js';
import { runDemo } from './demo.js';
import { ECG_HELP, ecgCommand } from './ecg-commands.js';
import { HUB_USER_HELP } from './hub-user-commands.js';
import { NURSE_HELP } from './nurse-commands.js';
import { PHOTO_HELP, photoCommand } from './photo-commands.js';
import { hubCommand } from './hub-commands.js';
import { postCommand } from './post-commands.js';
import { describeError } from './user-errors.js';

const HELP = () => `chasqui — store-and-forward telemedicine for rural health posts

Usage:
  chasqui hub [--config FILE]                  run the regional hub (broker, ingest, API)
  chasqui hub init [--name DNS]... [--ip IP]... [--force]
                                               make the hub's TLS key and certificate (kept if present);
                                               prints the SHA-256 fingerprint posts pin; also the web certificate
  chasqui hub certificate [--force]            the specialists' app's HTTPS certificate (made if absent): its
                                               SHA-256 fingerprint and files (PEM, and the .crt a phone installs)
  chasqui hub add-post ID [--name NAME] [--identity POST-KEYS] [--reinstate]
                                               register a post, or re-key it (its open sessions are cut);
                                               --reinstate registers a revoked id again
  chasqui hub post-identity ID POST-KEYS       record the post's public keys (the line \`chasqui post identity\` prints)
  chasqui hub identity                         print the hub's public keys, which every post pins
  chasqui hub revoke-post ID                   a lost or stolen box: remove its credential and keys, cut its sessions
  chasqui hub mosquitto-files DIR              write passwd, acl and mosquitto.conf for an external Mosquitto
  chasqui post [--config FILE]                 run the post appliance
  chasqui post identity [--config FILE]        print this post's public keys, for the hub
  chasqui post certificate [--config FILE] [--force]
                                               the nurse app's HTTPS certificate (made if absent): its SHA-256
                                               fingerprint for the box's label and files (PEM, and the .crt a phone installs)
  chasqui post submit [--config FILE | --url URL --token-file FILE] [--urgent] [--reason TEXT] [--case-id ID] FILE...
                                               submit a case with FILEs attached to a running post
  chasqui post status [--config FILE | --url URL --token-file FILE]
                                               list the post's cases and where each one is
${HUB_USER_HELP}${NURSE_HELP}${AUDIT_HELP}${BRIDGE_HELP}${ECG_HELP}${PHOTO_HELP}  chasqui demo [--dir DIR] [--fresh] [--http-port N] [--hub-port N] [--bridge-port N]
                                               start a hub and a post on localhost with sample cases;
                                               data in DIR (.demo), --fresh removes it first

Configuration comes from --config FILE (or CHASQUI_CONFIG), then CHASQUI_* environment
variables (CHASQUI_HTTP__PORT=8081 sets http.port). README.md#configuration lists every key.
`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'hub':
      return hubCommand(rest);
    case 'post':
      return postCommand(rest);
    case 'audit':
      return auditCommand(rest);
    case 'bridge':
      return bridgeCommand(rest);
    case 'ecg':
      return ecgCommand(rest);
    case 'photo':
      return photoCommand(rest);
    case 'demo':
      return runDemo(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(HELP());
      return cmd === undefined ? 1 : 0;
    default:
      process.stderr.write(`chasqui: CHASQUI_ERR_USAGE: unknown command "${cmd}" (see chasqui --help)\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(describeError(err));
    process.exitCode = 1;
  },
);
