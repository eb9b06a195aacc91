// The small component set every page is built from: accessible by default (real buttons,
// labels tied to inputs, focus rings, status in words as well as colour).
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { navigate } from '../lib/router';
import { STATUS_LABELS } from '../lib/format';

let nextId = 0;
export function useId(prefix: string): string {
  const ref = useRef<string>();
  if (!ref.current) ref.current = `${prefix}-${++nextId}`;
  return ref.current;
}

type ButtonProps = JSX.HTMLAttributes<HTMLButtonElement> & {
  kind?: 'primary' | 'secondary' | 'danger' | 'ghost';
  busy?: boolean;
  disabled?: boolean;
  type?: 'button' | 'submit';
};

export function Button({ kind = 'secondary', busy, disabled, type = 'button', children, ...rest }: ButtonProps) {
  return (
    <button type={type} class={`btn btn-${kind}`} disabled={disabled || busy} aria-busy={busy || undefined} {...rest}>
      {busy && <span class="spinner spinner-small" aria-hidden="true" />}
      {children}
    </button>
  );
}

export function Link({ href, children, class: cls, ...rest }: JSX.HTMLAttributes<HTMLAnchorElement> & { href: string }) {
  return (
    <a
      href={href}
      class={cls}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        navigate(href);
      }}
      {...rest}
    >
      {children}
    </a>
  );
}

interface FieldProps {
  label: string;
  hint?: ComponentChildren;
  error?: string | null;
  children: (id: string, describedBy: string | undefined) => ComponentChildren;
}

export function Field({ label, hint, error, children }: FieldProps) {
  const id = useId('f');
  const described = [hint ? `${id}-hint` : '', error ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${error ? ' field-invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children(id, described)}
      {hint && <div class="hint" id={`${id}-hint`}>{hint}</div>}
      {error && <div class="field-error" id={`${id}-err`} role="alert">{error}</div>}
    </div>
  );
}

type InputProps = JSX.HTMLAttributes<HTMLInputElement> & {
  label: string;
  hint?: ComponentChildren;
  error?: string | null;
  value: string;
  onValue: (v: string) => void;
  type?: string;
  required?: boolean;
  autoComplete?: string;
  placeholder?: string;
  name?: string;
  disabled?: boolean;
  spellcheck?: boolean;
};

export function TextInput({ label, hint, error, value, onValue, ...rest }: InputProps) {
  return (
    <Field label={label} hint={hint} error={error}>
      {(id, d) => (
        <input
          id={id}
          aria-describedby={d}
          aria-invalid={error ? true : undefined}
          value={value}
          onInput={(e) => onValue((e.target as HTMLInputElement).value)}
          {...rest}
        />
      )}
    </Field>
  );
}

export function Checkbox({ label, checked, onChange, hint, disabled }: {
  label: ComponentChildren; checked: boolean; onChange: (v: boolean) => void; hint?: ComponentChildren; disabled?: boolean;
}) {
  const id = useId('c');
  return (
    <div class="checkbox">
      <input id={id} type="checkbox" checked={checked} disabled={disabled}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(e) => onChange((e.target as HTMLInputElement).checked)} />
      <label for={id}>{label}</label>
      {hint && <div class="hint" id={`${id}-hint`}>{hint}</div>}
    </div>
  );
}

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function ErrorBox({ error, onRetry }: { error: string; onRetry?: () => void }) {
  return (
    <div class="notice notice-error" role="alert">
      <strong>Something went wrong.</strong> <span>{error}</span>
      {onRetry && <Button kind="ghost" onClick={onRetry}>Try again</Button>}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{title}</p>
      {children}
    </div>
  );
}

export function StatusPill({ status }: { status: string }) {
  return <span class={`pill pill-${status.toLowerCase()}`}>{STATUS_LABELS[status] ?? status}</span>;
}

export function ProgressBar({ percent, label }: { percent: number; label: string }) {
  const value = Math.max(0, Math.min(100, percent));
  return (
    <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(value)} aria-label={label}>
      <div class="progress-fill" style={{ width: `${value}%` }} />
    </div>
  );
}

