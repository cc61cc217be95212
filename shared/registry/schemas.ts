import { z } from '@hono/zod-openapi';
import type { Business, Citizen } from './model';
import { demoBusinesses, demoCitizens } from './model';
import { isEnterpriseCode, parseNationalId } from './rules';

/** Every field of a citizen record, in the order responses list them. */
export const CITIZEN_FIELDS = [
  'nationalId',
  'fullName',
  'dateOfBirth',
  'gender',
  'nationality',
  'placeOfOrigin',
  'permanentAddress',
  'province',
  'status',
] as const satisfies readonly (keyof Citizen)[];
export type CitizenField = (typeof CITIZEN_FIELDS)[number];

/** Every field of a business record, in the order responses list them. */
export const BUSINESS_FIELDS = [
  'enterpriseCode',
  'name',
  'legalForm',
  'status',
  'registeredAddress',
  'province',
  'legalRepresentative',
  'charterCapitalVnd',
  'establishedDate',
  'industryCodes',
] as const satisfies readonly (keyof Business)[];
export type BusinessField = (typeof BUSINESS_FIELDS)[number];

const demoCitizen = demoCitizens[0]!;
const demoBusiness = demoBusinesses[0]!;

export const NationalIdSchema = z
  .string()
  .superRefine((value, ctx) => {
    const parsed = parseNationalId(value);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
  })
  .openapi({
    description:
      'The 12-digit personal identification number: province code, century/gender digit, two digits of the birth year, serial.',
    example: demoCitizen.nationalId,
  });

export const EnterpriseCodeSchema = z
  .string()
  .refine(
    isEnterpriseCode,
    'an enterprise code is 10 digits, or 10 digits, a dash and a 3-digit branch number',
  )
  .openapi({
    description: 'The 10-digit enterprise (tax) code, or 13 digits with a branch suffix (`0123456789-001`).',
    example: demoBusiness.enterpriseCode,
  });

const isoDate = z.iso.date();

/** The fields of a citizen record, each with its own rules. */
export const citizenShape = {
  nationalId: z.string().regex(/^\d{12}$/),
  fullName: z.string().min(1).max(200),
  dateOfBirth: isoDate,
  gender: z.enum(['male', 'female']),
  nationality: z.string().min(1).max(100),
  placeOfOrigin: z.string().max(300),
  permanentAddress: z.string().max(300),
  province: z.string().min(1).max(100),
  status: z.enum(['living', 'deceased']),
};

/** The fields of a business record, each with its own rules. */
export const businessShape = {
  enterpriseCode: z.string().refine(isEnterpriseCode),
  name: z.string().min(1).max(300),
  legalForm: z.string().min(1).max(100),
  status: z.enum(['active', 'suspended', 'dissolved']),
  registeredAddress: z.string().max(300),
  province: z.string().min(1).max(100),
  legalRepresentative: z.string().max(200),
  /** Integer VND. */
  charterCapitalVnd: z.number().int().nonnegative(),
  establishedDate: isoDate,
  industryCodes: z.array(z.string().regex(/^\d{4,5}$/)).max(100),
};

/** A full citizen record: what a custodian must answer (and what the hosted copy holds). */
export const CitizenSchema = z.object(citizenShape);

/** A full business record: what a custodian must answer (and what the hosted copy holds). */
export const BusinessSchema = z.object(businessShape);

// The schemas and the domain types must describe the same records.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const citizenSchemaMatchesType: Same<z.infer<typeof CitizenSchema>, Citizen> = true;
const businessSchemaMatchesType: Same<z.infer<typeof BusinessSchema>, Business> = true;
void citizenSchemaMatchesType;
void businessSchemaMatchesType;
