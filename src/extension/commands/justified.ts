/** Runs a label change; when the policy wants a justification for a downgrade, asks once per batch and retries. */
import { isSensitivityError } from '../../core/errors.js';
import { askJustification } from '../ui/prompts.js';
import { sentence } from '../ui/errors.js';
import { Cancelled } from './targets.js';

/** Holds the batch's justification: given by the caller, or asked at the first downgrade and reused. */
export class Justification {
  constructor(private text: string | undefined) {}

  /** Runs `change` with the justification so far; on E_JUSTIFICATION_REQUIRED asks for one (Cancelled if dismissed). */
  async run<T>(change: (justification: string | undefined) => Promise<T>): Promise<T> {
    try {
      return await change(this.text);
    } catch (e) {
      if (!isSensitivityError(e, 'E_JUSTIFICATION_REQUIRED') || this.text) throw e;
      this.text = await askJustification(sentence(e.message));
      if (!this.text) throw new Cancelled();
      return change(this.text);
    }
  }
}