export function Page({ title, actions, children, lead }: {
  title: string; actions?: ComponentChildren; children: ComponentChildren; lead?: ComponentChildren;
}) {
  useEffect(() => {
    document.title = `${title} · Ersilia Hub`;
  }, [title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-header">
        <div>
          <h1 id="page-title" tabIndex={-1}>{title}</h1>
          {lead && <p class="lead">{lead}</p>}
        </div>
        {actions && <div class="page-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

// A modal built on <dialog>: focus moves in, Esc closes, the page behind is inert.
export function Modal({ title, open, onClose, children, actions }: {
  title: string; open: boolean; onClose: () => void; children: ComponentChildren; actions?: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId('dlg');
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} class="modal" aria-labelledby={id} onClose={onClose} onCancel={onClose}>
      {open && (
        <form method="dialog" class="modal-body" onSubmit={(e) => e.preventDefault()}>
          <h2 id={id}>{title}</h2>
          {children}
          <div class="modal-actions">{actions}</div>
        </form>
      )}
    </dialog>
  );
}

// Asks before a destructive action; `run` may fail, and the error is shown in the dialog.
export function useConfirm() {
  const [state, setState] = useState<null | {
    title: string; body: ComponentChildren; confirm: string; run: () => Promise<unknown>;
  }>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ask = (title: string, body: ComponentChildren, confirm: string, run: () => Promise<unknown>) => {
    setError(null);
    setState({ title, body, confirm, run });
  };
  const dialog = (
    <Modal
      title={state?.title ?? ''}
      open={!!state}
      onClose={() => !busy && setState(null)}
      actions={
        <>
          <Button onClick={() => setState(null)} disabled={busy}>Cancel</Button>
          <Button kind="danger" busy={busy} onClick={async () => {
            if (!state) return;
            setBusy(true);
            try {
              await state.run();
              setState(null);
            } catch (e) {
              setError((e as Error).message);
            } finally {
              setBusy(false);
            }
          }}>{state?.confirm}</Button>
        </>
      }
    >
      <div>{state?.body}</div>
      {error && <ErrorBox error={error} />}
    </Modal>
  );
  return { ask, dialog };
}

// Toasts: short-lived messages in a polite live region.
type Toast = { id: number; kind: 'success' | 'error' | 'info'; text: string };
let toasts: Toast[] = [];
const toastListeners = new Set<() => void>();
let toastId = 0;

export function toast(text: string, kind: Toast['kind'] = 'success') {
  const t = { id: ++toastId, kind, text };
  toasts = [...toasts, t];
  toastListeners.forEach((l) => l());
  setTimeout(() => {
    toasts = toasts.filter((x) => x.id !== t.id);
    toastListeners.forEach((l) => l());
  }, kind === 'error' ? 9000 : 5000);
}

export function Toasts() {
  const [, force] = useState(0);
  useEffect(() => {
    const l = () => force((n) => n + 1);
    toastListeners.add(l);
    return () => toastListeners.delete(l);
  }, []);
  return (
    <div class="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
          <span>{t.text}</span>
          <button type="button" class="toast-close" aria-label="Dismiss"
            onClick={() => { toasts = toasts.filter((x) => x.id !== t.id); toastListeners.forEach((l) => l()); }}>×</button>
        </div>
      ))}
    </div>
  );
}

export function Pager({ offset, limit, total, onChange }: {
  offset: number; limit: number; total: number; onChange: (offset: number) => void;
}) {
  const last = Math.max(0, Math.ceil(total / limit) - 1);
  const page = Math.floor(offset / limit);
  return (
    <nav class="pager" aria-label="Pages">
      <Button kind="ghost" disabled={page === 0} onClick={() => onChange(Math.max(0, offset - limit))}>← Previous</Button>
      <span>Rows {total === 0 ? 0 : offset + 1}–{Math.min(total, offset + limit)} of {total.toLocaleString('en')}</span>
      <Button kind="ghost" disabled={page >= last} onClick={() => onChange(offset + limit)}>Next →</Button>
    </nav>
  );
}

// A definition grid; an item whose third element is true takes a whole row (long links).
export function Dl({ items }: { items: [string, ComponentChildren, boolean?][] }) {
  return (
    <dl class="dl">
      {items.map(([k, v, wide]) => (
        <div key={k} class={wide ? 'dl-wide' : undefined}>
          <dt>{k}</dt>
          <dd>{v ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}
