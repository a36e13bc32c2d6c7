/**
 * The embedded default policy, in force when a workspace has no `.sensitivity/policy.json`. Modelled on
 * Microsoft Purview's default labels: Public, General, Confidential and Highly Confidential, the last two
 * split into "All Employees" (everyone in the people directory) and "Specific People" (whom you name).
 * No default expiry: expired content opens for nobody, owner and recovery keys included, so losing access
 * by default must be an organisation's explicit choice.
 */
import { CREDENTIAL_TYPES } from '../detect/detector.js';
import type { Policy } from './types.js';

/** Credentials that also look like ordinary values often enough to need medium confidence. */
const LOOSE_CREDENTIALS = ['secret-assignment', 'jwt'];

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

export const DEFAULT_POLICY: Policy = deepFreeze({
  version: 1,
  labels: [
    {
      id: 'public',
      name: 'Public',
      description: 'Business data specifically prepared and approved for public consumption.',
      color: 'charts.green',
    },
    {
      id: 'general',
      name: 'General',
      description: 'Business data not intended for public consumption, which can be shared with employees, business partners and customers as needed.',
      color: 'charts.blue',
    },
    {
      id: 'confidential',
      name: 'Confidential',
      description:
        'Sensitive business data that could cause damage if shared with unauthorized people: contracts, security reports, forecasts, customer account data.',
      color: 'charts.orange',
      sublabels: [
        {
          id: 'confidential-all-employees',
          name: 'All Employees',
          description:
            'Confidential data that everyone in the people directory may open, edit, copy and print (Co-Author); the owner can see and revoke access.',
          protection: { required: true, grants: [{ to: '*', role: 'Co-Author' }] },
        },
        {
          id: 'confidential-specific-people',
          name: 'Specific People',
          description: 'Confidential data that only the people you name can open, with the role you give each.',
          protection: { required: true },
        },
      ],
    },
    {
      id: 'highly-confidential',
      name: 'Highly Confidential',
      description:
        'Very sensitive business data that would cause serious damage if shared with unauthorized people: credentials, keys, personal data of employees or customers, unreleased financial reports.',
      color: 'charts.red',
      sublabels: [
        {
          id: 'highly-confidential-all-employees',
          name: 'All Employees',
          description: 'Highly confidential data that everyone in the people directory may view, but not edit, copy out, print or unprotect (Viewer).',
          protection: { required: true, grants: [{ to: '*', role: 'Viewer' }] },
        },
        {
          id: 'highly-confidential-specific-people',
          name: 'Specific People',
          description: 'Highly confidential data that only the people you name can open, with the role you give each.',
          protection: { required: true },
        },
      ],
    },
  ],
  defaultLabel: 'general',
  requireDowngradeJustification: true,
  detection: {
    exclude: ['.sensitivity/', '.git/', 'node_modules/'],
    rules: [
      { types: CREDENTIAL_TYPES.filter((t) => !LOOSE_CREDENTIALS.includes(t)), minLabel: 'highly-confidential', action: 'recommend' },
      { types: LOOSE_CREDENTIALS, minLabel: 'highly-confidential', action: 'recommend', minConfidence: 'medium' },
      { types: ['credit-card', 'iban', 'us-ssn'], minLabel: 'confidential', action: 'recommend' },
      { types: ['email-list'], minLabel: 'confidential', action: 'recommend', minConfidence: 'medium' },
    ],
  },
});
