/** The label policy: schema and semantic validation, the default policy, label lookup and order, protection defaults. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isSensitivityError, type ErrorCode } from '../../src/core/errors.js';
import { createIdentity, publicIdentity, type PublicIdentity } from '../../src/core/identity.js';
import { EMPTY_PEOPLE, addPerson, type PeopleDirectory } from '../../src/core/people.js';
import {
  DEFAULT_POLICY,
  applicableLabel,
  compareLabels,
  customRoles,
  defaultExpiry,
  findLabel,
  flattenLabels,
  isDowngrade,
  isMandatory,
  labelRank,
  minimumApplicableLabel,
  parsePolicy,
  resolveProtectionGrants,
  type Policy,
} from '../../src/core/policy/index.js';
import { rightsOfRole } from '../../src/core/rights.js';

const SCHEMA_PATH = new URL('../../src/core/policy/policy.schema.json', import.meta.url);

/** Asserts `f` throws a SensitivityError with `code` whose message matches `message`. */
function throwsCode(f: () => unknown, code: ErrorCode, message?: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(isSensitivityError(e, code), `expected ${code}, got ${String(e)}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

const minimal = (
  extra: Record<string, unknown> = {},
  labels: unknown[] = [
    { id: 'a', name: 'A' },
    { id: 'b', name: 'B' },
  ],
) => JSON.stringify({ version: 1, labels, ...extra });

const withSubs = (sub: Record<string, unknown> = {}, parent: Record<string, unknown> = {}) =>
  minimal({}, [
    { id: 'low', name: 'Low' },
    { id: 'grp', name: 'Group', ...parent, sublabels: [{ id: 'grp-one', name: 'One', ...sub }] },
  ]);

describe('policy: the embedded default', () => {
  it('validates against the schema and the semantic checks', () => {
    const parsed = parsePolicy(JSON.stringify(DEFAULT_POLICY));
    assert.deepEqual(parsed, JSON.parse(JSON.stringify(DEFAULT_POLICY)));
  });

  it('has Public, General, Confidential and Highly Confidential with All Employees / Specific People sublabels', () => {
    assert.deepEqual(
      flattenLabels(DEFAULT_POLICY).map((l) => l.path),
      [
        'Public',
        'General',
        'Confidential',
        'Confidential/All Employees',
        'Confidential/Specific People',
        'Highly Confidential',
        'Highly Confidential/All Employees',
        'Highly Confidential/Specific People',
      ],
    );
    assert.equal(DEFAULT_POLICY.defaultLabel, 'general');
    assert.equal(DEFAULT_POLICY.requireDowngradeJustification, true);
    for (const l of flattenLabels(DEFAULT_POLICY)) {
      assert.ok(l.description && l.description.length > 20, `${l.id} has a tooltip`);
      assert.ok(l.color, `${l.id} has a color`);
    }
  });

  it('protects the confidential sublabels: All Employees to everyone listed, Specific People to whom you name', () => {
    const ce = findLabel(DEFAULT_POLICY, 'confidential-all-employees');
    assert.deepEqual(ce.protection, { required: true, grants: [{ to: '*', role: 'Co-Author' }] });
    assert.deepEqual(findLabel(DEFAULT_POLICY, 'highly-confidential-all-employees').protection?.grants, [{ to: '*', role: 'Viewer' }]);
    assert.deepEqual(findLabel(DEFAULT_POLICY, 'highly-confidential-specific-people').protection, { required: true });
    assert.equal(findLabel(DEFAULT_POLICY, 'general').protection, undefined);
  });

  it('recommends Highly Confidential for credentials and Confidential for financial and personal data', () => {
    const rules = DEFAULT_POLICY.detection?.rules ?? [];
    const minFor = (type: string) => rules.find((r) => r.types.includes(type))?.minLabel;
    for (const t of [
      'private-key',
      'aws-access-key',
      'github-token',
      'slack-token',
      'stripe-key',
      'google-api-key',
      'azure-storage-key',
      'connection-string-credential',
      'url-credential',
      'secret-assignment',
      'jwt',
    ]) {
      assert.equal(minFor(t), 'highly-confidential', t);
    }
    for (const t of ['credit-card', 'iban', 'us-ssn', 'email-list']) assert.equal(minFor(t), 'confidential', t);
  });

  it('is frozen: hosts cannot change it by accident', () => {
    assert.throws(() => (DEFAULT_POLICY.labels as unknown[]).push({}), TypeError);
    assert.throws(() => {
      (DEFAULT_POLICY as { defaultLabel?: string }).defaultLabel = 'public';
    }, TypeError);
  });
});

describe('policy: the JSON Schema', () => {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;

  it('describes every property an editor can complete (VS Code shows these descriptions)', () => {
    const defs = schema.definitions as Record<string, { description?: string }>;
    const missing: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (typeof node !== 'object' || node === null) return;
      const n = node as Record<string, unknown>;
      const props = n.properties as Record<string, unknown> | undefined;
      for (const [k, v] of Object.entries(props ?? {})) {
        if (v === true) continue;
        const p = v as Record<string, unknown>;
        const ref = typeof p.$ref === 'string' ? defs[p.$ref.split('/').pop()!] : undefined;
        const described =
          typeof p.description === 'string' || typeof ref?.description === 'string' || ['v', 'kty', 'crv', 'name', 'email', 'created'].includes(k);
        if (!described) missing.push(`${at}/${k}`);
      }
      for (const [k, v] of Object.entries(n)) if (typeof v === 'object') walk(v, `${at}/${k}`);
    };
    walk(schema, '');
    assert.deepEqual(missing, []);
  });

  it('is draft-07 with an $id', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.match(String(schema.$id), /policy\.schema\.json$/);
  });
});

describe('policy: parsePolicy refuses bad input, naming the field', () => {
  const cases: [string, string, RegExp][] = [
    ['not JSON', '{"version":1,', /not valid JSON/],
    ['not an object', '[]', /\/: must be an object/],
    ['no version', JSON.stringify({ labels: [{ id: 'a', name: 'A' }] }), /\/version: is required/],
    ['version 0', minimal({ version: 0 }), /\/version: must be 1/],
    ['no labels', JSON.stringify({ version: 1 }), /\/labels: is required/],
    ['empty labels', minimal({}, []), /\/labels: must have at least 1 item/],
    ['unknown top-level property', minimal({ defaultLable: 'a' }), /\/defaultLable: unknown property; allowed here: .*defaultLabel/],
    ['unknown label property', minimal({}, [{ id: 'a', name: 'A', colour: 'x' }]), /\/labels\/0\/colour: unknown property/],
    ['bad color', minimal({}, [{ id: 'a', name: 'A', color: 'red' }]), /\/labels\/0\/color: Use "#rrggbb" or a theme color id .*\(got "red"\)/],
    ['short hex color', minimal({}, [{ id: 'a', name: 'A', color: '#fff' }]), /\/labels\/0\/color/],
    ['id with a space', minimal({}, [{ id: 'a b', name: 'A' }]), /\/labels\/0\/id: A label id has/],
    ['name with a slash', minimal({}, [{ id: 'a', name: 'A/B' }]), /\/labels\/0\/name: A label name cannot/],
    ['blank name', minimal({}, [{ id: 'a', name: '   ' }]), /\/labels\/0\/name/],
    ['name a number', minimal({}, [{ id: 'a', name: 3 }]), /\/labels\/0\/name: must be a string \(got 3\)/],
    ['nested sublabels', withSubs({ sublabels: [{ id: 'deep', name: 'Deep' }] }), /\/labels\/1\/sublabels\/0\/sublabels: unknown property/],
    ['empty sublabels', minimal({}, [{ id: 'a', name: 'A', sublabels: [] }]), /\/labels\/0\/sublabels: must have at least 1 item/],
    [
      'bad grant target',
      minimal({}, [{ id: 'a', name: 'A', protection: { grants: [{ to: 'bob', role: 'Viewer' }] } }]),
      /\/labels\/0\/protection\/grants\/0\/to: Use an email address/,
    ],
    [
      'grant without role',
      minimal({}, [{ id: 'a', name: 'A', protection: { grants: [{ to: '*' }] } }]),
      /\/labels\/0\/protection\/grants\/0\/role: is required/,
    ],
    ['zero expiry', minimal({}, [{ id: 'a', name: 'A', protection: { expiresDays: 0 } }]), /\/labels\/0\/protection\/expiresDays: must be >= 1/],
    ['fractional expiry', minimal({}, [{ id: 'a', name: 'A', protection: { expiresDays: 1.5 } }]), /expiresDays: must be an integer/],
    ['justification not boolean', minimal({ requireDowngradeJustification: 'yes' }), /\/requireDowngradeJustification: must be a boolean/],
    ['mandatory not a list', minimal({ mandatory: '*.md' }), /\/mandatory: must be an array/],
    ['empty glob', minimal({ mandatory: [''] }), /\/mandatory\/0: must have at least 1 character/],
    ['unknown right', minimal({ roles: { Printer: ['VIEW', 'PRINTX'] } }), /\/roles\/Printer\/1: must be one of "VIEW"/],
    ['bad role name', minimal({ roles: { '9lives': ['VIEW'] } }), /\/roles: property name "9lives": A role name/],
    ['empty role', minimal({ roles: { Nobody: [] } }), /\/roles\/Nobody: must have at least 1 item/],
    [
      'bad rule action',
      minimal({ detection: { rules: [{ types: ['jwt'], minLabel: 'a', action: 'block' }] } }),
      /\/detection\/rules\/0\/action: must be one of "recommend", "apply"/,
    ],
    [
      'bad regex flags',
      minimal({ detection: { customTypes: [{ id: 'x', name: 'X', pattern: 'x', flags: 'g' }] } }),
      /\/detection\/customTypes\/0\/flags: Only the flags/,
    ],
    ['recovery not an identity', minimal({ recovery: [{ email: 'r@example.com' }] }), /\/recovery\/0\/v: is required/],
  ];
  for (const [name, text, message] of cases) {
    it(name, () => throwsCode(() => parsePolicy(text, 'ws/.sensitivity/policy.json'), 'E_POLICY_INVALID', message));
  }

  it('names the source file in the error', () => {
    assert.throws(
      () => parsePolicy('{}', '/ws/.sensitivity/policy.json'),
      (e: unknown) => isSensitivityError(e) && e.file === '/ws/.sensitivity/policy.json',
    );
  });

  it('a newer version is E_UNSUPPORTED_VERSION, not a schema error', () => {
    throwsCode(() => parsePolicy(minimal({ version: 2, future: true })), 'E_UNSUPPORTED_VERSION', /version 2 is newer/);
  });

  it('accepts and drops a $schema property', () => {
    const p = parsePolicy(minimal({ $schema: './policy.schema.json' }));
    assert.equal('$schema' in p, false);
  });
});

describe('policy: semantic checks', () => {
  const cases: [string, string, RegExp][] = [
    [
      'duplicate ids',
      minimal({}, [
        { id: 'a', name: 'A' },
        { id: 'a', name: 'B' },
      ]),
      /\/labels\/1\/id: "a" is already the id of \/labels\/0/,
    ],
    ['duplicate id in a sublabel', withSubs({ id: 'low' }), /\/labels\/1\/sublabels\/0\/id: "low" is already the id/],
    [
      'duplicate names (case-insensitive)',
      minimal({}, [
        { id: 'a', name: 'Secret' },
        { id: 'b', name: 'secret' },
      ]),
      /\/labels\/1\/name: "secret" is already the name/,
    ],
    ['protection on a parent', withSubs({}, { protection: { required: true } }), /\/labels\/1\/protection: a label with sublabels cannot be applied/],
    ['unknown default label', minimal({ defaultLabel: 'c' }), /\/defaultLabel: no label has the id "c"; use one of: a, b/],
    [
      'default label a parent',
      minimal({ defaultLabel: 'grp' }, [{ id: 'grp', name: 'G', sublabels: [{ id: 's', name: 'S' }] }]),
      /\/defaultLabel: "grp" has sublabels and cannot be applied; name one of them: s/,
    ],
    [
      'rule with unknown minLabel',
      minimal({ detection: { rules: [{ types: ['jwt'], minLabel: 'zzz', action: 'recommend' }] } }),
      /\/detection\/rules\/0\/minLabel: no label has the id "zzz"/,
    ],
    [
      'regex that does not compile',
      minimal({ detection: { customTypes: [{ id: 'x', name: 'X', pattern: '(unclosed' }] } }),
      /\/detection\/customTypes\/0\/pattern: does not compile/,
    ],
    [
      'duplicate custom type',
      minimal({
        detection: {
          customTypes: [
            { id: 'x', name: 'X', pattern: 'x' },
            { id: 'x', name: 'Y', pattern: 'y' },
          ],
        },
      }),
      /\/detection\/customTypes\/1\/id: "x" is defined twice/,
    ],
    [
      'a rule naming an unknown type',
      minimal({ detection: { rules: [{ types: ['jwt', 'jwtt'], minLabel: 'a', action: 'recommend' }] } }),
      /\/detection\/rules\/0\/types\/1: unknown type "jwtt"; use one of: private-key/,
    ],
    [
      'a custom type shadowing a built-in',
      minimal({ detection: { customTypes: [{ id: 'jwt', name: 'X', pattern: 'x' }] } }),
      /\/detection: .*"jwt" is already a type/,
    ],
    [
      'a custom pattern matching the empty string',
      minimal({ detection: { customTypes: [{ id: 'x', name: 'X', pattern: 'a*' }] } }),
      /\/detection: .*matches the empty string/,
    ],
    ['custom role shadowing a built-in', minimal({ roles: { viewer: ['VIEW'] } }), /\/roles\/viewer: redefines the built-in role Viewer/],
    ['custom role without VIEW', minimal({ roles: { Printer: ['PRINT'] } }), /\/roles\/Printer: must include VIEW/],
    [
      'grant with an unknown role',
      minimal({}, [{ id: 'a', name: 'A', protection: { grants: [{ to: '*', role: 'Editor' }] } }]),
      /\/labels\/0\/protection\/grants\/0\/role: unknown role "Editor"; use one of: Viewer, Reviewer, Co-Author, Co-Owner/,
    ],
    ['a glob with a reversed range', minimal({ mandatory: ['[z-a]'] }), /\/mandatory\/0: "\[z-a\]" is not a valid glob/],
    ['an exclude glob with a reversed range', minimal({ detection: { exclude: ['ok', '[z-a]'] } }), /\/detection\/exclude\/1: "\[z-a\]" is not a valid glob/],
  ];
  for (const [name, text, message] of cases) {
    it(name, () => throwsCode(() => parsePolicy(text), 'E_POLICY_INVALID', message));
  }

  it('recovery identities must carry true thumbprints; a duplicate is refused', async () => {
    const r = publicIdentity(await createIdentity('Recovery', 'recovery@example.com'));
    const ok = parsePolicy(minimal({ recovery: [r] }));
    assert.deepEqual(ok.recovery, [r]);
    const forged = { ...r, enc: { ...r.enc, x: r.sig.x } };
    throwsCode(() => parsePolicy(minimal({ recovery: [forged] })), 'E_POLICY_INVALID', /\/recovery\/0\/enc\/kid: is not the RFC 7638 thumbprint/);
    throwsCode(() => parsePolicy(minimal({ recovery: [r, r] })), 'E_POLICY_INVALID', /\/recovery\/1: recovery@example.com is listed twice/);
  });

  it('a rule may name a custom type', () => {
    const p = parsePolicy(
      minimal({
        detection: {
          customTypes: [{ id: 'project-code', name: 'Project code', pattern: 'PRJ-\\d{4}' }],
          rules: [{ types: ['project-code'], minLabel: 'b', action: 'apply' }],
        },
      }),
    );
    assert.equal(p.detection?.rules?.[0]?.types[0], 'project-code');
  });

  it('custom roles work with rightsOfRole and in protection grants', () => {
    const p = parsePolicy(
      minimal({ roles: { Printer: ['PRINT', 'VIEW'], Boss: ['OWNER'] } }, [{ id: 'a', name: 'A', protection: { grants: [{ to: '*', role: 'Printer' }] } }]),
    );
    assert.deepEqual(customRoles(p), {
      Printer: ['VIEW', 'PRINT'],
      Boss: ['VIEW', 'EDIT', 'EXTRACT', 'PRINT', 'EXPORT', 'VIEWRIGHTSDATA', 'EDITRIGHTSDATA', 'OWNER'],
    });
    assert.deepEqual(rightsOfRole('Printer', customRoles(p)), ['VIEW', 'PRINT']);
    assert.deepEqual(customRoles(DEFAULT_POLICY), {});
  });
});

describe('policy: finding labels', () => {
  it('by id, by name case-insensitively, and as Parent/Sub in any spelling', () => {
    for (const q of [
      'confidential-all-employees',
      'Confidential/All Employees',
      'confidential / all employees',
      'Confidential\\All Employees',
      'Confidential All Employees',
      '  CONFIDENTIAL/ALL   EMPLOYEES ',
    ]) {
      assert.equal(findLabel(DEFAULT_POLICY, q).id, 'confidential-all-employees', q);
    }
    assert.equal(findLabel(DEFAULT_POLICY, 'public').id, 'public');
    assert.equal(findLabel(DEFAULT_POLICY, 'HIGHLY confidential').id, 'highly-confidential');
    assert.equal(findLabel(DEFAULT_POLICY, 'Highly Confidential / Specific People').displayName, 'Highly Confidential / Specific People');
  });

  it('E_LABEL_UNKNOWN lists the choices; an ambiguous sublabel name says which', () => {
    throwsCode(
      () => findLabel(DEFAULT_POLICY, 'Secret'),
      'E_LABEL_UNKNOWN',
      /unknown label "Secret"; use one of: Public, General, Confidential\/All Employees/,
    );
    throwsCode(
      () => findLabel(DEFAULT_POLICY, 'Specific People'),
      'E_LABEL_UNKNOWN',
      /ambiguous: it could be Confidential\/Specific People or Highly Confidential\/Specific People/,
    );
    throwsCode(() => findLabel(DEFAULT_POLICY, 'Confidential/Everyone'), 'E_LABEL_UNKNOWN');
  });

  it('a parent with sublabels cannot be applied (E_LABEL_NOT_APPLICABLE names its sublabels)', () => {
    assert.equal(findLabel(DEFAULT_POLICY, 'Confidential').applicable, false);
    throwsCode(
      () => applicableLabel(DEFAULT_POLICY, 'Confidential'),
      'E_LABEL_NOT_APPLICABLE',
      /choose one of: Confidential\/All Employees, Confidential\/Specific People/,
    );
    throwsCode(() => findLabel(DEFAULT_POLICY, 'highly-confidential', { applicable: true }), 'E_LABEL_NOT_APPLICABLE', /Highly Confidential\/All Employees/);
    assert.equal(applicableLabel(DEFAULT_POLICY, 'General').id, 'general');
  });

  it('a unique sublabel name finds it alone', () => {
    const p = parsePolicy(withSubs());
    assert.equal(findLabel(p, 'one').id, 'grp-one');
    assert.equal(minimumApplicableLabel(p, 'grp').id, 'grp-one');
    assert.equal(minimumApplicableLabel(p, 'low').id, 'low');
  });

  it('flattens with display names, parents, sublabels, ranks and inherited colors', () => {
    const flat = flattenLabels(DEFAULT_POLICY);
    const ce = flat.find((l) => l.id === 'confidential-all-employees')!;
    assert.equal(ce.displayName, 'Confidential / All Employees');
    assert.equal(ce.path, 'Confidential/All Employees');
    assert.equal(ce.name, 'All Employees');
    assert.equal(ce.parent, 'confidential');
    assert.equal(ce.color, 'charts.orange');
    assert.deepEqual(flat.find((l) => l.id === 'confidential')!.sublabels, ['confidential-all-employees', 'confidential-specific-people']);
    assert.deepEqual(
      flat.map((l) => l.rank),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    const own = parsePolicy(withSubs({ color: '#123456' }, { color: 'charts.red' }));
    assert.equal(findLabel(own, 'grp-one').color, '#123456');
    assert.equal(findLabel(own, 'low').color, undefined);
    assert.strictEqual(flattenLabels(DEFAULT_POLICY), flat, 'cached per policy');
  });
});

describe('policy: order and downgrades', () => {
  it('later is more sensitive; sublabels are ordered within their parent', () => {
    assert.ok(labelRank(DEFAULT_POLICY, 'public') < labelRank(DEFAULT_POLICY, 'general'));
    assert.ok(compareLabels(DEFAULT_POLICY, 'confidential-specific-people', 'confidential-all-employees') > 0);
    assert.ok(compareLabels(DEFAULT_POLICY, 'confidential-specific-people', 'highly-confidential-all-employees') < 0);
    assert.equal(compareLabels(DEFAULT_POLICY, 'general', 'General'), 0);
    const sorted = ['highly-confidential-all-employees', 'public', 'confidential-specific-people', 'general'].sort((a, b) =>
      compareLabels(DEFAULT_POLICY, a, b),
    );
    assert.deepEqual(sorted, ['public', 'general', 'confidential-specific-people', 'highly-confidential-all-employees']);
    throwsCode(() => labelRank(DEFAULT_POLICY, 'nope'), 'E_LABEL_UNKNOWN');
  });

  it('isDowngrade: lower is, higher and same are not, removal is, a first label is not, an unknown origin is', () => {
    assert.equal(isDowngrade(DEFAULT_POLICY, 'confidential-all-employees', 'public'), true);
    assert.equal(isDowngrade(DEFAULT_POLICY, 'confidential-specific-people', 'confidential-all-employees'), true);
    assert.equal(isDowngrade(DEFAULT_POLICY, 'public', 'general'), false);
    assert.equal(isDowngrade(DEFAULT_POLICY, 'general', 'general'), false);
    assert.equal(isDowngrade(DEFAULT_POLICY, 'general', undefined), true);
    assert.equal(isDowngrade(DEFAULT_POLICY, undefined, 'public'), false);
    assert.equal(isDowngrade(DEFAULT_POLICY, 'label-of-another-org', 'highly-confidential-specific-people'), true);
    throwsCode(() => isDowngrade(DEFAULT_POLICY, 'general', 'nope'), 'E_LABEL_UNKNOWN');
  });
});

describe('policy: mandatory labels', () => {
  it('matches gitignore-style globs with negation; nothing is mandatory by default', () => {
    const p = parsePolicy(minimal({ mandatory: ['docs/**', '*.csv', '!docs/drafts/'] }));
    assert.equal(isMandatory(p, 'docs/plan.md'), true);
    assert.equal(isMandatory(p, 'data/x/report.csv'), true);
    assert.equal(isMandatory(p, 'docs/drafts/idea.md'), false);
    assert.equal(isMandatory(p, 'src/main.ts'), false);
    assert.equal(isMandatory(DEFAULT_POLICY, 'docs/plan.md'), false);
  });
});

describe('policy: protection defaults', () => {
  let people: PeopleDirectory = EMPTY_PEOPLE;
  const persons: Record<string, PublicIdentity> = {};

  it('resolves *, @domain and an email against the people directory, uniting rights', async () => {
    for (const [name, email] of [
      ['Ann', 'ann@corp.example'],
      ['Ben', 'ben@corp.example'],
      ['Eve', 'eve@partner.example'],
    ] as const) {
      persons[name] = publicIdentity(await createIdentity(name, email));
      people = addPerson(people, persons[name]!);
    }
    const p = parsePolicy(
      minimal({ roles: { Printer: ['VIEW', 'PRINT'] } }, [
        { id: 'all', name: 'All', protection: { grants: [{ to: '*', role: 'Viewer' }] } },
        {
          id: 'corp',
          name: 'Corp',
          protection: {
            grants: [
              { to: '@CORP.example', role: 'Reviewer' },
              { to: 'Eve@partner.example', role: 'Printer' },
              { to: 'ann@corp.example', role: 'Printer' },
            ],
          },
        },
        { id: 'none', name: 'None' },
      ]),
    );
    const all = resolveProtectionGrants(p, 'all', people);
    assert.deepEqual(all.map((g) => [g.person.email, g.rights]).sort(), [
      ['ann@corp.example', ['VIEW', 'VIEWRIGHTSDATA']],
      ['ben@corp.example', ['VIEW', 'VIEWRIGHTSDATA']],
      ['eve@partner.example', ['VIEW', 'VIEWRIGHTSDATA']],
    ]);
    const corp = resolveProtectionGrants(p, findLabel(p, 'Corp'), people);
    assert.deepEqual(
      corp.map((g) => [g.person.email, g.rights]),
      [
        ['ann@corp.example', ['VIEW', 'EDIT', 'PRINT', 'VIEWRIGHTSDATA']],
        ['ben@corp.example', ['VIEW', 'EDIT', 'VIEWRIGHTSDATA']],
        ['eve@partner.example', ['VIEW', 'PRINT']],
      ],
    );
    assert.equal(corp[0]!.person, persons.Ann);
    assert.deepEqual(resolveProtectionGrants(p, 'none', people), []);
    assert.deepEqual(resolveProtectionGrants(p, 'all', EMPTY_PEOPLE), []);
  });

  it('a named person missing from the directory is E_PERSON_UNKNOWN with the add-person hint', () => {
    const p = parsePolicy(minimal({}, [{ id: 'a', name: 'A', protection: { grants: [{ to: 'sec@corp.example', role: 'Co-Owner' }] } }]));
    throwsCode(
      () => resolveProtectionGrants(p, 'a', people),
      'E_PERSON_UNKNOWN',
      /the label A grants Co-Owner to sec@corp\.example, who is not in the workspace's people directory$/,
    );
    assert.throws(
      () => resolveProtectionGrants(p, 'a', people),
      (e: unknown) => isSensitivityError(e) && e.details.hint === 'add-person' && e.details.who === 'sec@corp.example',
    );
  });

  it('the default policy: All Employees grants everyone listed; Specific People nobody by default', () => {
    assert.equal(resolveProtectionGrants(DEFAULT_POLICY, 'highly-confidential-all-employees', people).length, 3);
    assert.deepEqual(resolveProtectionGrants(DEFAULT_POLICY, 'highly-confidential-specific-people', people), []);
  });

  it('defaultExpiry adds expiresDays to now, or none', () => {
    const p: Policy = parsePolicy(
      minimal({}, [
        { id: 'a', name: 'A', protection: { expiresDays: 30 } },
        { id: 'b', name: 'B' },
      ]),
    );
    const now = new Date('2025-01-01T00:00:00Z');
    assert.equal(defaultExpiry(findLabel(p, 'a'), now)?.toISOString(), '2025-01-31T00:00:00.000Z');
    assert.equal(defaultExpiry(findLabel(p, 'b'), now), undefined);
  });
});
