// Placeholder of the operators' mesh board (a page of this client); replaced by the board itself.
import { createRoot } from 'react-dom/client';

createRoot(document.getElementById('root')!).render(
  <main>
    <h1>Mesh board</h1>
    <p>
      Coming soon. Meanwhile: <a href="/mesh">GET /mesh</a> · <a href="/">back to failsoft</a>
    </p>
  </main>,
);
