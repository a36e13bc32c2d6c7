/** How people are named in the UI, per the `sensitivity.identity.display` setting. */
import * as vscode from 'vscode';

export type IdentityDisplay = 'nameAndEmail' | 'name' | 'email';

/** A person as the user chose to see people: "Ada <ada@example.com>", "Ada" or "ada@example.com". */
export function identityDisplay(p: { readonly name?: string | undefined; readonly email: string }): string {
  const mode = vscode.workspace.getConfiguration('sensitivity').get<IdentityDisplay>('identity.display', 'nameAndEmail');
  if (!p.name || mode === 'email') return p.email;
  return mode === 'name' ? p.name : `${p.name} <${p.email}>`;
}
