// Loading data with loading / error / reload, and polling while a page is open.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
  setData: (value: T) => void;
}

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], pollMs = 0): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const first = useRef(true);

  useEffect(() => {
    first.current = true;
    setData(undefined);
  }, deps);

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      if (first.current) setLoading(true);
      try {
        const value = await load(controller.signal);
        if (controller.signal.aborted) return;
        setData(value);
        setError(null);
      } catch (e) {
        if (controller.signal.aborted) return;
        setError((e as Error).message || 'Something went wrong');
      } finally {
        if (!controller.signal.aborted) {
          first.current = false;
          setLoading(false);
          if (pollMs > 0) timer = setTimeout(run, pollMs);
        }
      }
    };
    run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [...deps, tick, pollMs]);

  return { data, error, loading: loading && data === undefined, reload, setData };
}

export interface Submit {
  busy: boolean;
  error: string | null;
  submit: (e?: Event) => Promise<void>;
}

// A form's submit handler: busy while `action` runs, and the message of what it threw kept
// for the form to show (`describe` may reword it). The default browser submit is prevented.
export function useSubmit(action: () => Promise<void>, describe: (e: unknown) => string = (e) => (e as Error).message): Submit {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e?: Event) => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}
