/**
 * The JSON Schemas of the workspace files: the policy's (a file, also contributed to the editor) and the
 * manifest's and people directory's. Compiled ahead of time into `validators.generated.ts` by
 * test/unit/policy-schema.test.ts, so no schema compiler (nor `new Function`) runs in hosts.
 */
import policySchema from './policy.schema.json' with { type: 'json' };

export const POLICY_SCHEMA = policySchema;
export const POLICY_SCHEMA_ID = policySchema.$id;

/** `.sensitivity/labels.json`. */
export const MANIFEST_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://sensitivity-labels.dev/schemas/labels.schema.json',
  type: 'object',
  required: ['version', 'files'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    version: { const: 1 },
    files: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['label', 'setBy', 'setAt'],
        additionalProperties: false,
        properties: {
          label: { $ref: `${POLICY_SCHEMA_ID}#/definitions/labelId` },
          setBy: {
            type: 'object',
            required: ['id', 'email', 'name'],
            additionalProperties: false,
            properties: { id: { type: 'string', minLength: 1 }, email: { type: 'string', minLength: 1 }, name: { type: 'string' } },
          },
          setAt: { $ref: `${POLICY_SCHEMA_ID}#/definitions/dateTime` },
          justification: { type: 'string', minLength: 1 },
        },
      },
    },
  },
} as const;

/** `.sensitivity/people.json` (entries are checked one by one, so errors name the entry). */
export const PEOPLE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://sensitivity-labels.dev/schemas/people.schema.json',
  type: 'object',
  required: ['version', 'people'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    version: { const: 1 },
    people: { type: 'array' },
  },
} as const;

/** Each validator the core uses, by the schema (and pointer) it checks. */
export const SCHEMA_REFS = {
  policy: POLICY_SCHEMA_ID,
  publicIdentity: `${POLICY_SCHEMA_ID}#/definitions/publicIdentity`,
  manifest: MANIFEST_SCHEMA.$id,
  people: PEOPLE_SCHEMA.$id,
} as const;

export type SchemaName = keyof typeof SCHEMA_REFS;
