/** The command table: every `sensitivity` command, in the order `--help` lists them. */
import { adminCommands } from './admin.js';
import type { Command } from './command.js';
import { gitCommands } from './git.js';
import { idCommands } from './id.js';
import { keyServiceCommands } from './key-service.js';
import { labelCommands } from './label.js';
import { protectCommands } from './protect.js';
import { scanCommands } from './scan.js';
import { signinCommands } from './signin.js';

export type { Command } from './command.js';

export const COMMANDS: readonly Command[] = [
  ...idCommands,
  ...labelCommands,
  ...protectCommands,
  ...scanCommands,
  ...gitCommands,
  ...adminCommands,
  ...keyServiceCommands,
  ...signinCommands,
];
