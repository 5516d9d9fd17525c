/**
 * The confirmation step of every action: a modal <dialog> (focus is trapped by the browser and
 * Escape cancels), focus starts on Cancel and returns to the element that opened it.
 */
import { h } from './dom.js';

/** Ask for confirmation; resolves true only when the operator confirms. */
export function confirmAction({ title, summary, details = [], confirmLabel = 'Confirm', danger = false }) {
  const dialog = document.getElementById('confirm-dialog');
  const opener = document.activeElement;
  document.getElementById('confirm-title').textContent = title;
  const body = document.getElementById('confirm-body');
  body.replaceChildren(
    h('p', {}, summary),
    details.length ? h('pre', { class: 'mono', style: 'white-space:pre-wrap' }, details.join('\n')) : null,
  );
  const ok = document.getElementById('confirm-ok');
  ok.textContent = confirmLabel;
  ok.className = danger ? 'danger' : 'primary';
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
        resolve(dialog.returnValue === 'confirm');
      },
      { once: true },
    );
    dialog.showModal();
    document.getElementById('confirm-cancel').focus();
  });
}
