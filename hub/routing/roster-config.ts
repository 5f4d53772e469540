/**
 * The `routing` section of the hub's config file: who the specialists are and
 * when they work (America/Lima wall-clock time), who is on call, the service
 * levels, and optionally the region's own routing rules. Cross-references
 * (an on-call id that is no specialist) are checked when the Roster is built.
 */
import { Type, type Static } from '@sinclair/typebox';
import { SPECIALTIES } from './routing-rules.js';

const SpecialtySchema = Type.Union(SPECIALTIES.map((s) => Type.Literal(s)));
const Id = Type.String({ minLength: 1, pattern: '^[A-Za-z0-9._-]+$' });
const OnCallList = Type.Optional(Type.Array(Id));
/** 24:00 is allowed as an end, so a shift can run to midnight. */
const Clock = Type.String({ pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$', description: 'HH:MM, America/Lima time.' });

export const ShiftSchema = Type.Object(
  {
    days: Type.String({
      pattern: '^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?(,(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?)*$',
      description: 'Days the shift starts on: "mon-fri", "sat,sun", "fri-mon".',
    }),
    from: Clock,
    to: Type.String({ ...Clock, description: 'HH:MM; earlier than "from" means the shift ends the next day.' }),
  },
  { additionalProperties: false },
);

export const SpecialistSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1 }),
    specialties: Type.Array(SpecialtySchema, { minItems: 1 }),
    hours: Type.Array(ShiftSchema, { default: [] }),
  },
  { additionalProperties: false },
);

export const RoutingRuleSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    specialty: SpecialtySchema,
    mediaTypes: Type.Optional(Type.Array(Type.String({ minLength: 3 }), { minItems: 1 })),
    keywords: Type.Optional(Type.Array(Type.String({ minLength: 2 }), { minItems: 1 })),
    underAgeYears: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);

export const RoutingConfigSchema = Type.Object(
  {
    specialists: Type.Array(SpecialistSchema, { default: [] }),
    onCall: Type.Object(
      {
        cardiology: OnCallList, dermatology: OnCallList, internalMedicine: OnCallList, paediatrics: OnCallList, obstetrics: OnCallList,
      },
      { additionalProperties: false, default: {}, description: 'Per specialty, who is called when nobody on duty opens a case, in order.' },
    ),
    regionOnCall: Type.Array(Id, { default: [], description: 'Last resort for any specialty, in order.' }),
    sla: Type.Object(
      {
        // The region sets these; 30 min keeps an urgent case's decision well inside the hour a referral by river or road needs.
        urgentMinutes: Type.Number({ exclusiveMinimum: 0, default: 30, description: 'An urgent case must be opened within this.' }),
        routineMinutes: Type.Number({ exclusiveMinimum: 0, default: 24 * 60, description: 'A routine case must be opened within this.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    rules: Type.Optional(Type.Array(RoutingRuleSchema, { description: 'Replaces the built-in routing rules, first match wins.' })),
  },
  { additionalProperties: false, default: {} },
);

export type RoutingConfig = Static<typeof RoutingConfigSchema>;
export type SpecialistConfig = Static<typeof SpecialistSchema>;
export type ShiftConfig = Static<typeof ShiftSchema>;
