/**
 * Asking before an irreversible action: a modal dialog that names the target and the consequence, with the
 * safe choice first. Focus starts on Cancel, so Enter or a stray click on the trigger's spot does nothing;
 * Escape cancels; focus returns to the element that opened it. One dialog element, created on first use.
 */

let dialog;
let settle;
/** What the open dialog says: strings, or functions that say it in the page's language of the moment. */
let texts;

function write() {
  const say = (text) => (typeof text === 'function' ? text() : text);
  dialog.querySelector('#confirm-title').textContent = say(texts.title);
  dialog.querySelector('#confirm-body').textContent = say(texts.body);
  dialog.querySelector('#confirm-ok').textContent = say(texts.confirm);
  dialog.querySelector('#confirm-cancel').textContent = say(texts.cancel);
}

function element(tag, attrs) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

function create() {
  dialog = element('dialog', {
    id: 'confirm-dialog',
    'aria-labelledby': 'confirm-title',
    'aria-describedby': 'confirm-body',
  });
  const title = element('h2', { id: 'confirm-title' });
  const body = element('p', { id: 'confirm-body' });
  const row = element('div', { class: 'row' });
  const cancel = element('button', { type: 'button', id: 'confirm-cancel', class: 'secondary' });
  const proceed = element('button', { type: 'button', id: 'confirm-ok', class: 'warning' });
  row.append(cancel, proceed);
  dialog.append(title, body, row);
  document.body.append(dialog);
  cancel.addEventListener('click', () => dialog.close('cancel'));
  proceed.addEventListener('click', () => dialog.close('ok'));
  // Escape, Cancel and OK all end here (Escape leaves returnValue as it was: reset on open).
  dialog.addEventListener('close', () => settle?.(dialog.returnValue === 'ok'));
  // A change of language while it is open says it again in the new one (the shell sets <html lang>).
  new MutationObserver(() => {
    if (dialog.open) write();
  }).observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
}

/**
 * Resolves true only if the user chose `confirm`. Texts come translated, or as functions that translate them
 * (`() => t(key, params)`), which are asked again when the language changes while the dialog is open:
 * `{ title, body, confirm, cancel }`, e.g. title "Thu hồi ndg_…?", body what will happen and that it cannot be undone.
 */
export function confirmAction({ title, body, confirm, cancel }) {
  if (!dialog) create();
  if (dialog.open) dialog.close('cancel');
  const opener = document.activeElement;
  texts = { title, body, confirm, cancel };
  write();
  dialog.returnValue = '';
  return new Promise((resolve) => {
    settle = (ok) => {
      settle = undefined;
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(ok);
    };
    dialog.showModal();
    dialog.querySelector('#confirm-cancel').focus();
  });
}
