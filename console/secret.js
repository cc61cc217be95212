/** The copy-once dialog of a new client secret (its markup is the shell's, in index.html). */
import { t } from './context.js';
import { formatDateTime } from './format.js';
import { $ } from './ui.js';

/** The copy-once dialog: the secret exists in the page only while it is open. */
export function showSecret(clientId, secret, previousExpiresAt) {
  $('secret-client').value = clientId;
  $('secret-value').value = secret ?? '';
  $('secret-copy-status').textContent = '';
  $('secret-overlap').hidden = !previousExpiresAt;
  $('secret-overlap').textContent = previousExpiresAt
    ? t('secret.overlap', { time: formatDateTime(previousExpiresAt) })
    : '';
  $('secret-copy').disabled = false;
  $('secret-dialog').showModal();
  $('secret-value').focus();
  $('secret-value').select();
}

function forgetSecret() {
  $('secret-value').value = '';
  $('secret-client').value = '';
  $('secret-copy-status').textContent = '';
}

/** Wires the dialog's buttons, once. */
export function initSecretDialog() {
  $('secret-copy').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText($('secret-value').value);
      $('secret-copy-status').textContent = t('secret.copied');
      $('secret-copy').disabled = true;
    } catch {
      $('secret-value').select();
      $('secret-copy-status').textContent = t('secret.copyFailed');
    }
  });

  $('secret-close').addEventListener('click', () => {
    forgetSecret();
    $('secret-dialog').close();
  });
  // Escape closes the dialog too; its close event comes a task later.
  $('secret-dialog').addEventListener('close', forgetSecret);
}
