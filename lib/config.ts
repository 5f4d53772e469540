/**
 * One schema per program gives types, defaults, validation and the
 * documentation of every key. Values come from a JSON file, then from
 * CHASQUI_* environment variables (nesting with "__": CHASQUI_MQTT__URL sets
 * mqtt.url), are validated once, and frozen. An unknown key is an error that
 * names the key, so a typo never silently falls back to a default.
 */
import { readFileSync } from 'node:fs';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ChasquiError } from './errors.js';

export function loadConfig<S extends TSchema>(schema: S, opts: { file?: string; env?: NodeJS.ProcessEnv; overrides?: Record<string, unknown> }): Static<S> {
  const fromFile = opts.file ? readJson(opts.file) : {};
  const merged = deepMerge(deepMerge(fromFile, envValues(opts.env ?? {})), opts.overrides ?? {});
  const withDefaults = Value.Default(schema, Value.Clone(merged));
  const errors = [...Value.Errors(schema, withDefaults)];
  if (errors.length) {
    const list = errors.slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`).join('; ');
    throw new ChasquiError('CHASQUI_ERR_CONFIG', list, { errors: errors.map((e) => ({ path: e.path, message: e.message })) });
  }
  return deepFreeze(withDefaults as Static<S>);
}

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ChasquiError('CHASQUI_ERR_CONFIG', `cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new ChasquiError('CHASQUI_ERR_CONFIG', `${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function camel(s: string): string {
  return s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function envValues(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(env)) {
    if (!key.startsWith('CHASQUI_') || raw === undefined || key === 'CHASQUI_CONFIG') continue;
    const path = key.slice('CHASQUI_'.length).split('__').map(camel);
    let node = out;
    for (const p of path.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]!] = parseScalar(raw);
  }
  return out;
}

function parseScalar(raw: string): unknown {
  if (/^(true|false|-?\d+(\.\d+)?)$/.test(raw)) return JSON.parse(raw);
  return raw;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k], v) : v;
  return out;
}

function deepFreeze<T>(v: T): T {
  if (isObject(v)) for (const x of Object.values(v)) deepFreeze(x);
  return Object.freeze(v);
}
