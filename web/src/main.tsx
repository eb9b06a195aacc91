import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';

// The hub's landing page until the full UI lands: it shows whether the hub is ready and
// links to the API documentation.
function App() {
  const [ready, setReady] = useState<string>('checking…');
  useEffect(() => {
    fetch('/readyz')
      .then((r) => setReady(r.ok ? 'ready' : `not ready (${r.status})`))
      .catch(() => setReady('unreachable'));
  }, []);
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: '40rem', margin: '3rem auto' }}>
      <h1>Ersilia Hub</h1>
      <p>
        Status: <strong>{ready}</strong>
      </p>
      <p>
        <a href="/api/v1/docs/">API documentation</a>
      </p>
    </main>
  );
}

render(<App />, document.getElementById('app')!);
