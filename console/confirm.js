/**
 * Asking before an irreversible action: a modal dialog that names the target and the consequence, with the
 * safe choice first. Focus starts on Cancel, so Enter or a stray click on the trigger's spot does nothing;
 * Escape cancels; focus returns to the element that opened it. One dialog element, created on first use.
 */

let dialog;
/** The open question: how to answer it, and where focus goes back to. */
let pending;
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
  // Escape, Cancel and OK all end here (Escape leaves returnValue as it was: reset on open). The event comes a
  // moment after close(): if the dialog has been opened again since, it belongs to the question now open.
  dialog.addEventListener('close', () => {
    if (!dialog.open) answer(dialog.returnValue === 'ok');
  });
  // A change of language while it is open says it again in the new one (the shell sets <html lang>).
  new MutationObserver(() => {
    if (dialog.open) write();
  }).observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
}

/** Answers the open question, if any, and gives focus back to what asked it. */
function answer(ok, { refocus = true } = {}) {
  const question = pending;
  pending = undefined;
  if (!question) return;
  if (refocus && question.opener instanceof HTMLElement && question.opener.isConnected)
    question.opener.focus();
  question.resolve(ok);
}

/**
 * Resolves true only if the user chose `confirm`. Texts come translated, or as functions that translate them
 * (`() => t(key, params)`), which are asked again when the language changes while the dialog is open:
 * `{ title, body, confirm, cancel }`, e.g. title "Thu hồi ndg_…?", body what will happen and that it cannot be undone.
 * A question asked while another is open answers that one "no" and takes its place.
 */
export function confirmAction({ title, body, confirm, cancel }) {
  if (!dialog) create();
  const opener = dialog.open ? pending?.opener : document.activeElement;
  answer(false, { refocus: false });
  texts = { title, body, confirm, cancel };
  write();
  dialog.returnValue = '';
  return new Promise((resolve) => {
    pending = { resolve, opener };
    if (!dialog.open) dialog.showModal();
    dialog.querySelector('#confirm-cancel').focus();
  });
}

/** Closes the dialog as "no" (sign-out: the next user must not find, or answer, the last one's question). */
export function dismissConfirm() {
  answer(false, { refocus: false });
  if (dialog?.open) dialog.close('cancel');
}
