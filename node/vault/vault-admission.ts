/**
 * What a nurse's correct password does to the vault, at every sign-in: opens
 * it with her slot if it is closed; makes the post's data key if the post has
 * none yet; gives her a slot if the vault is open and she has none (a nurse
 * added, or re-keyed, from the command line while nobody could open it).
 */
import type { Logger } from '../../lib/logger.js';
import { isChasquiError } from '../../lib/errors.js';
import { nurseSlot, type PostVault } from './post-vault.js';

/** Whether the vault is open after her sign-in. */
export async function admitNurse(vault: PostVault, nurseId: string, secret: string, log: Logger): Promise<boolean> {
  const slot = nurseSlot(nurseId);
  if (!vault.exists()) {
    try {
      await vault.create(slot, secret, { recovery: false });
      log.warn('made the post\'s data key at its first sign-in; there is no recovery key yet: `chasqui post recovery-key` prints one');
      return true;
    } catch (err) {
      // Two first sign-ins at once: the other one made it, and it is open in this process.
      if (!isChasquiError(err, 'CHASQUI_ERR_BAD_REQUEST')) throw err;
    }
  }
  if (!vault.isOpen()) return vault.open(slot, secret);
  if (!vault.has(slot)) await vault.setSlot(slot, secret);
  return true;
}
